#include "file_events.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <ctime>

namespace swmrd::daemon {

FileEvents::FileEvents(const std::string& path) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0)
        return;
    watch_ = inotify_add_watch(fd_, path.c_str(),
                               IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF |
                                   IN_DELETE_SELF);
}

FileEvents::~FileEvents() {
    if (fd_ >= 0)
        close(fd_);
}

bool FileEvents::wait(std::chrono::microseconds timeout, int wake_fd) {
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {active() ? fd_ : -1, POLLIN, 0}};
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const timespec limit{static_cast<time_t>(seconds.count()),
                         static_cast<long>((timeout - seconds).count() * 1000)};
    if (ppoll(fds, 2, &limit, nullptr) <= 0 || !(fds[1].revents & POLLIN))
        return false;
    // Drained before the caller polls: a write after this read wakes the next wait.
    alignas(inotify_event) char buffer[4096];
    while (read(fd_, buffer, sizeof buffer) > 0) {
    }
    return true;
}

} // namespace swmrd::daemon
