#pragma once
// A watch: one thread following one file path or pattern, running each file it selects
// (start, frames, end), from launch until it is stopped. Control requests talk to it only
// through request_stop() and status(); they never touch its HDF5 handles.

#include "base/inflight_budget.hpp"
#include "base/unique_fd.hpp"
#include "delivery/publisher.hpp"
#include "files/file_events.hpp"
#include "files/file_selector.hpp"
#include "files/watch_wakeup.hpp"
#include "files/watched_folders.hpp"
#include "reader/reader_process.hpp"
#include "runs/run_registry.hpp"
#include "runs/watch_counters.hpp"
#include "watch/file_run.hpp"
#include "watch/run_context.hpp"

#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/control.hpp>
#include <swmrd/proto/messages.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace swmrd::daemon {

enum class WatchSource { config, control };

class Watch {
public:
    // `allowed_roots`: for watches started by control, every file the watch selects must lie
    // under them (a pattern's match may be a symlink pointing out); nullopt for config ones.
    // `predecessor_gone`: the flag of a watch of the same name still ending; this one opens
    // nothing until it is true.
    // `folders`: the inotify instance and folder listings shared by every watch.
    Watch(config::WatchSpec spec, WatchSource source, Publisher& publisher, InflightBudget& budget,
          Delivery delivery, std::uint64_t max_message, RunRegistry& runs, WatchedFolders& folders,
          std::optional<std::vector<std::string>> allowed_roots = std::nullopt,
          std::shared_ptr<const std::atomic<bool>> predecessor_gone = nullptr);
    ~Watch(); // stops with reason `shutdown` if still running, and joins
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    const config::WatchSpec& spec() const noexcept { return spec_; }
    WatchSource source() const noexcept { return source_; }

    // Asks the thread to end its run with `reason` (stopped or shutdown); returns at once.
    void request_stop(proto::EndReason reason);
    // Waits for the thread; then, up to `grace`, for the publisher to send the run's end.
    void join(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));
    // The run's end has been sent (or there was none to send).
    bool end_sent() const noexcept;
    // At shutdown, for a watch whose thread did not end in time: sends its open run's end on
    // its behalf (reason `error`, saying why), so that subscribers are told. Nothing if the
    // run has no start yet or its own end is already out.
    void end_stuck_run(const std::string& why);

    proto::WatchStatus status() const;

    // A reload narrowed allowed_roots: the files this control watch selects from now on must
    // lie under `roots`.
    void set_allowed_roots(const std::vector<std::string>& roots);
    // Its counters, for /metrics: they outlive the watch while anyone holds them.
    std::shared_ptr<const WatchCounters> counters() const noexcept { return counters_; }
    // Frames sent in the current (or last) run.
    std::uint64_t frames() const noexcept { return counters_->frames.load(); }

private:
    using State = proto::WatchState;

    void run();
    bool wait_for_predecessor();
    RunOutcome run_file(const Candidate& candidate);
    // The reader process the next file is opened in: started ahead, while the watch waits
    // for a file, and again as soon as a run is over (a file gets a fresh process).
    reader::ReaderProcess& reader_for(const std::optional<std::vector<std::string>>& roots);
    void set_file(const std::string& path, FileState state);
    void fail_before_start(const Candidate& candidate, const std::string& error);
    RunContext run_context();
    RunContext run_context(const Candidate& file, const std::string& run_id);
    void set_state(State state, std::optional<std::string> error = std::nullopt);
    void sleep_for(std::chrono::microseconds duration);
    std::optional<proto::EndReason> stop_reason() const;
    std::optional<std::vector<std::string>> allowed_roots() const;

    const config::WatchSpec spec_;
    const WatchSource source_;
    Publisher& publisher_;
    InflightBudget& budget_;
    const Delivery delivery_;
    const std::uint64_t max_message_;
    RunRegistry& runs_;
    WatchedFolders& folders_;
    const std::int64_t started_ns_; // files of its pattern created since are runs to come
    std::optional<std::vector<std::string>> allowed_roots_; // guarded by mutex_ once running
    const std::shared_ptr<const std::atomic<bool>> predecessor_gone_;
    std::shared_ptr<WatchCounters> counters_ = std::make_shared<WatchCounters>();

    mutable std::mutex mutex_;
    std::condition_variable stop_signal_;
    std::optional<proto::EndReason> stop_reason_;
    State state_ = State::waiting;
    std::optional<std::string> current_file_;
    std::optional<std::string> run_id_;
    std::optional<std::string> error_;
    std::optional<FileState> file_state_;
    std::optional<std::string> warning_;  // of the current file's run
    std::optional<std::string> degraded_; // of the watch: it runs without inotify

    // Readable once a stop is requested: wakes a wait for the reader process at once.
    UniqueFd stop_fd_; // an eventfd a stop writes, waking a reader's request
    // Where the watch thread waits for its folder's and file's events; a stop wakes it.
    WatchWakeup wakeup_;
    FileEvents file_events_{folders_.events(), wakeup_}; // of the file being opened or run
    std::unique_ptr<reader::ReaderProcess> reader_;      // the watch thread's
    std::thread thread_;
};

} // namespace swmrd::daemon
