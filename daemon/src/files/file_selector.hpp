#pragma once
// Decides which file a watch runs next, and remembers what became of each file.
//
// A plain path: the file at the path. A glob pattern: at first, the newest match that existed
// when the watch started if it is still being written (modified within the watch's timeout),
// the others being history; then every match created since the watch started, oldest first
// (the first look at a large folder may come seconds after the start).
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
// A pattern's files come from its folder's listing, shared with every watch of the folder
// (folder_listing.hpp): the watch remembers only the files it met since it started and has
// not finished with, so history costs it nothing.

#include "files/file_identity.hpp"
#include "files/folder_listing.hpp"
#include "files/watch_wakeup.hpp"
#include "files/watched_folders.hpp"

#include <swmrd/proto/vocabulary.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace swmrd::daemon {

using FileState = proto::FileState; // docs/protocol.md, status' `file_state`

class FileSelector {
public:
    // `wakeup`: woken when a pattern's folder has new files. `started_ns`: when the watch
    // started (Unix ns; 0: now). `first_pause`: before the first retry of a failed file (then
    // doubling); shorter in tests.
    FileSelector(std::string file_or_pattern, bool is_pattern,
                 std::chrono::duration<double> still_written_within, WatchedFolders& folders,
                 WatchWakeup& wakeup, std::int64_t started_ns = 0,
                 std::chrono::milliseconds first_pause = std::chrono::seconds(1));
    ~FileSelector();
    FileSelector(const FileSelector&) = delete;
    FileSelector& operator=(const FileSelector&) = delete;

    // The file to run next, if one is there; nullopt: keep waiting.
    std::optional<Candidate> next();

    // What became of `candidate` (a `done` or `failed` file records its size and time now).
    void mark(const Candidate& candidate, FileState state);
    // What the watch knows became of the file at `path`: nullopt for a file it has not met
    // (or, of a pattern, history and files it is done with).
    std::optional<FileState> state_of(const std::string& path) const;
    // The file at `path` is not the one a run read any more (replaced, truncated and
    // written anew): whatever is there is met as a new file.
    void forget(const std::string& path);

    // Files looked at (statx) so far: by this watch, and for a pattern by its folder's
    // shared listing (which every watch of the folder shares): what a large folder costs.
    std::uint64_t files_examined() const;

private:
    struct Known {
        Candidate file;           // as last looked at
        std::uint64_t serial = 0; // of a pattern's file in the listing: which file it is
        std::optional<FileState> state;
        std::uint64_t size_then = 0; // at the last mark
        std::int64_t modified_then = 0;
        unsigned failures = 0; // in a row
        std::chrono::steady_clock::time_point retry_after{};
        bool renewed = false; // a new file took its name while it ran
    };
    static Known new_file(const Candidate& file, std::uint64_t serial);
    bool eligible(const Known& known) const;
    std::optional<Candidate> next_of_file();
    std::optional<Candidate> next_of_pattern();
    std::set<std::string> meet_new_files(); // returns the paths it met

    void record(Known& known, const Candidate& now, FileState state);

    std::string file_;
    bool is_pattern_;
    std::chrono::duration<double> still_written_within_;
    std::chrono::milliseconds first_pause_;
    WatchWakeup& wakeup_;
    std::shared_ptr<FolderListing> listing_; // a pattern's
    std::string name_pattern_;               // its names' part, empty for a glob listing
    std::uint64_t seen_serial_ = 0;          // the listing's files up to it are met
    std::int64_t started_ns_;                // files created since are new, not history
    bool first_look_done_ = false;
    std::map<std::string, Known> known_; // by path: the files met and not finished with
    std::uint64_t files_examined_ = 0;
};

} // namespace swmrd::daemon
