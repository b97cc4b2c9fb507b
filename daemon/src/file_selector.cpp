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

FileSelector::FileSelector(std::string file_or_pattern, bool is_pattern,
                           std::chrono::duration<double> still_written_within)
    : file_(std::move(file_or_pattern)), is_pattern_(is_pattern),
      still_written_within_(still_written_within) {}

std::optional<Candidate> FileSelector::examine(const std::string& path) {
    ++files_examined_;
    auto now = identify(path);
    if (!now) {
        known_.erase(path);
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
               (known.file.size != known.size_then ||
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
    known.size_then = known.file.size;
    known.modified_then = known.file.modified_ns;
    if (state == FileState::failed) {
        const auto pause = std::chrono::seconds(1L << std::min(known.failures, 6u));
        known.retry_after = std::chrono::steady_clock::now() + pause;
        ++known.failures;
    } else if (state == FileState::done) {
        known.failures = 0;
    }
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

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

std::optional<Candidate> FileSelector::next_of_pattern() {
    const auto names = names_matching(file_);
    std::unordered_set<std::string> present(names.begin(), names.end());
    for (auto it = known_.begin(); it != known_.end();)
        it = present.count(it->first) ? std::next(it) : known_.erase(it);

    // Only names not met before, names the folder's events mention, and files that may be
    // retried are looked at; the rest of a large folder costs a name comparison.
    for (const auto& path : names) {
        const auto found = known_.find(path);
        const bool look = found == known_.end() || everything_changed_ ||
                          changed_.count(base_name(path)) ||
                          (found->second.state && (*found->second.state == FileState::failed ||
                                                   *found->second.state == FileState::opening));
        if (look)
            examine(path);
    }
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
    return oldest ? std::optional(oldest->file) : std::nullopt;
}

} // namespace swmrd::daemon
