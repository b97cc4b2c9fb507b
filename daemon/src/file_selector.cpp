#include "file_selector.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

namespace swmrd::daemon {

std::optional<FileIdentity> identify(const std::string& path) {
    struct statx info {};
    if (statx(AT_FDCWD, path.c_str(), 0, STATX_INO | STATX_BTIME | STATX_TYPE, &info) != 0)
        return std::nullopt;
    if (!S_ISREG(info.stx_mode))
        return std::nullopt;
    FileIdentity identity;
    identity.device = (std::uint64_t{info.stx_dev_major} << 32) | info.stx_dev_minor;
    identity.inode = info.stx_ino;
    if (info.stx_mask & STATX_BTIME)
        identity.birth_ns =
            std::int64_t{info.stx_btime.tv_sec} * 1000000000 + info.stx_btime.tv_nsec;
    return identity;
}

FileSelector::FileSelector(std::string file_or_pattern, bool is_pattern,
                           std::chrono::duration<double> still_written_within)
    : file_(std::move(file_or_pattern)), is_pattern_(is_pattern),
      still_written_within_(still_written_within) {}

std::optional<Candidate> FileSelector::next() {
    if (is_pattern_)
        return next_of_pattern();
    auto identity = identify(file_);
    if (!identity || done_.contains(*identity))
        return std::nullopt;
    return Candidate{file_, *identity};
}

void FileSelector::done(const Candidate& candidate) {
    done_.insert(candidate.identity);
}

namespace {

struct Match {
    std::string path;
    FileIdentity identity;
    std::filesystem::file_time_type modified;
};

std::vector<Match> matches_of(const std::string& pattern) {
    std::vector<Match> matches;
    glob_t found{};
    if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
        for (std::size_t i = 0; i < found.gl_pathc; ++i) {
            std::string path = found.gl_pathv[i];
            auto identity = identify(path);
            std::error_code ec;
            auto modified = std::filesystem::last_write_time(path, ec);
            if (identity && !ec)
                matches.push_back({path, *identity, modified});
        }
    }
    globfree(&found);
    std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
        return std::tie(a.modified, a.path) < std::tie(b.modified, b.path);
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
            done_.insert(matches[i].identity);
        if (!matches.empty()) {
            const auto& newest = matches.back();
            const auto age = std::filesystem::file_time_type::clock::now() - newest.modified;
            if (age > still_written_within_)
                done_.insert(newest.identity);
        }
    }
    for (const auto& match : matches)
        if (!done_.contains(match.identity))
            return Candidate{match.path, match.identity};
    return std::nullopt;
}

} // namespace swmrd::daemon
