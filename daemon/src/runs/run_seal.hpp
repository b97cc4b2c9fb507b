#pragma once
// What a run records of its file when it ends, so that a later read can tell the same file
// from one written anew in place (docs/protocol.md, the fetch channel: a run's file is the
// one it read while it stays the same file). h5py's 'w' mode and most writers truncate and
// rewrite a file without changing its inode, so identity alone cannot tell; a file that got
// shorter, whose keys up to the run's last frame differ, or whose datasets changed type or
// shape, is another file.

#include "reader/remote_frame_source.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace swmrd::daemon {

struct RunSeal {
    std::uint64_t frames = 0;     // keys [0, frames) were digested: every index the run used
    std::uint64_t keys = 0;       // their digest
    std::uint64_t layout = 0;     // the datasets' paths, types, frame shapes and filters
    std::uint64_t size = 0;       // the file's size then: it never gets shorter
    std::int64_t modified_ns = 0; // and its modification time: unchanged, nothing to check
};

// A file opened again is not the one its run read.
struct RunFileChanged : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Seals the file `source` reads at `path`, `frames` indices into it.
RunSeal seal_of(reader::RemoteFrameSource& source, const std::string& path, std::uint64_t frames);

// Why the file `source` has open (opened again at `path`) is not the one sealed for `run`
// (its datasets or keys differ), or nullopt when it is.
std::optional<std::string> broken_seal(const RunSeal& seal, reader::RemoteFrameSource& source,
                                       const std::string& path, const std::string& run);

// Whether the file at `path` looks exactly as when it was sealed (size and modification time):
// then it needs no read to be trusted.
bool looks_sealed(const RunSeal& seal, const std::string& path);

} // namespace swmrd::daemon
