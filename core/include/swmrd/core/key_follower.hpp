#pragma once
// Follows the key datasets of a SWMR file: how many frames are readable, and when the run
// is over. swmr_tools' KeyFollower, split into a non-blocking poll (the daemon multiplexes
// many files with it) and a blocking wait on top (for library users).

#include "swmrd/core/scan.hpp"
#include "swmrd/core/swmr_file.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::core {

using Seconds = std::chrono::duration<double>;

enum class EndReason {
    finished, // the finished dataset turned non-zero, and the keys were polled once more a
              // grace of timeout/20 later
    complete, // every point of a fixed scan shape is readable
    timeout,  // no new frame for `timeout`
};
const char* to_string(EndReason reason) noexcept;

struct KeyFollowerOptions {
    std::vector<std::string> keys;       // key dataset paths, at least one
    std::optional<std::string> finished; // scalar dataset, non-zero once the file is complete
    Seconds timeout{10.0};
};

struct KeyPoll {
    // Frames [0, readable) are readable: the leading run of the element-wise product of the
    // flattened keys, as values (NaN is written, -0.0 is not). Never decreases from one poll
    // to the next.
    std::uint64_t readable = 0;
    // Set once the run is over; `readable` is then final. Stays set on later polls.
    std::optional<EndReason> end;
};

class KeyFollower {
public:
    // Validates the keys (they exist, are numeric: integer, float or enum such as h5py's bool,
    // and share one scan rank) and the finished dataset (exists, is numeric); throws H5Error
    // naming the offending path.
    KeyFollower(const SwmrFile& file, KeyFollowerOptions options);
    KeyFollower(KeyFollower&&) noexcept;
    KeyFollower& operator=(KeyFollower&&) noexcept;
    ~KeyFollower();

    const ScanShape& scan_shape() const noexcept;
    const KeyFollowerOptions& options() const noexcept;
    // Set once something is ignored rather than failing the run, as swmr_tools does: a
    // finished dataset that does not hold exactly one value.
    const std::optional<std::string>& warning() const noexcept;

    // Refreshes the keys and the finished dataset once and returns at once. Reads only the
    // part of the keys past what is already known to be readable. `now` drives the timeout.
    KeyPoll poll(Clock::time_point now = Clock::now());

    // The consumer has taken every readable frame and starts waiting again: the timeout
    // counts from `now`, as swmr_tools restarts its timer each time its iterator waits.
    // Without it, a consumer busy for longer than the timeout (a slow subscriber holding
    // the daemon back) would see a live run end the moment it caught up.
    void restart_timeout(Clock::time_point now = Clock::now());

    // Polls every `interval` until more than `known` frames are readable or the run ends.
    // When `known` are all the readable frames, the timeout restarts first.
    KeyPoll wait_for_more(std::uint64_t known, Seconds interval = std::chrono::milliseconds(10));

    // A digest of every key's values at flat indices [0, count), as read now (a key shorter
    // than that counts as zeros past its end): two reads of the same keys give the same
    // digest, a file whose keys were written anew almost surely another.
    std::uint64_t digest(std::uint64_t count);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace swmrd::core
