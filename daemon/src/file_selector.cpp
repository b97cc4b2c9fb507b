#include "file_selector.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

namespace swmrd::daemon {

std::optional<Candidate> identify(const std::string& path) {
    struct statx info {};
    if (statx(AT_FDCWD, path.c_str(), 0, STATX_INO | STATX_BTIME | STATX_TYPE | STATX_SIZE,
              &info) != 0)
        return std::nullopt;
    if (!S_ISREG(info.stx_mode))
        return std::nullopt;
    Candidate candidate;
    candidate.path = path;
    candidate.size = info.stx_size;
    auto& identity = candidate.identity;
    identity.device = (std::uint64_t{info.stx_dev_major} << 32) | info.stx_dev_minor;
    identity.inode = info.stx_ino;
    if (info.stx_mask & STATX_BTIME)
        identity.birth_ns =
            std::int64_t{info.stx_btime.tv_sec} * 1000000000 + info.stx_btime.tv_nsec;
    return candidate;
}

FileSelector::FileSelector(std::string file_or_pattern, bool is_pattern,
                           std::chrono::duration<double> still_written_within)
    : file_(std::move(file_or_pattern)), is_pattern_(is_pattern),
      still_written_within_(still_written_within) {}

std::optional<Candidate> FileSelector::next() {
    if (is_pattern_)
        return next_of_pattern();
    auto candidate = identify(file_);
    if (!candidate || is_done(*candidate))
        return std::nullopt;
    return candidate;
}

bool FileSelector::is_done(const Candidate& candidate) const {
    const auto found = done_.find(candidate.identity);
    // Truncated and written anew in place (h5py "w", H5F_ACC_TRUNC): a new file.
    return found != done_.end() && candidate.size >= found->second;
}

void FileSelector::done(const Candidate& candidate) {
    // The size now, not when it was picked: a run reads a file that grows.
    const auto now = identify(candidate.path);
    done_[candidate.identity] =
        now && now->identity == candidate.identity ? now->size : candidate.size;
}

namespace {

struct Match {
    Candidate candidate;
    std::filesystem::file_time_type modified;
};

std::vector<Match> matches_of(const std::string& pattern) {
    std::vector<Match> matches;
    glob_t found{};
    if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
        for (std::size_t i = 0; i < found.gl_pathc; ++i) {
            std::string path = found.gl_pathv[i];
            auto candidate = identify(path);
            std::error_code ec;
            auto modified = std::filesystem::last_write_time(path, ec);
            if (candidate && !ec)
                matches.push_back({*candidate, modified});
        }
    }
    globfree(&found);
    std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
        return std::tie(a.modified, a.candidate.path) < std::tie(b.modified, b.candidate.path);
    });
    return matches;
}

} // namespace

std::optional<Candidate> FileSelector::next_of_pattern() {
    auto matches = matches_of(file_);
    if (!first_scan_done_) {
        first_scan_done_ = true;
        // Everything already there is history, except a newest match still being written.
        for (std::size_t i = 0; i + 1 < matches.size(); ++i)
            done(matches[i].candidate);
        if (!matches.empty()) {
            const auto& newest = matches.back();
            const auto age = std::filesystem::file_time_type::clock::now() - newest.modified;
            if (age > still_written_within_)
                done(newest.candidate);
        }
    }
    for (const auto& match : matches)
        if (!is_done(match.candidate))
            return match.candidate;
    return std::nullopt;
}

} // namespace swmrd::daemon
