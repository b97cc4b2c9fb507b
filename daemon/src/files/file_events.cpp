#include "files/file_events.hpp"

namespace swmrd::daemon {

FileEvents::FileEvents(FilesystemEvents& events, WatchWakeup& wakeup)
    : events_(events), wakeup_(wakeup) {}

bool FileEvents::follow(const std::string& path) {
    // The file followed before is let go first, and what it reported forgotten: only events
    // of the file followed now count. Followed anew even for the same path: it may be
    // another file there now. (The caller looks at the file after this, so a write that
    // lands in between is not missed.)
    subscription_ = {};
    wakeup_.clear(WatchWakeup::file);
    subscription_ = events_.subscribe(
        path, FilesystemEvents::Kind::file,
        [&wakeup = wakeup_](const std::vector<std::string>&) { wakeup.post(WatchWakeup::file); });
    return active();
}

bool FileEvents::wait(std::chrono::microseconds timeout) {
    return wakeup_.wait(WatchWakeup::file, timeout) != 0;
}

} // namespace swmrd::daemon
