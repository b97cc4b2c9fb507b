#pragma once
// A run's file opened again for the fetch channel: its frames read through the same frame
// source and built by the same FrameMessages as the live stream, so a fetched frame's header
// is the live one's (plus `fetched: true`) by construction.

#include "frame_messages.hpp"
#include "run_registry.hpp"

#include <swmrd/core/frame_source.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace swmrd::daemon {

class FetchReader {
public:
    // Opens the run's file as the run read it (confined to its allowed roots for a control
    // watch). Throws core::H5Error or std::runtime_error saying why it cannot.
    explicit FetchReader(const RunRecord& record);

    const std::string& run() const noexcept { return run_; }

    // When a fetch last read through it: an idle reader is closed, so that a file deleted
    // since is not held open (its disk space not given back) while the daemon runs.
    std::chrono::steady_clock::time_point last_used() const noexcept { return last_used_; }
    void touch() { last_used_ = std::chrono::steady_clock::now(); }

    // The first index not readable yet: the keys' leading run, and what the data holds.
    std::uint64_t frontier();

    // How many of the frames from `first` (at most `count`) fit in `max_payload` bytes of
    // payload, at least one when `at_least_one`. `budget_bytes` gets what reading them takes
    // from the budget.
    std::uint64_t frames_within(std::uint64_t first, std::uint64_t count,
                                std::uint64_t max_payload, bool at_least_one,
                                std::uint64_t& budget_bytes);

    // Builds the messages of frames [first, first + count); `reservation` holds the bytes
    // frames_within() reported for them.
    void build(std::uint64_t first, std::uint64_t count, Reservation& reservation,
               InflightBudget& budget, std::vector<OutgoingMessage>& out);

private:
    std::string run_;
    config::WatchSpec spec_;
    std::uint64_t first_index_;
    std::unique_ptr<core::SwmrFile> file_;
    std::unique_ptr<core::FrameSource> source_;
    std::unique_ptr<FrameMessages> messages_;
    std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
};

} // namespace swmrd::daemon
