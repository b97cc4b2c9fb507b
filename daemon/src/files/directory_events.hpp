#pragma once
// Wakes a waiting watch as soon as something is created or moved into its file's folder
// (inotify, through the daemon's shared instance), so a scan's first frames are not held
// back by the look-for-file interval. Where inotify cannot help - a folder that does not
// exist yet, or a network filesystem on which another host writes - the caller's interval
// still finds the file.

#include "files/filesystem_events.hpp"
#include "files/watch_wakeup.hpp"

#include <chrono>
#include <string>

namespace swmrd::daemon {

class DirectoryEvents {
public:
    // Watches `directory` if it can; otherwise every wait just times out. Events and a stop
    // reach the waits through `wakeup`.
    DirectoryEvents(FilesystemEvents& events, const std::string& directory, WatchWakeup& wakeup);

    // Returns when a file is created, moved in or out, deleted, closed after writing or has
    // its attributes changed in the folder (true), or on a stop or once `timeout` passes
    // (false).
    bool wait(std::chrono::milliseconds timeout);

    bool active() const noexcept { return subscription_.active(); }
    // Why the folder could not be watched (errno), 0 when it is or there was none to watch.
    int error() const noexcept { return subscription_.error(); }

private:
    WatchWakeup& wakeup_;
    FilesystemEvents::Subscription subscription_; // last: ends before the rest goes
};

// The folder a file path or glob pattern's files appear in: the part before the last `/`;
// empty when a folder component itself holds a glob character.
std::string folder_to_watch(const std::string& file_or_pattern);

} // namespace swmrd::daemon
