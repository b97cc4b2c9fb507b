#pragma once
// The daemon's one inotify instance, shared by every watch: folders a watch looks for its
// files in, and the files its runs read. The kernel allows few instances per user (128 by
// default), so one per watch would leave later watches polling; watches here cost a kernel
// watch each, shared when two follow the same file or folder.
//
// A thread reads the events and hands each subscriber the names its events were about, a
// read's burst at a time. A subscriber's receiver runs on that thread, briefly, and never
// once its subscription has ended (ending waits for a call in progress).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace swmrd::daemon {

class FilesystemEvents {
public:
    // What is followed: a folder (names created, moved, deleted, written or changed in it) or
    // a file (its writes, attribute changes, close after writing, move and deletion).
    enum class Kind { folder, file };
    // Names of the files the events were about (none for a file's own events); an empty
    // name when the kernel's queue overflowed and anything may have changed.
    using Receiver = std::function<void(const std::vector<std::string>& names)>;

    class Subscription {
    public:
        Subscription() = default;
        ~Subscription();
        Subscription(Subscription&& other) noexcept;
        Subscription& operator=(Subscription&& other) noexcept;
        // Events will come; false when the path could not be followed (see error()).
        bool active() const noexcept { return owner_ != nullptr; }
        int error() const noexcept { return error_; } // errno, when not active

    private:
        friend class FilesystemEvents;
        void end();
        FilesystemEvents* owner_ = nullptr;
        int watch_ = -1;
        std::uint64_t id_ = 0;
        int error_ = 0;
    };

    FilesystemEvents();
    ~FilesystemEvents();
    FilesystemEvents(const FilesystemEvents&) = delete;
    FilesystemEvents& operator=(const FilesystemEvents&) = delete;

    // Why there is no inotify instance (errno), 0 when there is.
    int error() const noexcept { return error_; }
    // Follows `path` until the subscription ends; an inactive one when it cannot.
    Subscription subscribe(const std::string& path, Kind kind, Receiver receiver);
    // Kernel watches in use: one per followed file or folder, however many follow it.
    std::size_t watches() const;

private:
    struct Follower {
        std::uint64_t id;
        Receiver receiver;
    };
    struct KernelWatch {
        std::uint32_t mask = 0;
        std::vector<Follower> followers;
    };
    void unsubscribe(int watch, std::uint64_t id);
    void read_events();
    void dispatch(const char* buffer, std::size_t size);

    int fd_ = -1;
    int stop_fd_ = -1;
    int error_ = 0;
    mutable std::mutex mutex_; // held while receivers run
    std::map<int, KernelWatch> watches_;
    std::uint64_t next_id_ = 1;
    std::thread thread_;
};

} // namespace swmrd::daemon
