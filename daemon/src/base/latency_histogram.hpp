#pragma once
// The time from a key becoming readable to its frame being handed to ZeroMQ, as a histogram
// the publisher fills without a lock and /metrics reads while it does (docs/protocol.md, HTTP).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace swmrd::daemon {

class LatencyHistogram {
public:
    // Upper bounds in seconds, from the loopback floor (tens of µs) to a subscriber that holds
    // the reader back in lossless delivery (seconds). Observations above the last fall in +Inf.
    static constexpr std::array<double, 16> bounds{0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002,
                                                   0.005,   0.01,   0.02,   0.05,   0.1,   0.25,
                                                   0.5,     1.0,    2.5,    10.0};

    struct Snapshot {
        std::array<std::uint64_t, bounds.size() + 1> counts{}; // per bucket, not cumulative
        std::uint64_t count = 0;
        double sum_seconds = 0.0;
    };

    void observe(std::chrono::steady_clock::duration elapsed) noexcept {
        const auto nanoseconds =
            std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
        const double seconds = static_cast<double>(nanoseconds) * 1e-9;
        std::size_t bucket = 0;
        while (bucket < bounds.size() && seconds > bounds[bucket])
            ++bucket;
        counts_[bucket].fetch_add(1, std::memory_order_relaxed);
        sum_nanoseconds_.fetch_add(static_cast<std::uint64_t>(nanoseconds > 0 ? nanoseconds : 0),
                                   std::memory_order_relaxed);
    }

    // Read while observations go on: each figure is exact, the set may be a few frames apart.
    Snapshot snapshot() const noexcept {
        Snapshot snapshot;
        for (std::size_t bucket = 0; bucket < counts_.size(); ++bucket) {
            snapshot.counts[bucket] = counts_[bucket].load(std::memory_order_relaxed);
            snapshot.count += snapshot.counts[bucket];
        }
        snapshot.sum_seconds =
            static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) * 1e-9;
        return snapshot;
    }

private:
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> counts_{};
    std::atomic<std::uint64_t> sum_nanoseconds_{0};
};

} // namespace swmrd::daemon
