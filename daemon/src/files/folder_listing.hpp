#pragma once
// What is in a folder that pattern watches look in: one listing per folder, shared by every
// watch of it, so that a folder of a hundred thousand scans costs a few dozen bytes per
// file once, not a map per watch, and a new file is looked at (statx) once, not once per
// watch.
//
// Each file carries a serial, taken from a counter that grows each time a file is new at a
// name: created, replaced by another file, or truncated to be written anew. A watch keeps
// the serial it has seen up to and asks only for the files past it.
//
// The listing learns of changes from the folder's events (names looked at again one by
// one) and, where events may not come (another host writing on a network filesystem, a
// folder that appeared later), by reading the folder again when its own times changed.

#include "files/file_identity.hpp"
#include "files/filesystem_events.hpp"
#include "files/watch_wakeup.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swmrd::daemon {

struct ListedFile {
    Candidate file;
    std::uint64_t serial = 0;
};

class FolderListing {
public:
    // `folder`: the regular files in it, by name. With `is_glob`, `folder` is a glob pattern
    // with glob characters in its folders: the files it matches, by full path (no events).
    FolderListing(FilesystemEvents& events, std::string folder, bool is_glob);
    ~FolderListing();
    FolderListing(const FolderListing&) = delete;
    FolderListing& operator=(const FolderListing&) = delete;

    // Brings the listing up to date; returns its serial now.
    std::uint64_t update();
    // The files whose names match `name_pattern` (as glob matches a name; every file of a
    // glob listing) with a serial past `since`; `serial_now` receives the listing's serial.
    std::vector<ListedFile> since(std::uint64_t serial, const std::string& name_pattern,
                                  std::uint64_t* serial_now = nullptr) const;
    // The file at `path` (one of this listing's) looked at now, and recorded as it is; nullopt
    // when it is gone or not a regular file.
    std::optional<ListedFile> look_again(const std::string& path);

    // Woken (folder) when the folder's events come or an update finds new files.
    void add_listener(WatchWakeup& wakeup);
    void remove_listener(WatchWakeup& wakeup);

    // Whether events come for the folder (its inotify watch is in place).
    bool events_active() const noexcept { return subscription_.active(); }
    // Read without waiting for a listing in progress (a large folder on a slow filesystem).
    std::size_t files() const noexcept { return files_.load(); }
    // What the listing holds in memory: its entries and their names.
    std::size_t memory_bytes() const noexcept { return memory_bytes_.load(); }
    // Files looked at (statx) so far: what keeping the listing costs.
    std::uint64_t files_examined() const;

private:
    struct Entry {
        std::uint64_t inode;
        std::int64_t birth_ns;
        std::uint64_t size;
        std::int64_t modified_ns;
        std::uint64_t serial;
        std::uint32_t name_at; // in names_
        std::uint16_t name_size;
        std::uint16_t device; // index in devices_
    };
    std::string_view name_of(const Entry& entry) const;
    std::string path_of(std::string_view name) const;
    std::string_view name_in(const std::string& path) const;
    Candidate candidate_of(const Entry& entry) const;
    std::vector<Entry>::iterator find(std::string_view name);
    Entry make_entry(std::string_view name, const Candidate& file, std::string& names);
    // What the folder's events reported since the last update: names, or everything (the
    // kernel's queue overflowed, or too many names).
    struct Reported {
        std::set<std::string> names;
        bool everything = false;
    };
    Reported take_reported();
    // Looks at one name again (under the lock); true when a file is new there.
    bool look(std::string_view name);
    void relist(const Reported& reported);
    bool relist_due(const Reported& reported);
    std::vector<std::string> read_names() const;
    void wake_listeners(); // under events_mutex_
    void note_size();      // files_ and memory_bytes_ as they are now

    const std::string folder_;
    const bool is_glob_;
    mutable std::mutex mutex_; // the listing; held while the folder is read
    // What the events thread touches, apart, so that it never waits for a listing (which
    // may take seconds on a slow filesystem) and holds up every watch's events.
    std::mutex events_mutex_;
    Reported reported_;
    std::vector<WatchWakeup*> listeners_;
    std::vector<Entry> entries_; // by name
    std::string names_;          // the entries' names, one after the other
    std::size_t unused_name_bytes_ = 0;
    std::vector<std::uint64_t> devices_;
    std::uint64_t serial_ = 0;
    std::uint64_t files_examined_ = 0;
    bool listed_ = false;
    std::pair<std::int64_t, std::int64_t> stamp_{}; // the folder's mtime and ctime when listed
    std::chrono::steady_clock::time_point listed_at_{};
    std::int64_t listed_wall_ns_ = 0; // when it was listed, to compare with the folder's times
    std::atomic<std::size_t> files_{0};
    std::atomic<std::size_t> memory_bytes_{0};
    FilesystemEvents::Subscription subscription_; // last: ends before the rest goes
};

} // namespace swmrd::daemon
