#pragma once
// Wakes a watch as soon as the file it follows is written: SWMR writers write in place, so
// each flush of data or keys is an IN_MODIFY event on the file itself. A streaming run then
// polls its keys right after the writer's flush instead of at its next timed poll, and a file
// not in SWMR mode yet is tried again as soon as its writer switches. Events are drained on
// every wake, so a burst of writes (one frame's data, metadata and keys) is one wake-up.
// Where no event comes (a network filesystem written from another host) the caller's timed
// poll still finds every frame.
//
// One per watch, following one file at a time: closing an inotify instance waits for the
// kernel to retire it (milliseconds), which must not happen between two tries of a file.

#include <chrono>
#include <string>

namespace swmrd::daemon {

class FileEvents {
public:
    FileEvents();
    ~FileEvents();
    FileEvents(const FileEvents&) = delete;
    FileEvents& operator=(const FileEvents&) = delete;

    // Follows `path` from now on (and no longer the file followed before). False when it
    // cannot: every wait then just times out.
    bool follow(const std::string& path);
    bool active() const noexcept { return watch_ >= 0; }

    // Returns true when the followed file was written (or its attributes changed, or it was
    // closed, moved or deleted) since the last wait, false when `wake_fd` became readable (a
    // stop) or `timeout` passed. Microsecond resolution.
    bool wait(std::chrono::microseconds timeout, int wake_fd);

private:
    int fd_ = -1;
    int watch_ = -1;
    std::string path_;
};

} // namespace swmrd::daemon
