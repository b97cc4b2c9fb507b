#pragma once
// A reader process (swmrd-reader) and the daemon's end of its socketpair: every HDF5 call of
// a watch, a fetch or the live view's `latest` runs in one of these, confined to what it may
// read (Landlock), with its own HDF5 (so watches decode in parallel), and killed when it does
// not answer in time. A crash or a kill ends the run that used it and nothing else.

#include "base/unique_fd.hpp"
#include "reader/reader_wire.hpp"
#include "reader/shared_arena.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

namespace swmrd::reader {

// What went wrong in or with a reader process, in words that name the file. The reply's own
// message when HDF5 failed; otherwise what became of the process.
struct ReaderError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ReaderSettings {
    // Which other files HDF5 may read for the file; `roots` for LinkPolicy::roots and for
    // Landlock's ruleset.
    LinkPolicy links = LinkPolicy::any;
    std::vector<std::string> roots;
    bool landlock = false;
    // Shared memory for frames: address space, touched only as frames need it.
    std::size_t arena_size = 64u << 20;
    // A request not answered within this is taken for a hang: the process is killed.
    std::chrono::milliseconds answer_within{10000};
};

// Confinement for a watch or fetch: config watches (no roots) may follow anything, control
// watches what lies in their roots, and nothing but their own file where Landlock is not.
ReaderSettings confined_settings(const std::optional<std::vector<std::string>>& allowed_roots,
                                 std::size_t arena_size, std::chrono::milliseconds answer_within);

class ReaderProcess {
public:
    // Starts the process; it sets itself up while the caller goes on. Throws ReaderError.
    explicit ReaderProcess(ReaderSettings settings);
    ~ReaderProcess(); // kills the process if it still runs
    ReaderProcess(const ReaderProcess&) = delete;
    ReaderProcess& operator=(const ReaderProcess&) = delete;

    const ReaderSettings& settings() const noexcept { return settings_; }
    // False once the process died, was killed, or answered nonsense: calls only throw then.
    bool usable() const noexcept { return !dead_; }
    const std::shared_ptr<SharedArena>& arena() const noexcept { return arena_; }

    // A descriptor that, once readable, makes a call give up at once (a watch's stop).
    void set_wake_fd(int fd) noexcept { wake_fd_ = fd; }

    // Sends one request and returns the reply's body (after its status). Throws ReaderError
    // with the reader's message on a failed request; kills the process and throws when it
    // does not answer within answer_within, when the wake descriptor turns readable, when it
    // died, or when its reply does not decode.
    std::string call(const Writer& request);

    // One attempt to open `path` for SWMR reading: the file the process opened (its real
    // path), or nullopt with `why` for a transient failure (not yet in SWMR mode…).
    std::optional<std::string> try_open(const std::string& path, std::string* why,
                                        bool apart = false);

private:
    std::string receive(std::chrono::steady_clock::time_point deadline);
    [[noreturn]] void fail(const std::string& why);
    std::string fate();

    ReaderSettings settings_;
    std::shared_ptr<SharedArena> arena_;
    pid_t pid_ = -1;
    daemon::UniqueFd socket_;
    int wake_fd_ = -1;
    bool greeted_ = false;
    std::optional<std::string> dead_; // why it can answer no more
};

} // namespace swmrd::reader
