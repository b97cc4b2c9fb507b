#include "files/folder_listing.hpp"
#include "base/wall_clock.hpp"

#include <algorithm>
#include <tuple>

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

namespace swmrd::daemon {

namespace {

using namespace std::chrono_literals;

// Reading a large folder again costs tens of milliseconds per hundred thousand files: where
// its events come, they name every change and a new reading only makes sure (a writer on
// another host of a network filesystem sends none), at most this often...
constexpr auto relist_gap_with_events = 2s;
// ...and where they do not, as often as watches look, but no more often than this.
constexpr auto relist_gap_without_events = 100ms;
// Folder times within this of the last reading are not trusted to show a later change: a
// filesystem that keeps whole seconds shows none within the same second.
constexpr std::int64_t coarse_time_ns = 3'000'000'000;
// More names reported than this before anyone looked: the folder is read again instead.
constexpr std::size_t max_changed_names = 10000;

std::int64_t ns_of(const statx_timestamp& time) {
    return std::int64_t{time.tv_sec} * 1000000000 + time.tv_nsec;
}

std::optional<std::pair<std::int64_t, std::int64_t>> folder_stamp(const std::string& folder) {
    struct statx info {};
    if (statx(AT_FDCWD, folder.c_str(), 0, STATX_MTIME | STATX_CTIME, &info) != 0)
        return std::nullopt;
    return std::pair{ns_of(info.stx_mtime), ns_of(info.stx_ctime)};
}

} // namespace

FolderListing::FolderListing(FilesystemEvents& events, std::string folder, bool is_glob)
    : folder_(std::move(folder)), is_glob_(is_glob) {
    if (is_glob_)
        return;
    subscription_ = events.subscribe(
        folder_, FilesystemEvents::Kind::folder, [this](const std::vector<std::string>& names) {
            std::lock_guard lock(events_mutex_);
            for (const auto& name : names) {
                if (name.empty() || reported_.names.size() >= max_changed_names) {
                    reported_.everything = true;
                    reported_.names.clear();
                    break;
                }
                reported_.names.insert(name);
            }
            wake_listeners();
        });
}

FolderListing::~FolderListing() {
    subscription_ = {};
}

std::string_view FolderListing::name_of(const Entry& entry) const {
    return std::string_view(names_).substr(entry.name_at, entry.name_size);
}

std::string FolderListing::path_of(std::string_view name) const {
    if (is_glob_)
        return std::string(name);
    std::string path = folder_ == "/" ? "" : folder_;
    path += '/';
    path += name;
    return path;
}

std::string_view FolderListing::name_in(const std::string& path) const {
    if (is_glob_)
        return path;
    const auto skip = folder_ == "/" ? 1 : folder_.size() + 1;
    return std::string_view(path).substr(std::min(skip, path.size()));
}

Candidate FolderListing::candidate_of(const Entry& entry) const {
    Candidate file;
    file.path = path_of(name_of(entry));
    file.identity = {devices_.at(entry.device), entry.inode, entry.birth_ns};
    file.size = entry.size;
    file.modified_ns = entry.modified_ns;
    return file;
}

std::vector<FolderListing::Entry>::iterator FolderListing::find(std::string_view name) {
    const auto at = std::lower_bound(
        entries_.begin(), entries_.end(), name,
        [this](const Entry& entry, std::string_view key) { return name_of(entry) < key; });
    return at != entries_.end() && name_of(*at) == name ? at : entries_.end();
}

FolderListing::Entry FolderListing::make_entry(std::string_view name, const Candidate& file,
                                               std::string& names) {
    auto device = std::find(devices_.begin(), devices_.end(), file.identity.device);
    if (device == devices_.end())
        device = devices_.insert(devices_.end(), file.identity.device);
    Entry entry{file.identity.inode,
                file.identity.birth_ns,
                file.size,
                file.modified_ns,
                0,
                static_cast<std::uint32_t>(names.size()),
                static_cast<std::uint16_t>(name.size()),
                static_cast<std::uint16_t>(device - devices_.begin())};
    names.append(name);
    return entry;
}

namespace {

// Another file at the name than the one listed: replaced, or truncated to be written anew.
bool new_at_name(const Candidate& listed, const Candidate& now) {
    return listed.identity != now.identity || now.size < listed.size;
}

} // namespace

bool FolderListing::look(std::string_view name) {
    const auto path = path_of(name);
    ++files_examined_;
    const auto now = identify(path);
    auto at = find(name);
    if (!now) {
        if (at != entries_.end()) {
            unused_name_bytes_ += at->name_size;
            entries_.erase(at);
        }
        return false;
    }
    if (at == entries_.end()) {
        auto entry = make_entry(name, *now, names_);
        entry.serial = ++serial_;
        const auto place = std::lower_bound(
            entries_.begin(), entries_.end(), name,
            [this](const Entry& listed, std::string_view key) { return name_of(listed) < key; });
        entries_.insert(place, entry);
        return true;
    }
    const bool renewed = new_at_name(candidate_of(*at), *now);
    const auto serial_of_kept = at->serial;
    const auto kept_name = std::pair{at->name_at, at->name_size};
    *at = make_entry({}, *now, names_); // the name stays where it is
    std::tie(at->name_at, at->name_size) = kept_name;
    at->serial = renewed ? ++serial_ : serial_of_kept;
    return renewed;
}

std::vector<std::string> FolderListing::read_names() const {
    std::vector<std::string> names;
    if (is_glob_) {
        glob_t found{};
        if (glob(folder_.c_str(), GLOB_NOSORT, nullptr, &found) == 0)
            names.assign(found.gl_pathv, found.gl_pathv + found.gl_pathc);
        globfree(&found);
        return names;
    }
    DIR* folder = opendir(folder_.c_str());
    if (folder == nullptr)
        return names;
    while (const dirent* entry = readdir(folder)) {
        if (entry->d_type == DT_DIR)
            continue; // never a match; links and unknown types are looked at
        names.emplace_back(entry->d_name);
    }
    closedir(folder);
    return names;
}

FolderListing::Reported FolderListing::take_reported() {
    std::lock_guard lock(events_mutex_);
    return std::exchange(reported_, {});
}

bool FolderListing::relist_due(const Reported& reported) {
    if (!listed_ || reported.everything)
        return true;
    const auto since_listed = std::chrono::steady_clock::now() - listed_at_;
    if (is_glob_)
        return since_listed >= relist_gap_without_events;
    const auto stamp = folder_stamp(folder_);
    const bool changed = !stamp || *stamp != stamp_ ||
                         listed_wall_ns_ - std::max(stamp_.first, stamp_.second) < coarse_time_ns;
    return changed &&
           since_listed >= (events_active() ? relist_gap_with_events : relist_gap_without_events);
}

// Read again as a whole: names gone are dropped, new names looked at, and the names events
// reported (all of them after an overflow) looked at again; the rest is kept as it was.
void FolderListing::relist(const Reported& reported) {
    if (!is_glob_)
        stamp_ = folder_stamp(folder_).value_or(std::pair<std::int64_t, std::int64_t>{});
    listed_wall_ns_ = unix_time_now_ns();
    listed_at_ = std::chrono::steady_clock::now();
    auto names = read_names();
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());

    std::vector<Entry> entries;
    entries.reserve(names.size());
    std::string entry_names;
    std::size_t name_bytes = 0;
    for (const auto& name : names)
        name_bytes += name.size();
    entry_names.reserve(name_bytes);
    auto old = entries_.begin();
    for (const auto& name : names) {
        while (old != entries_.end() && name_of(*old) < name)
            ++old;
        const bool listed = old != entries_.end() && name_of(*old) == name;
        if (listed && !reported.everything && !reported.names.count(name)) {
            auto kept = *old;
            kept.name_at = static_cast<std::uint32_t>(entry_names.size());
            entry_names.append(name);
            entries.push_back(kept);
            continue;
        }
        ++files_examined_;
        const auto now = identify(path_of(name));
        if (!now)
            continue;
        auto entry = make_entry(name, *now, entry_names);
        entry.serial = listed && !new_at_name(candidate_of(*old), *now) ? old->serial : ++serial_;
        entries.push_back(entry);
    }
    entries_ = std::move(entries);
    names_ = std::move(entry_names);
    unused_name_bytes_ = 0;
    listed_ = true;
}

std::uint64_t FolderListing::update() {
    std::lock_guard lock(mutex_);
    const auto before = serial_;
    const auto reported = take_reported();
    if (relist_due(reported)) {
        relist(reported);
    } else {
        for (const auto& name : reported.names)
            look(name);
        if (unused_name_bytes_ > names_.size() / 2 && unused_name_bytes_ > (64u << 10)) {
            std::string compact;
            for (auto& entry : entries_) {
                const auto name = name_of(entry);
                entry.name_at = static_cast<std::uint32_t>(compact.size());
                compact.append(name);
            }
            names_ = std::move(compact);
            unused_name_bytes_ = 0;
        }
    }
    note_size();
    if (serial_ != before) {
        std::lock_guard events_lock(events_mutex_);
        wake_listeners(); // other watches of the folder: new files
    }
    return serial_;
}

std::vector<ListedFile> FolderListing::since(std::uint64_t serial, const std::string& name_pattern,
                                             std::uint64_t* serial_now) const {
    std::lock_guard lock(mutex_);
    if (serial_now != nullptr)
        *serial_now = serial_;
    std::vector<ListedFile> files;
    if (serial >= serial_)
        return files;
    for (const auto& entry : entries_) {
        if (entry.serial <= serial)
            continue;
        if (!name_pattern.empty() &&
            fnmatch(name_pattern.c_str(), std::string(name_of(entry)).c_str(), FNM_PERIOD) != 0)
            continue;
        files.push_back({candidate_of(entry), entry.serial});
    }
    return files;
}

std::optional<ListedFile> FolderListing::look_again(const std::string& path) {
    std::lock_guard lock(mutex_);
    const auto name = std::string(name_in(path));
    if (look(name)) {
        std::lock_guard events_lock(events_mutex_);
        wake_listeners();
    }
    note_size();
    const auto at = find(name);
    if (at == entries_.end())
        return std::nullopt;
    return ListedFile{candidate_of(*at), at->serial};
}

void FolderListing::add_listener(WatchWakeup& wakeup) {
    std::lock_guard lock(events_mutex_);
    listeners_.push_back(&wakeup);
}

void FolderListing::remove_listener(WatchWakeup& wakeup) {
    std::lock_guard lock(events_mutex_);
    std::erase(listeners_, &wakeup);
}

void FolderListing::wake_listeners() {
    for (auto* listener : listeners_)
        listener->post(WatchWakeup::folder);
}

void FolderListing::note_size() {
    files_ = entries_.size();
    memory_bytes_ = entries_.capacity() * sizeof(Entry) + names_.capacity();
}

std::uint64_t FolderListing::files_examined() const {
    std::lock_guard lock(mutex_);
    return files_examined_;
}

} // namespace swmrd::daemon
