#pragma once
// Which file is at a path: the same path may hold another file later (replaced, or deleted
// and created anew, even with the same inode number), and a watch must tell them apart.

#include <cstdint>
#include <optional>
#include <string>

namespace swmrd::daemon {

struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t birth_ns = 0; // 0 where the filesystem does not record it
    auto operator<=>(const FileIdentity&) const = default;
};

// A regular file as looked at once: who it is, how large and when last written.
struct Candidate {
    std::string path;
    FileIdentity identity;
    std::uint64_t size = 0;
    std::int64_t modified_ns = 0;
};

// The regular file at `path` now (a link followed), or nullopt when there is none.
std::optional<Candidate> identify(const std::string& path);

// Whether the file at `path` is still the one a run read: same identity, and no shorter than
// `size_then`. Otherwise what happened to it, "<path> was deleted <when>" (replaced by another
// file, truncated from … to … bytes), for a run's end or a fetch's `gone`. `size_now`, if
// given, gets the size of a file that is still the one.
std::optional<std::string> changed_since(const std::string& path, const FileIdentity& identity,
                                         std::uint64_t size_then, const std::string& when,
                                         std::uint64_t* size_now = nullptr);

} // namespace swmrd::daemon
