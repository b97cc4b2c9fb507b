#pragma once

#include <cstdint>

namespace swmrd::daemon {

// What the watches share of the filesystem (watched_folders.hpp).
struct FolderFigures {
    std::uint64_t listings = 0;       // folders that pattern watches look in
    std::uint64_t files = 0;          // in those listings
    std::uint64_t memory_bytes = 0;   // what the listings hold
    std::uint64_t kernel_watches = 0; // inotify watches in use, on one instance
};

} // namespace swmrd::daemon
