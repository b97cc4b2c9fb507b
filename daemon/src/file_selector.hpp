#pragma once
// Decides which file a watch runs next, and remembers what became of each file.
//
// A plain path: the file at the path. A glob pattern: at first, the newest existing match if
// it is still being written (modified within the watch's timeout), the others being history;
// then every new match as it appears, oldest first.
//
// Each file the watch has met is in one state: `opening` (there, not readable as SWMR yet),
// `running`, `done` (its run ended: finished, complete, timeout or stopped) or `failed` (its
// opening timed out, or its run hit an error). A failed file is run again after a pause
// that doubles with each failure in a row (1 s up to a minute): the writer that had not
// started SWMR mode, or a read that failed mid-scan, gets another chance. An unchanged file
// gets three such chances (a transient error on a scan already complete); after them it
// waits until it changes (size or modification time), so a file that stays broken does
// not flood the log or its subscribers with runs that fail alike.
// A done file is run again only as another file: replaced (another identity) or truncated
// and written anew in place (smaller than when it was done).
//
// A pattern over a folder of many files costs little: the folder is listed again only when
// it changed (its own times), and names already met are not looked at again unless the
// folder's events (inotify) name them, or they failed.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

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
    std::int64_t modified_ns = 0;
};

// The regular file at `path` now, or nullopt when there is none.
std::optional<Candidate> identify(const std::string& path);

enum class FileState { opening, running, done, failed };
const char* to_string(FileState state) noexcept;

class FileSelector {
public:
    // `first_pause`: before the first retry of a failed file (then doubling); shorter in tests.
    FileSelector(std::string file_or_pattern, bool is_pattern,
                 std::chrono::duration<double> still_written_within,
                 std::chrono::milliseconds first_pause = std::chrono::seconds(1));

    // The file to run next, if one is there; nullopt: keep waiting.
    std::optional<Candidate> next();

    // What became of `candidate` (a `done` or `failed` file records its size and time now).
    void mark(const Candidate& candidate, FileState state);
    std::optional<FileState> state_of(const std::string& path) const;
    // The file at `path` is not the one a run read any more (replaced, truncated and
    // written anew): whatever is there is met as a new file.
    void forget(const std::string& path);

    // Names in the watched folder that events reported changed: looked at again next time.
    // An empty name means "anything may have changed" (the event queue overflowed).
    void changed(const std::vector<std::string>& names);

    // Files looked at (statx) so far: what a pattern watch over a large folder costs.
    std::uint64_t files_examined() const noexcept { return files_examined_; }

private:
    struct Known {
        Candidate file; // as last looked at
        std::optional<FileState> state;
        std::uint64_t size_then = 0; // at the last mark
        std::int64_t modified_then = 0;
        unsigned failures = 0; // in a row
        std::chrono::steady_clock::time_point retry_after{};
    };
    std::optional<Candidate> examine(const std::string& path);
    bool eligible(const Known& known) const;
    std::optional<Candidate> next_of_pattern();
    bool listing_may_have_changed();
    void list_folder();

    std::string file_;
    std::string folder_; // a pattern's folder, when no folder of it has glob characters
    std::pair<std::int64_t, std::int64_t> folder_stamp_{}; // its mtime and ctime, in ns
    bool is_pattern_;
    std::chrono::duration<double> still_written_within_;
    bool first_scan_done_ = false;
    bool everything_changed_ = false;
    std::map<std::string, Known> known_;
    std::set<std::string> retrying_; // known files in state failed or opening
    std::set<std::string> changed_;  // names the folder's events mentioned
    bool nothing_eligible_ = false;  // the last pattern look found nothing to run
    std::chrono::milliseconds first_pause_;
    bool relist_ = false;            // a file was forgotten: list the folder again
    std::uint64_t files_examined_ = 0;
};

} // namespace swmrd::daemon
