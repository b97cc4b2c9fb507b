#include "file_selector.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <unordered_set>

namespace swmrd::daemon {

std::optional<Candidate> identify(const std::string& path) {
    struct statx info {};
    if (statx(AT_FDCWD, path.c_str(), 0,
              STATX_INO | STATX_BTIME | STATX_TYPE | STATX_SIZE | STATX_MTIME, &info) != 0)
        return std::nullopt;
    if (!S_ISREG(info.stx_mode))
        return std::nullopt;
    Candidate candidate;
    candidate.path = path;
    candidate.size = info.stx_size;
    candidate.modified_ns =
        std::int64_t{info.stx_mtime.tv_sec} * 1000000000 + info.stx_mtime.tv_nsec;
    auto& identity = candidate.identity;
    identity.device = (std::uint64_t{info.stx_dev_major} << 32) | info.stx_dev_minor;
    identity.inode = info.stx_ino;
    if (info.stx_mask & STATX_BTIME)
        identity.birth_ns =
            std::int64_t{info.stx_btime.tv_sec} * 1000000000 + info.stx_btime.tv_nsec;
    return candidate;
}

const char* to_string(FileState state) noexcept {
    switch (state) {
    case FileState::opening:
        return "opening";
    case FileState::running:
        return "running";
    case FileState::done:
        return "done";
    case FileState::failed:
        return "failed";
    }
    return "unknown";
}

// Failed runs of a file that has not changed since, after which it waits for a change.
constexpr unsigned retries_unchanged = 3;

FileSelector::FileSelector(std::string file_or_pattern, bool is_pattern,
                           std::chrono::duration<double> still_written_within,
                           std::chrono::milliseconds first_pause)
    : file_(std::move(file_or_pattern)), is_pattern_(is_pattern),
      still_written_within_(still_written_within), first_pause_(first_pause) {
    // The folder the pattern's files are in, when no folder of it has glob characters.
    const auto slash = file_.rfind('/');
    if (is_pattern_ && slash != std::string::npos && slash > 0 &&
        file_.find_first_of("*?[") > slash)
        folder_ = file_.substr(0, slash);
}

std::optional<Candidate> FileSelector::examine(const std::string& path) {
    ++files_examined_;
    auto now = identify(path);
    if (!now) {
        known_.erase(path);
        retrying_.erase(path);
        return std::nullopt;
    }
    auto& known = known_[path];
    if (known.state && known.file.identity != now->identity)
        known = {}; // replaced: another file at the same path
    known.file = *now;
    return now;
}

bool FileSelector::eligible(const Known& known) const {
    if (!known.state)
        return true;
    switch (*known.state) {
    case FileState::opening:
        return true;
    case FileState::running:
        return false;
    case FileState::done:
        // Truncated and written anew in place (h5py "w", H5F_ACC_TRUNC): a new file.
        return known.file.size < known.size_then;
    case FileState::failed:
        return std::chrono::steady_clock::now() >= known.retry_after &&
               (known.failures <= retries_unchanged || known.file.size != known.size_then ||
                known.file.modified_ns != known.modified_then);
    }
    return false;
}

void FileSelector::mark(const Candidate& candidate, FileState state) {
    auto now = identify(candidate.path);
    auto& known = known_[candidate.path];
    // The size now, not when it was picked: a run reads a file that grows.
    known.file = now && now->identity == candidate.identity ? *now : candidate;
    known.state = state;
    nothing_eligible_ = false;
    if (state == FileState::failed || state == FileState::opening)
        retrying_.insert(candidate.path);
    else
        retrying_.erase(candidate.path);
    known.size_then = known.file.size;
    known.modified_then = known.file.modified_ns;
    if (state == FileState::failed) {
        const auto pause = first_pause_ * (1L << std::min(known.failures, 6u));
        known.retry_after = std::chrono::steady_clock::now() + pause;
        ++known.failures;
    } else if (state == FileState::done) {
        known.failures = 0;
    }
}

void FileSelector::forget(const std::string& path) {
    known_.erase(path);
    retrying_.erase(path);
    nothing_eligible_ = false;
    relist_ = true; // a pattern lists its folder again and meets it there
}

std::optional<FileState> FileSelector::state_of(const std::string& path) const {
    const auto found = known_.find(path);
    return found == known_.end() ? std::nullopt : found->second.state;
}

void FileSelector::changed(const std::vector<std::string>& names) {
    for (const auto& name : names) {
        if (name.empty())
            everything_changed_ = true;
        else
            changed_.insert(name);
    }
}

std::optional<Candidate> FileSelector::next() {
    if (is_pattern_)
        return next_of_pattern();
    if (!examine(file_))
        return std::nullopt;
    const auto& known = known_.at(file_);
    return eligible(known) ? std::optional(known.file) : std::nullopt;
}

namespace {

std::vector<std::string> names_matching(const std::string& pattern) {
    std::vector<std::string> names;
    glob_t found{};
    if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0)
        names.assign(found.gl_pathv, found.gl_pathv + found.gl_pathc);
    globfree(&found);
    return names;
}


} // namespace

// The folder's listing is read again only when the folder itself changed (a name added or
// removed changes its modification and status times), or when events or a pattern with
// globs in its folders leave no choice. Timestamps within a few seconds of now are not
// trusted: a filesystem that keeps whole seconds could hide a second change.
bool FileSelector::listing_may_have_changed() {
    if (folder_.empty() || !first_scan_done_ || everything_changed_ || relist_)
        return true;
    struct statx info {};
    if (statx(AT_FDCWD, folder_.c_str(), 0, STATX_MTIME | STATX_CTIME, &info) != 0)
        return true;
    const auto ns = [](const statx_timestamp& t) {
        return std::int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
    };
    const std::pair<std::int64_t, std::int64_t> stamp{ns(info.stx_mtime), ns(info.stx_ctime)};
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const bool recent = now_ns - std::max(stamp.first, stamp.second) < 3'000'000'000;
    const bool changed = stamp != folder_stamp_ || recent;
    folder_stamp_ = stamp;
    return changed;
}

void FileSelector::list_folder() {
    const auto names = names_matching(file_);
    std::unordered_set<std::string> present(names.begin(), names.end());
    for (auto it = known_.begin(); it != known_.end();) {
        if (present.count(it->first))
            ++it;
        else {
            retrying_.erase(it->first);
            it = known_.erase(it);
        }
    }
    for (const auto& path : names)
        if (!known_.count(path))
            examine(path);
}

std::optional<Candidate> FileSelector::next_of_pattern() {
    // A name the folder's events mention that is not known yet means a new listing too.
    for (const auto& name : changed_)
        if (!folder_.empty() && !known_.count(folder_ + "/" + name))
            everything_changed_ = true;
    const bool relist = listing_may_have_changed();
    relist_ = false;
    // Nothing was eligible last time and nothing changed since: nothing is now.
    if (!relist && changed_.empty() && retrying_.empty() && nothing_eligible_)
        return std::nullopt;
    if (relist)
        list_folder();
    // Of the names already met, only those the events mention, and files that may be
    // retried, are looked at again: the rest of a large folder costs nothing.
    std::vector<std::string> again(retrying_.begin(), retrying_.end());
    if (everything_changed_) {
        for (const auto& [path, known] : known_)
            again.push_back(path);
    } else {
        for (const auto& name : changed_)
            if (!folder_.empty())
                again.push_back(folder_ + "/" + name);
    }
    for (const auto& path : again)
        if (known_.count(path))
            examine(path);
    everything_changed_ = false;
    changed_.clear();

    if (!first_scan_done_) {
        first_scan_done_ = true;
        // Everything already there is history, except a newest match still being written.
        const Known* newest = nullptr;
        for (const auto& [path, known] : known_)
            if (!newest || std::tie(known.file.modified_ns, known.file.path) >
                               std::tie(newest->file.modified_ns, newest->file.path))
                newest = &known;
        const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        const auto recent_ns = static_cast<std::int64_t>(still_written_within_.count() * 1e9);
        for (auto& [path, known] : known_)
            if (&known != newest || now_ns - known.file.modified_ns > recent_ns)
                mark(known.file, FileState::done);
    }

    const Known* oldest = nullptr;
    for (const auto& [path, known] : known_)
        if (eligible(known) && (!oldest || std::tie(known.file.modified_ns, known.file.path) <
                                               std::tie(oldest->file.modified_ns, oldest->file.path)))
            oldest = &known;
    nothing_eligible_ = oldest == nullptr;
    return oldest ? std::optional(oldest->file) : std::nullopt;
}

} // namespace swmrd::daemon
