#include "watch/watch.hpp"
#include "base/wall_clock.hpp"

#include "base/run_id.hpp"
#include "files/directory_events.hpp"
#include "watch/file_run.hpp"

#include <swmrd/config/allowed_roots.hpp>

#include <spdlog/spdlog.h>

#include <cstring>

#include <sys/eventfd.h>
#include <unistd.h>

namespace swmrd::daemon {

namespace {

// How often a watch looks for its file while there is none, when no inotify event wakes it
// first (network filesystems): cheap (a stat or a glob), and short next to a scan's set-up.
constexpr std::chrono::milliseconds look_for_file_interval{100};
// The longest a pattern watch goes without listing its folder when no event wakes it.
constexpr std::chrono::milliseconds max_look_interval{2000};
// How often it retries a file that exists but cannot be opened for SWMR reading yet.
constexpr std::chrono::milliseconds retry_open_interval{20};
// A file that does not open yet is tried again as soon as it is written (the writer starting
// SWMR mode), but no more often than this.
constexpr std::chrono::microseconds min_open_retry_gap{500};

// A reader that has not answered one request in this long (nor in the watch's timeout, if
// longer) is stuck: it is killed and its run ends with an error.
constexpr std::chrono::milliseconds min_reader_patience{5000};

// A reader's shared memory: room for the whole in-flight budget twice over, so that blocks
// freed out of order never leave it without room, and for one message of the largest size
// allowed (sent alone when it exceeds the budget); only address space until frames use it.
std::size_t reader_arena_bytes(std::uint64_t max_inflight, std::uint64_t max_message) {
    return static_cast<std::size_t>(2 * max_inflight + max_message + (64u << 20));
}

const char* to_string(WatchSource source) {
    return source == WatchSource::config ? "config" : "control";
}

} // namespace

Watch::Watch(config::WatchSpec spec, WatchSource source, Publisher& publisher,
             InflightBudget& budget, Delivery delivery, std::uint64_t max_message,
             RunRegistry& runs, WatchedFolders& folders,
             std::optional<std::vector<std::string>> allowed_roots,
             std::shared_ptr<const std::atomic<bool>> predecessor_gone)
    : spec_(std::move(spec)), source_(source), publisher_(publisher), budget_(budget),
      delivery_(delivery), max_message_(max_message), runs_(runs), folders_(folders),
      started_ns_(unix_time_now_ns()), allowed_roots_(std::move(allowed_roots)),
      predecessor_gone_(std::move(predecessor_gone)) {
    stop_fd_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    thread_ = std::thread([this] { run(); });
}

Watch::~Watch() {
    request_stop(proto::EndReason::shutdown);
    join(std::chrono::milliseconds(0));
}

void Watch::request_stop(proto::EndReason reason) {
    {
        std::lock_guard lock(mutex_);
        if (!stop_reason_)
            stop_reason_ = reason;
    }
    stop_signal_.notify_all();
    wakeup_.stop();
    budget_.wake_all();
    if (stop_fd_) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto written = write(stop_fd_.get(), &one, sizeof one);
    }
}

void Watch::join(std::chrono::milliseconds grace) {
    if (thread_.joinable())
        thread_.join();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!end_sent() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Watch::end_stuck_run(const std::string& why) {
    const auto seq = counters_->open_run_end_seq.exchange(0);
    if (seq == 0)
        return;
    std::string run_id, file;
    {
        std::lock_guard lock(mutex_);
        run_id = run_id_.value_or("");
        file = current_file_.value_or("");
    }
    auto end = end_message(spec_.name, run_id, seq, file, proto::EndReason::error, why);
    end.counters = counters_;
    end.on_end = [&runs = runs_, run_id](const proto::EndHeader& sent) {
        runs.ended(run_id, sent.reason, sent.frames, sent.last_index);
    };
    counters_->ends_queued.fetch_add(1);
    publisher_.push(std::move(end));
}

bool Watch::end_sent() const noexcept {
    return counters_->runs_ended.load() >= counters_->ends_queued.load();
}

std::optional<std::vector<std::string>> Watch::allowed_roots() const {
    std::lock_guard lock(mutex_);
    return allowed_roots_;
}

void Watch::set_allowed_roots(const std::vector<std::string>& roots) {
    std::lock_guard lock(mutex_);
    if (allowed_roots_)
        allowed_roots_ = roots;
}

std::optional<proto::EndReason> Watch::stop_reason() const {
    std::lock_guard lock(mutex_);
    return stop_reason_;
}

void Watch::sleep_for(std::chrono::microseconds duration) {
    std::unique_lock lock(mutex_);
    stop_signal_.wait_for(lock, duration, [this] { return stop_reason_.has_value(); });
}

void Watch::set_state(State state, std::optional<std::string> error) {
    std::lock_guard lock(mutex_);
    state_ = state;
    error_ = std::move(error);
}

// A watch of the same name that was stopped (or changed by a reload) may still be ending,
// on the same file: its end must go out before this watch's start, and two threads must not
// refresh and read one growing dataset through two opens of its file (HDF5 shares the open
// file, and such reads fail). False if this watch is stopped first.
bool Watch::wait_for_predecessor() {
    if (!predecessor_gone_ || predecessor_gone_->load())
        return true;
    spdlog::info("{}: waiting for the previous watch of this name to finish ending", spec_.name);
    while (!predecessor_gone_->load()) {
        if (stop_reason())
            return false;
        sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void Watch::run() {
    if (!wait_for_predecessor()) {
        set_state(State::stopped);
        return;
    }
    FileSelector selector(spec_.file, spec_.is_pattern(), spec_.timeout, folders_, wakeup_,
                          started_ns_);
    const auto folder_path = folder_to_watch(spec_.file);
    DirectoryEvents folder(folders_.events(), folder_path, wakeup_);
    if (folder.error() != 0) {
        // Files are still found, by looking; only the first frames may come later.
        const auto warning = "cannot watch " + folder_path + " for new files with inotify (" +
                             std::strerror(folder.error()) + "): looking for them every 0.1 to 2 s";
        spdlog::warn("{}: {}", spec_.name, warning);
        std::lock_guard lock(mutex_);
        degraded_ = warning;
    }
    try {
        reader_for(allowed_roots()); // ready by the time a file turns up
    } catch (const std::exception& error) {
        spdlog::warn("{}: {}", spec_.name, error.what()); // and again when a file turns up
    }
    auto look_interval = look_for_file_interval;
    // A file that exists but does not open yet: since when, so that an opening problem that
    // outlasts the timeout is reported instead of retried forever.
    // (A plain value and a flag: GCC 12 misreads an optional here as maybe-uninitialised.)
    bool opening = false;
    FileIdentity opening_identity{};
    auto opening_since = std::chrono::steady_clock::now();

    while (!stop_reason()) {
        auto candidate = selector.next();
        if (!candidate) {
            // Woken by the folder's events; without them (a network filesystem), a pattern
            // looks at intervals that grow while nothing turns up.
            const bool woken = folder.wait(look_interval);
            if (spec_.is_pattern())
                look_interval =
                    woken ? look_for_file_interval : std::min(look_interval * 2, max_look_interval);
            continue;
        }
        look_interval = look_for_file_interval;
        std::string why;
        const auto roots = allowed_roots();
        if (roots && !config::is_inside_allowed_roots(candidate->path, *roots, &why)) {
            fail_before_start(*candidate, why);
            selector.mark(*candidate, FileState::failed);
            continue;
        }
        try {
            // Watched before the try, so the writer's switch to SWMR mode wakes the retry
            // even when it lands between the try and the wait.
            file_events_.follow(candidate->path);
            const auto opened = reader_for(roots).try_open(candidate->path, &why);
            if (!opened) {
                const auto now = std::chrono::steady_clock::now();
                if (!opening || opening_identity != candidate->identity) {
                    opening = true;
                    opening_identity = candidate->identity;
                    opening_since = now;
                }
                if (now - opening_since < spec_.timeout) {
                    selector.mark(*candidate, FileState::opening);
                    set_file(candidate->path, FileState::opening);
                } else {
                    fail_before_start(*candidate, candidate->path +
                                                      " could not be opened for SWMR reading "
                                                      "within the watch's timeout (" +
                                                      config::format_duration(spec_.timeout) +
                                                      "): " + why);
                    selector.mark(*candidate, FileState::failed);
                    opening = false;
                }
                if (file_events_.wait(retry_open_interval))
                    sleep_for(min_open_retry_gap); // the writer's burst of writes is one retry
                continue;
            }
            opening = false;
            // The path was checked before HDF5 opened it: the file it opened is checked too,
            // so a path swapped for a link in between gains nothing. (The reader process is
            // confined to the roots as well; this names the problem.)
            if (roots && !config::is_inside_allowed_roots(*opened, *roots, &why)) {
                reader_.reset();
                fail_before_start(*candidate,
                                  candidate->path + " opened " +
                                      (opened->empty() ? "a file it cannot name" : *opened) + ": " +
                                      why);
                selector.mark(*candidate, FileState::failed);
                continue;
            }
            selector.mark(*candidate, FileState::running);
            const auto outcome = run_file(*candidate);
            // Each file is read by a process of its own: whatever this one met stays with it.
            reader_.reset();
            if (!stop_reason())
                reader_for(roots);
            if (outcome.file_changed)
                selector.forget(candidate->path); // what is there now is met as a new file
            else
                selector.mark(*candidate, outcome.error ? FileState::failed : FileState::done);
        } catch (const std::exception& error) {
            // Not HDF5, unreadable, or its reader failed: tried again only once the file
            // changes, by a fresh reader process.
            reader_.reset();
            if (stop_reason())
                break;
            fail_before_start(*candidate, error.what());
            selector.mark(*candidate, FileState::failed);
        }
    }
    set_state(State::stopped);
}

reader::ReaderProcess& Watch::reader_for(const std::optional<std::vector<std::string>>& roots) {
    if (reader_ && roots && reader_->settings().roots != *roots)
        reader_.reset(); // allowed_roots narrowed by a reload: a process confined anew
    if (!reader_) {
        reader_ = std::make_unique<reader::ReaderProcess>(reader::confined_settings(
            roots, reader_arena_bytes(budget_.limit(), max_message_),
            std::max(min_reader_patience,
                     std::chrono::duration_cast<std::chrono::milliseconds>(spec_.timeout))));
        reader_->set_wake_fd(stop_fd_.get());
    }
    return *reader_;
}

proto::WatchStatus Watch::status() const {
    proto::WatchStatus status;
    status.name = spec_.name;
    status.file = spec_.file;
    status.source = to_string(source_);
    {
        std::lock_guard lock(mutex_);
        status.state = state_;
        status.current_file = current_file_;
        status.run = run_id_;
        status.error = error_;
        if (file_state_)
            status.file_state = *file_state_;
        status.warning = warning_ ? warning_ : degraded_;
    }
    status.frames = counters_->frames.load();
    status.bytes = counters_->bytes.load();
    status.last_index = counters_->last_index.load();
    status.dropped = counters_->dropped.load();
    status.lost = counters_->lost.load();
    return status;
}

} // namespace swmrd::daemon
