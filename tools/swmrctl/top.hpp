#pragma once
// `swmrctl top`'s screen: what one refresh shows, with each watch's rates computed from the
// change of its counters since the previous refresh. No I/O here (top_loop.hpp has it), so
// the tests check the rates and the text directly.

#include <swmrd/config/units.hpp>
#include <swmrd/proto/control.hpp>
#include <swmrd/proto/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::ctl::top {

// One watch at one refresh. Beyond the status of protocol v1, what a daemon may add to the
// status map (the HTTP overview has both): read when present, shown once a daemon sends it.
struct WatchSample {
    proto::WatchStatus status;
    std::optional<std::uint64_t> subscribers;
    std::optional<std::uint64_t> scan_frames; // frames the run's scan holds; 0 or absent: unknown
};

// The watches of a `list` reply; `raw` is the same reply undecoded, for the extra keys (a
// `subscribers` of the whole reply applies to every watch that has none of its own).
std::vector<WatchSample> samples_of(const proto::ListReply& list, const proto::Value& raw);

struct Rates {
    double frames_per_second = 0.0;
    double bytes_per_second = 0.0;
};

// The rates of one watch between two refreshes `seconds` apart. A new run restarts the
// `frames` and `bytes` counters (docs/protocol.md, The control channel): what the new run sent then
// counts, all of it since the earlier refresh (the old run's last frames are missed: a lower
// bound). nullopt when no time passed.
std::optional<Rates> rates_between(const proto::WatchStatus& before,
                                   const proto::WatchStatus& after, double seconds);

struct WatchRow {
    WatchSample sample;
    std::optional<Rates> rates; // none at a watch's first refresh
};

// Remembers each watch's previous sample, so that every refresh after the first has rates.
class RateTracker {
public:
    // `now` in seconds on a steady clock.
    std::vector<WatchRow> refresh(std::vector<WatchSample> samples, double now);

private:
    std::map<std::string, proto::WatchStatus> previous_;
    double previous_time_ = 0.0;
};

// What one refresh shows.
struct Screen {
    std::string endpoint;
    config::Seconds interval{1.0};
    std::string clock;                  // "14:03:27", when the refresh was asked for
    std::optional<std::string> problem; // "daemon not answering…": shown instead of rows
    std::vector<WatchRow> rows;
};

// The refresh as plain lines, each ending in '\n': a title line, then a table NAME STATE
// FILE FRAMES/S MB/S FRAMES DROPPED LOST (then SUBS and PROGRESS when any watch has them),
// then one line per watch with an error.
std::string render(const Screen& screen);

// The cells, for the tests. The base name of `path`, its end kept when longer than
// `width` ("..0042.h5"); "-" for none.
std::string file_cell(const std::optional<std::string>& path, std::size_t width);
std::string rate_cell(const std::optional<Rates>& rates, bool bytes); // "-", "12.5", "1.64"
std::string progress_cell(const WatchSample& sample);                 // "40/100 40%", "-"

} // namespace swmrd::ctl::top
