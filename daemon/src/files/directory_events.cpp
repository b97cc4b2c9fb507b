#include "files/directory_events.hpp"

namespace swmrd::daemon {

DirectoryEvents::DirectoryEvents(FilesystemEvents& events, const std::string& directory,
                                 WatchWakeup& wakeup)
    : wakeup_(wakeup) {
    if (directory.empty())
        return;
    subscription_ = events.subscribe(
        directory, FilesystemEvents::Kind::folder,
        [&wakeup](const std::vector<std::string>&) { wakeup.post(WatchWakeup::folder); });
}

bool DirectoryEvents::wait(std::chrono::milliseconds timeout) {
    return wakeup_.wait(WatchWakeup::folder, timeout) != 0;
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
