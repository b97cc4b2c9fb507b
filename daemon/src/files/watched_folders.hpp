#pragma once
// What the daemon's watches share of the filesystem: one inotify instance for all of them,
// and one listing of each folder that pattern watches look in (kept while a watch uses it).

#include "files/filesystem_events.hpp"
#include "files/folder_figures.hpp"
#include "files/folder_listing.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace swmrd::daemon {

class WatchedFolders {
public:
    FilesystemEvents& events() noexcept { return events_; }
    // The listing of `folder` (a glob pattern, with `is_glob`), shared with every other
    // watch that asks for the same.
    std::shared_ptr<FolderListing> listing(const std::string& folder, bool is_glob);
    FolderFigures figures() const;

private:
    FilesystemEvents events_;
    mutable std::mutex mutex_;
    std::map<std::string, std::weak_ptr<FolderListing>> listings_;
};

} // namespace swmrd::daemon
