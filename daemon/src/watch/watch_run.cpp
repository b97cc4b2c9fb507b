#include "watch/watch.hpp"

// How a watch runs one file: the run's context, its start and end remembered for fetching,
// the checks that the file is still the one it opened, and a file that fails before its run
// starts.

#include "base/run_id.hpp"
#include "base/wall_clock.hpp"
#include "watch/file_run.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace swmrd::daemon {

RunContext Watch::run_context() {
    return RunContext{spec_,
                      publisher_,
                      budget_,
                      delivery_,
                      max_message_,
                      counters_,
                      [this] { return stop_reason(); },
                      [this](std::chrono::microseconds d) { sleep_for(d); },
                      [this](const std::string& warning) {
                          spdlog::warn("{}: {}", spec_.name, warning);
                          std::lock_guard lock(mutex_);
                          warning_ = warning;
                      },
                      {},
                      {},
                      &file_events_};
}

// A run's context also remembers the run for fetching, from its start to its end.
RunContext Watch::run_context(const Candidate& file, const std::string& run_id) {
    auto context = run_context();
    context.on_start = [this, file, run_id](std::uint64_t first_index) {
        RunRecord record;
        record.run = run_id;
        record.spec = spec_;
        record.file = file.path;
        record.identity = file.identity;
        record.allowed_roots = allowed_roots();
        record.first_index = first_index;
        record.started = unix_time_now();
        record.counters = counters_;
        runs_.started(std::move(record));
    };
    // Called by the publisher when the end goes out, which may be after this watch is gone
    // (ends still queued at shutdown): it holds the registry, which outlives the publisher.
    context.on_end = [&runs = runs_, run_id](const proto::EndHeader& end) {
        runs.ended(run_id, end.reason, end.frames, end.last_index);
    };
    return context;
}

void Watch::set_file(const std::string& path, FileState state) {
    std::lock_guard lock(mutex_);
    if (current_file_ != path)
        warning_.reset();
    current_file_ = path;
    file_state_ = state;
    if (state == FileState::opening && state_ != State::failed)
        state_ = State::waiting;
}

void Watch::fail_before_start(const Candidate& candidate, const std::string& error) {
    auto run_id = new_run_id();
    spdlog::error("{}: {}", spec_.name, error);
    set_file(candidate.path, FileState::failed);
    {
        std::lock_guard lock(mutex_);
        run_id_ = run_id;
    }
    // The status first: a client reacting to the end must find the watch already failed.
    set_state(State::failed, error);
    auto context = run_context();
    send_lone_end(context, candidate.path, run_id, proto::EndReason::error, error);
}

namespace {

// Whether the file at the run's path is still the one it opened, as it grew.
class FileCheck {
public:
    explicit FileCheck(const Candidate& opened) : opened_(opened), largest_(opened.size) {}
    std::optional<std::string> operator()() {
        auto changed = changed_since(opened_.path, opened_.identity, largest_,
                                     "while its run was live", &largest_);
        if (changed && changed->find(" was truncated ") != std::string::npos)
            *changed += ": it is being written anew";
        return changed;
    }

private:
    Candidate opened_;
    std::uint64_t largest_;
};

} // namespace

RunOutcome Watch::run_file(const Candidate& candidate) {
    auto run_id = new_run_id();
    auto context = run_context(candidate, run_id);
    std::optional<FileRun> run;
    try {
        run.emplace(context, *reader_, candidate.path, run_id);
    } catch (const std::exception& error) {
        const auto message = candidate.path + ": " + error.what();
        fail_before_start(candidate, message);
        return {proto::EndReason::error, message, false, std::nullopt};
    }
    set_file(candidate.path, FileState::running);
    {
        std::lock_guard lock(mutex_);
        run_id_ = run_id;
        state_ = State::streaming;
        error_.reset();
    }
    spdlog::info("{}: run {} of {} started", spec_.name, run_id, candidate.path);
    const auto outcome = run->run(FileCheck(candidate));
    if (outcome.file_changed)
        runs_.supersede(run_id, *outcome.error);
    else if (outcome.seal)
        runs_.seal(run_id, *outcome.seal);
    spdlog::info("{}: run {} ended: {}{}", spec_.name, run_id, proto::to_string(outcome.reason),
                 outcome.error ? ": " + *outcome.error : "");
    set_file(candidate.path, outcome.error ? FileState::failed : FileState::done);
    if (outcome.error)
        set_state(State::failed, outcome.error);
    else
        set_state(State::idle);
    run->finish(outcome);
    return outcome;
}

} // namespace swmrd::daemon
