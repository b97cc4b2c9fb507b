#include "files/watched_folders.hpp"

namespace swmrd::daemon {

std::shared_ptr<FolderListing> WatchedFolders::listing(const std::string& folder, bool is_glob) {
    std::lock_guard lock(mutex_);
    std::erase_if(listings_, [](const auto& listed) { return listed.second.expired(); });
    auto& slot = listings_[(is_glob ? "glob:" : "folder:") + folder];
    auto listing = slot.lock();
    if (!listing) {
        listing = std::make_shared<FolderListing>(events_, folder, is_glob);
        slot = listing;
    }
    return listing;
}

FolderFigures WatchedFolders::figures() const {
    FolderFigures figures;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, weak] : listings_) {
            if (const auto listing = weak.lock()) {
                ++figures.listings;
                figures.files += listing->files();
                figures.memory_bytes += listing->memory_bytes();
            }
        }
    }
    figures.kernel_watches = events_.watches();
    return figures;
}

} // namespace swmrd::daemon
