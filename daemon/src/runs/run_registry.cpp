#include "runs/run_registry.hpp"
#include "base/wall_clock.hpp"

#include <algorithm>

namespace swmrd::daemon {

RunRegistry::RunRegistry(std::size_t history, std::size_t limit)
    : history_(std::max<std::size_t>(history, 1)), limit_(std::max(limit, history_)) {}

void RunRegistry::started(RunRecord record) {
    std::lock_guard lock(mutex_);
    auto& runs = by_watch_[record.spec.name];
    for (auto& earlier : runs)
        if (earlier.identity == record.identity && earlier.file == record.file &&
            !earlier.superseded)
            earlier.superseded = record.file + " was written anew in place since run " +
                                 earlier.run + " read it (run " + record.run + " reads it now)";
    runs.push_back(std::move(record));
    ++count_;
    if (runs.size() > history_) {
        runs.pop_front();
        --count_;
    }
    evict();
}

// Past the overall limit, the oldest ended run of any watch goes.
void RunRegistry::evict() {
    while (count_ > limit_) {
        std::deque<RunRecord>* oldest = nullptr;
        for (auto& [watch, runs] : by_watch_)
            if (!runs.empty() && runs.front().ended &&
                (!oldest || *runs.front().ended < *oldest->front().ended))
                oldest = &runs;
        if (!oldest)
            return;
        oldest->pop_front();
        --count_;
    }
    std::erase_if(by_watch_, [](const auto& entry) { return entry.second.empty(); });
}

void RunRegistry::seal(const std::string& run, const RunSeal& seal) {
    std::lock_guard lock(mutex_);
    for (auto& [watch, runs] : by_watch_)
        for (auto& record : runs)
            if (record.run == run)
                record.seal = seal;
}

void RunRegistry::supersede(const std::string& run, const std::string& why) {
    std::lock_guard lock(mutex_);
    for (auto& [watch, runs] : by_watch_)
        for (auto& record : runs)
            if (record.run == run && !record.superseded)
                record.superseded = why;
}

void RunRegistry::ended(const std::string& run, proto::EndReason reason, std::uint64_t frames,
                        std::int64_t last_index) {
    const auto now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard lock(mutex_);
    for (auto& [watch, runs] : by_watch_)
        for (auto& record : runs)
            if (record.run == run) {
                record.ended = now;
                record.reason = reason;
                record.frames = frames;
                record.last_index = last_index;
                record.counters.reset();
                return;
            }
}

std::optional<RunRecord> RunRegistry::find(const std::string& watch, const std::string& run) const {
    std::lock_guard lock(mutex_);
    const auto found = by_watch_.find(watch);
    if (found == by_watch_.end())
        return std::nullopt;
    for (const auto& record : found->second)
        if (record.run == run)
            return record;
    return std::nullopt;
}

bool RunRegistry::knows_watch(const std::string& watch) const {
    std::lock_guard lock(mutex_);
    return by_watch_.count(watch) > 0;
}

std::vector<proto::RunInfo> RunRegistry::runs(const std::string& watch) const {
    std::vector<RunRecord> records;
    {
        std::lock_guard lock(mutex_);
        if (const auto found = by_watch_.find(watch); found != by_watch_.end())
            records.assign(found->second.begin(), found->second.end());
    }
    std::vector<proto::RunInfo> infos;
    for (const auto& record : records) {
        proto::RunInfo info;
        info.run = record.run;
        info.file = record.file;
        info.state = record.ended ? proto::RunState::ended : proto::RunState::streaming;
        if (record.reason)
            info.reason = *record.reason;
        info.first_index = record.first_index;
        info.frames = record.counters ? record.counters->frames.load() : record.frames;
        info.last_index = record.counters ? record.counters->last_index.load() : record.last_index;
        info.started = record.started;
        info.ended = record.ended;
        info.fetchable = !gone(record);
        infos.push_back(std::move(info));
    }
    return infos;
}

std::optional<std::string> RunRegistry::gone(const RunRecord& record) {
    if (record.superseded)
        return record.superseded;
    return changed_since(record.file, record.identity, record.seal ? record.seal->size : 0,
                         "since run " + record.run + " read it");
}

} // namespace swmrd::daemon
