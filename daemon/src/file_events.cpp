#include "file_events.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <ctime>

namespace swmrd::daemon {

FileEvents::FileEvents() : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

FileEvents::~FileEvents() {
    if (fd_ >= 0)
        close(fd_);
}

bool FileEvents::follow(const std::string& path) {
    if (fd_ < 0)
        return false;
    // Added again even for the same path: it may be another file there now.
    const int watch = inotify_add_watch(fd_, path.c_str(),
                                        IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF |
                                            IN_DELETE_SELF);
    if (watch_ >= 0 && watch_ != watch)
        inotify_rm_watch(fd_, watch_);
    watch_ = watch;
    path_ = path;
    return active();
}

bool FileEvents::wait(std::chrono::microseconds timeout, int wake_fd) {
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {active() ? fd_ : -1, POLLIN, 0}};
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const timespec limit{static_cast<time_t>(seconds.count()),
                         static_cast<long>((timeout - seconds).count() * 1000)};
    // A stop comes first, whatever else is pending.
    if (ppoll(fds, 2, &limit, nullptr) <= 0 || (fds[0].revents & POLLIN) ||
        !(fds[1].revents & POLLIN))
        return false;
    // Drained before the caller polls: a write after this read wakes the next wait. Only
    // events of the file followed now count (not the end of a watch of the one before).
    alignas(inotify_event) char buffer[4096];
    bool written = false;
    for (ssize_t got; (got = read(fd_, buffer, sizeof buffer)) > 0;) {
        for (ssize_t at = 0; at < got;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
            written = written || event->wd == watch_;
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
    }
    return written;
}

} // namespace swmrd::daemon
