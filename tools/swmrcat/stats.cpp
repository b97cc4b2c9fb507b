#include "swmrcat/stats.hpp"

#include <cstdio>

namespace swmrd::cat {

namespace {

std::string rates(std::uint64_t frames, std::uint64_t bytes, double seconds) {
    const double frame_rate = seconds > 0 ? static_cast<double>(frames) / seconds : 0.0;
    const double megabytes = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0;
    char text[128];
    std::snprintf(text, sizeof text, "%llu frames in %.1f s, %.1f frames/s, %.2f MB/s",
                  static_cast<unsigned long long>(frames), seconds, frame_rate, megabytes);
    return text;
}

double seconds_between(Stats::Clock::time_point from, Stats::Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

} // namespace

Stats::Stats(Clock::time_point start) : start_(start), interval_start_(start) {}

void Stats::count_frame(std::uint64_t payload_bytes) {
    ++frames_;
    ++interval_frames_;
    bytes_ += payload_bytes;
    interval_bytes_ += payload_bytes;
}

std::string Stats::interval_line(Clock::time_point now) {
    auto line = rates(interval_frames_, interval_bytes_, seconds_between(interval_start_, now)) +
                "; " + std::to_string(frames_) + " frames since the start";
    interval_start_ = now;
    interval_frames_ = 0;
    interval_bytes_ = 0;
    return line;
}

std::string Stats::final_lines(Clock::time_point now, const SeqTracker& tracker) const {
    auto out = rates(frames_, bytes_, seconds_between(start_, now));
    const auto gaps = tracker.total_gaps();
    out += gaps == 0 ? ", no gaps in seq\n" : ", " + std::to_string(gaps) + " gaps in seq\n";
    for (const auto& run : tracker.gaps())
        out += "gaps in " + run.watch + " run " + run.run + ": " + std::to_string(run.gaps) +
               ", at least " + std::to_string(run.missed) + " messages missed\n";
    return out;
}

} // namespace swmrd::cat
