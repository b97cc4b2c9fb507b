#include "files/file_identity.hpp"

#include <chrono>

#include <fcntl.h>
#include <sys/stat.h>

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

std::optional<std::string> changed_since(const std::string& path, const FileIdentity& identity,
                                         std::uint64_t size_then, const std::string& when,
                                         std::uint64_t* size_now) {
    const auto now = identify(path);
    if (!now)
        return path + " was deleted " + when;
    if (now->identity != identity)
        return path + " was replaced by another file " + when;
    if (now->size < size_then)
        return path + " was truncated (from " + std::to_string(size_then) + " to " +
               std::to_string(now->size) + " bytes) " + when;
    if (size_now)
        *size_now = now->size;
    return std::nullopt;
}

} // namespace swmrd::daemon
