#pragma once
// Decides which file a watch runs next.
//
// A plain path: the file at the path, each time it is a new file (another identity: device,
// inode and birth time, or the same identity truncated and written anew: smaller than when
// its run ended), so a scan that replaces or rewrites the file starts a new run and the
// file just run is not run again.
// A glob pattern: at first, the newest existing match if it is still being written
// (modified within the watch's timeout); then every new match as it appears, oldest first.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

namespace swmrd::daemon {

struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t birth_ns = 0; // 0 where the filesystem does not record it
    auto operator<=>(const FileIdentity&) const = default;
};

struct Candidate {
    std::string path;
    FileIdentity identity;
    std::uint64_t size = 0;
};

// The regular file at `path` now, or nullopt when there is none.
std::optional<Candidate> identify(const std::string& path);

class FileSelector {
public:
    FileSelector(std::string file_or_pattern, bool is_pattern,
                 std::chrono::duration<double> still_written_within);

    // The file to run next, if one is there; nullopt: keep waiting.
    std::optional<Candidate> next();

    // That file has had its run (or failed for good): never pick it again.
    void done(const Candidate& candidate);

private:
    std::optional<Candidate> next_of_pattern();
    bool is_done(const Candidate& candidate) const;

    std::string file_;
    bool is_pattern_;
    std::chrono::duration<double> still_written_within_;
    bool first_scan_done_ = false;
    std::map<FileIdentity, std::uint64_t> done_; // and the file's size when it was done
};

} // namespace swmrd::daemon
