#pragma once
// The set of watches. Control requests and config reloads change it; each watch runs on its
// own thread, and the manager only starts, stops and asks them for their status.

#include "files/folder_figures.hpp"
#include "watch/reaper.hpp"
#include "watch/watch.hpp"
#include "watch/watch_figures.hpp"

#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/control.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace swmrd::daemon {

class WatchManager {
public:
    // `max_message`: the largest message a run may read and send (docs/protocol.md, config).
    WatchManager(Publisher& publisher, InflightBudget& budget, Delivery delivery,
                 std::uint64_t max_message, RunRegistry& runs, std::size_t max_watches = 256);
    ~WatchManager(); // shuts every watch down

    // `exists` when a watch of that name is listed. Control watches get the allowed roots
    // their files must stay under.
    std::optional<proto::ErrorReply>
    start(config::WatchSpec spec, WatchSource source,
          std::optional<std::vector<std::string>> allowed_roots = std::nullopt);
    // Ends the watch's run with `reason` and removes it, at once (the reaper joins its
    // thread); `not_found` when there is none.
    std::variant<proto::StopReply, proto::ErrorReply> stop(const std::string& name,
                                                           proto::EndReason reason);
    std::vector<proto::WatchStatus> list() const;
    // Each watch's status with its counters and parts, for the HTTP endpoint.
    std::vector<WatchFigures> figures() const;
    FolderFigures folder_figures() const { return folders_.figures(); }
    std::optional<proto::WatchStatus> status(const std::string& name) const;
    std::vector<std::string> names() const;

    // After a config (re)load: starts config watches that are new, restarts the ones whose
    // spec changed, stops the ones no longer configured. Control watches are left alone; a
    // config watch whose name a control watch already has is not started, and logged.
    void apply_config(const std::vector<config::WatchSpec>& watches);

    // After a reload that narrowed allowed_roots: control watches whose file or pattern, or
    // the file their run reads now, is no longer inside are stopped (reason `stopped`), each
    // logged; the others check every file they select from now on against the new roots.
    void stop_control_watches_outside(const std::vector<std::string>& allowed_roots);

    // Every run ends with `shutdown`; waits for the threads until `deadline`. Returns the
    // watches still stuck then (in a read that does not return), whose threads are left.
    std::vector<std::shared_ptr<Watch>> shutdown(std::chrono::steady_clock::time_point deadline =
                                                     std::chrono::steady_clock::time_point::max());

private:
    Watch* find(const std::string& name) const;
    std::unique_ptr<Watch> take(const std::string& name);

    Publisher& publisher_;
    InflightBudget& budget_;
    const Delivery delivery_;
    const std::uint64_t max_message_;
    RunRegistry& runs_;
    const std::size_t max_watches_;
    WatchedFolders folders_;                      // shared by the watches: outlives them
    std::vector<std::unique_ptr<Watch>> watches_; // in the order they were started
    Reaper reaper_;                               // joins the watches `stop` removed
};

} // namespace swmrd::daemon
