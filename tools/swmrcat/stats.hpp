#pragma once
// swmrcat --stats: frames, rates and gaps, as lines for stderr.

#include "swmrcat/seq_tracker.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace swmrd::cat {

class Stats {
public:
    using Clock = std::chrono::steady_clock;

    explicit Stats(Clock::time_point start);

    void count_frame(std::uint64_t payload_bytes);
    std::uint64_t frames() const noexcept { return frames_; }

    // Frames and rates since the previous interval line (or the start), then starts a new
    // interval: "200 frames in 5.0 s, 40.0 frames/s, 1.31 MB/s; 1200 frames since the start".
    std::string interval_line(Clock::time_point now);
    // Totals since the start and every run with gaps, one line each:
    // "120 frames in 3.0 s, 40.0 frames/s, 1.23 MB/s, no gaps in seq".
    std::string final_lines(Clock::time_point now, const SeqTracker& tracker) const;

private:
    Clock::time_point start_;
    Clock::time_point interval_start_;
    std::uint64_t frames_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t interval_frames_ = 0;
    std::uint64_t interval_bytes_ = 0;
};

} // namespace swmrd::cat
