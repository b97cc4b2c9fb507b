#pragma once
// Wakes a waiting watch as soon as something is created or moved into its file's folder
// (inotify), so a scan's first frames are not held back by the look-for-file interval.
// Where inotify cannot help - a folder that does not exist yet, or a network filesystem on
// which another host writes - the caller's interval still finds the file.

#include <chrono>
#include <string>
#include <vector>

namespace swmrd::daemon {

class DirectoryEvents {
public:
    // Watches `directory` if it can; otherwise every wait just times out.
    explicit DirectoryEvents(const std::string& directory);
    ~DirectoryEvents();
    DirectoryEvents(const DirectoryEvents&) = delete;
    DirectoryEvents& operator=(const DirectoryEvents&) = delete;

    // Returns when a file is created, moved in or out, deleted, closed after writing or has
    // its attributes changed in the folder (true), or when `wake_fd` becomes readable (a
    // stop) or `timeout` passes (false). `names`, when given, receives the names of the
    // files the events were about; an empty name when the kernel's queue overflowed.
    bool wait(std::chrono::milliseconds timeout, int wake_fd,
              std::vector<std::string>* names = nullptr);

    bool active() const noexcept { return watch_ >= 0; }
    // Why the folder could not be watched (errno), 0 when it is or there was none to watch.
    int error() const noexcept { return error_; }

private:
    int fd_ = -1;
    int watch_ = -1;
    int error_ = 0;
};

// The folder a file path or glob pattern's files appear in: the part before the last `/`;
// empty when a folder component itself holds a glob character.
std::string folder_to_watch(const std::string& file_or_pattern);

} // namespace swmrd::daemon
