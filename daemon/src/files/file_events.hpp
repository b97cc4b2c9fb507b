#pragma once
// Wakes a watch as soon as the file it follows is written: SWMR writers write in place, so
// each flush of data or keys is an IN_MODIFY event on the file itself. A streaming run then
// polls its keys right after the writer's flush instead of at its next timed poll, and a file
// not in SWMR mode yet is tried again as soon as its writer switches. A burst of writes (one
// frame's data, metadata and keys) is one wake-up. Where no event comes (a network
// filesystem written from another host) the caller's timed poll still finds every frame.
//
// One per watch, following one file at a time, through the daemon's shared inotify
// instance.

#include "files/filesystem_events.hpp"
#include "files/watch_wakeup.hpp"

#include <chrono>
#include <string>

namespace swmrd::daemon {

class FileEvents {
public:
    FileEvents(FilesystemEvents& events, WatchWakeup& wakeup);

    // Follows `path` from now on (and no longer the file followed before). False when it
    // cannot: every wait then just times out.
    bool follow(const std::string& path);
    bool active() const noexcept { return subscription_.active(); }

    // Returns true when the followed file was written (or its attributes changed, or it was
    // closed, moved or deleted) since the last wait, false on a stop or once `timeout`
    // passed. Microsecond resolution.
    bool wait(std::chrono::microseconds timeout);

private:
    FilesystemEvents& events_;
    WatchWakeup& wakeup_;
    FilesystemEvents::Subscription subscription_; // last: ends before the rest goes
};

} // namespace swmrd::daemon
