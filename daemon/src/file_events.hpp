#pragma once
// Wakes a streaming run as soon as its file is written: SWMR writers write in place, so each
// flush of data or keys is an IN_MODIFY event on the file itself. A run then polls its keys
// right after the writer's flush instead of at its next timed poll. Events are drained on
// every wake, so a burst of writes (one frame's data, metadata and keys) is one wake-up.
// Where no event comes (a network filesystem written from another host) the caller's timed
// poll still finds every frame.

#include <chrono>
#include <string>

namespace swmrd::daemon {

class FileEvents {
public:
    // Watches `path` if it can; otherwise every wait just times out.
    explicit FileEvents(const std::string& path);
    ~FileEvents();
    FileEvents(const FileEvents&) = delete;
    FileEvents& operator=(const FileEvents&) = delete;

    bool active() const noexcept { return watch_ >= 0; }

    // Returns true when the file was written (or its attributes changed, or it was closed,
    // moved or deleted) since the last wait, false when `wake_fd` became readable (a stop) or
    // `timeout` passed. Microsecond resolution.
    bool wait(std::chrono::microseconds timeout, int wake_fd);

private:
    int fd_ = -1;
    int watch_ = -1;
};

} // namespace swmrd::daemon
