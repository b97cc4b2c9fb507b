#include "directory_events.hpp"

#include <cerrno>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace swmrd::daemon {

DirectoryEvents::DirectoryEvents(const std::string& directory) {
    if (directory.empty())
        return;
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        error_ = errno;
        return;
    }
    watch_ = inotify_add_watch(fd_, directory.c_str(),
                               IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                              IN_CLOSE_WRITE | IN_ATTRIB);
    if (watch_ < 0)
        error_ = errno;
}

DirectoryEvents::~DirectoryEvents() {
    if (fd_ >= 0)
        close(fd_);
}

bool DirectoryEvents::wait(std::chrono::milliseconds timeout, int wake_fd,
                           std::vector<std::string>* names) {
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {active() ? fd_ : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(timeout.count())) <= 0 || !(fds[1].revents & POLLIN))
        return false;
    // Drain every event so the next wait blocks again; a burst of them is one wake-up.
    alignas(inotify_event) char buffer[4096];
    for (;;) {
        const auto got = read(fd_, buffer, sizeof buffer);
        if (got <= 0)
            break;
        for (ssize_t at = 0; names != nullptr && at < got;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
            if (event->mask & IN_Q_OVERFLOW)
                names->emplace_back();
            else if (event->len > 0)
                names->emplace_back(event->name);
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
    }
    return true;
}

std::string folder_to_watch(const std::string& file_or_pattern) {
    const auto slash = file_or_pattern.rfind('/');
    if (slash == std::string::npos)
        return {};
    auto folder = file_or_pattern.substr(0, slash);
    if (folder.find_first_of("*?[") != std::string::npos)
        return {};
    return folder.empty() ? "/" : folder;
}

} // namespace swmrd::daemon
