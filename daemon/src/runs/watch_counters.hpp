#pragma once
// Counters a watch shares with the publisher and the control server. The publisher keeps
// them, in the order messages are sent, so they count what subscribers were sent: a frame
// dropped in `drop` delivery is in `dropped`, one given up otherwise in `lost`, never either
// in `frames`.

#include "base/latency_histogram.hpp"

#include <swmrd/proto/messages.hpp>

#include <array>
#include <atomic>
#include <cstdint>

namespace swmrd::daemon {

struct WatchCounters {
    std::atomic<std::uint64_t> frames{0}; // frames sent in the current run
    std::atomic<std::uint64_t> bytes{0};  // payload bytes sent in the current run
    std::atomic<std::int64_t> last_index{-1};
    std::atomic<std::uint64_t> dropped{0}; // frames not delivered, since the watch started
    // Messages given up for any other reason, since the watch started: a start or end that a
    // full queue refused past its patience, or a message still queued when shutdown's grace
    // ran out. Only ever counted, never silent.
    std::atomic<std::uint64_t> lost{0};
    // The seq the current run's end would take, kept by the run as it goes; 0 while no run
    // is open. Lets the daemon end a run whose thread is stuck, on its behalf, at shutdown.
    std::atomic<std::uint64_t> open_run_end_seq{0};
    std::atomic<std::uint64_t> ends_queued{0}; // end messages handed to the publisher…
    std::atomic<std::uint64_t> runs_ended{0};  // …and sent, so `stop` can wait for the last

    // Since the watch started, for /metrics: counters that never go back.
    std::atomic<std::uint64_t> frames_total{0};
    std::atomic<std::uint64_t> bytes_total{0};
    // Runs ended, by EndReason (its enumerators index this).
    std::array<std::atomic<std::uint64_t>, 6> runs_by_reason{};
    LatencyHistogram readable_to_sent;
    // Frames the current run's scan holds when its shape is bounded, 0 when not known: how far
    // through its scan a run is, for the live view.
    std::atomic<std::uint64_t> scan_frames{0};

    void reset_run() {
        frames = 0;
        bytes = 0;
        last_index = -1;
    }
};

} // namespace swmrd::daemon
