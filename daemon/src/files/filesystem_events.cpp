#include "files/filesystem_events.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace swmrd::daemon {

namespace {

std::uint32_t mask_of(FilesystemEvents::Kind kind) {
    if (kind == FilesystemEvents::Kind::folder)
        return IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB;
    return IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF;
}

} // namespace

FilesystemEvents::FilesystemEvents() {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        error_ = errno;
        return;
    }
    stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (stop_fd_ < 0) {
        error_ = errno;
        close(fd_);
        fd_ = -1;
        return;
    }
    thread_ = std::thread([this] { read_events(); });
}

FilesystemEvents::~FilesystemEvents() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto written = write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    if (stop_fd_ >= 0)
        close(stop_fd_);
    if (fd_ >= 0)
        close(fd_);
}

FilesystemEvents::Subscription FilesystemEvents::subscribe(const std::string& path, Kind kind,
                                                           Receiver receiver) {
    Subscription subscription;
    if (fd_ < 0) {
        subscription.error_ = error_;
        return subscription;
    }
    std::lock_guard lock(mutex_);
    // Added to what the kernel watch already reports, if another follows the same inode.
    const int watch = inotify_add_watch(fd_, path.c_str(), mask_of(kind) | IN_MASK_ADD);
    if (watch < 0) {
        subscription.error_ = errno;
        return subscription;
    }
    auto& kernel_watch = watches_[watch];
    kernel_watch.mask |= mask_of(kind);
    kernel_watch.followers.push_back({next_id_, std::move(receiver)});
    subscription.owner_ = this;
    subscription.watch_ = watch;
    subscription.id_ = next_id_++;
    return subscription;
}

std::size_t FilesystemEvents::watches() const {
    std::lock_guard lock(mutex_);
    return watches_.size();
}

void FilesystemEvents::unsubscribe(int watch, std::uint64_t id) {
    std::lock_guard lock(mutex_);
    const auto found = watches_.find(watch);
    if (found == watches_.end())
        return; // the kernel dropped it already (its file or folder was deleted)
    auto& followers = found->second.followers;
    std::erase_if(followers, [id](const Follower& follower) { return follower.id == id; });
    if (followers.empty()) {
        inotify_rm_watch(fd_, watch);
        watches_.erase(found);
    }
}

void FilesystemEvents::read_events() {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
        pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            spdlog::error("inotify events: poll failed ({}); watches look for changes by "
                          "polling from now on",
                          std::strerror(errno));
            return;
        }
        if (fds[0].revents & POLLIN)
            return;
        // Drained whole before the receivers run: a burst of events is one call each.
        std::size_t size = 0;
        for (ssize_t got; size + sizeof(inotify_event) + NAME_MAX + 1 <= sizeof buffer &&
                          (got = read(fd_, buffer + size, sizeof buffer - size)) > 0;)
            size += static_cast<std::size_t>(got);
        dispatch(buffer, size);
    }
}

void FilesystemEvents::dispatch(const char* buffer, std::size_t size) {
    std::map<int, std::vector<std::string>> names;
    std::vector<int> dropped;
    bool overflowed = false;
    for (std::size_t at = 0; at < size;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        at += sizeof(inotify_event) + event->len;
        if (event->mask & IN_Q_OVERFLOW) {
            overflowed = true;
            continue;
        }
        auto& of_watch = names[event->wd];
        if (event->len > 0 && event->name[0] != '\0')
            of_watch.emplace_back(event->name);
        if (event->mask & IN_IGNORED)
            dropped.push_back(event->wd); // the kernel removed it: its inode is gone
    }
    std::lock_guard lock(mutex_);
    if (overflowed)
        for (const auto& [watch, kernel_watch] : watches_)
            names[watch].emplace_back(); // anything may have changed
    for (auto& [watch, of_watch] : names) {
        const auto found = watches_.find(watch);
        if (found == watches_.end())
            continue;
        std::sort(of_watch.begin(), of_watch.end());
        of_watch.erase(std::unique(of_watch.begin(), of_watch.end()), of_watch.end());
        for (const auto& follower : found->second.followers)
            follower.receiver(of_watch);
    }
    for (const int watch : dropped)
        watches_.erase(watch);
}

FilesystemEvents::Subscription::~Subscription() {
    end();
}

FilesystemEvents::Subscription::Subscription(Subscription&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), watch_(other.watch_), id_(other.id_),
      error_(other.error_) {}

FilesystemEvents::Subscription&
FilesystemEvents::Subscription::operator=(Subscription&& other) noexcept {
    if (this != &other) {
        end();
        owner_ = std::exchange(other.owner_, nullptr);
        watch_ = other.watch_;
        id_ = other.id_;
        error_ = other.error_;
    }
    return *this;
}

void FilesystemEvents::Subscription::end() {
    if (owner_ != nullptr)
        std::exchange(owner_, nullptr)->unsubscribe(watch_, id_);
}

} // namespace swmrd::daemon
