#pragma once
// The bytes of frame payloads held for sending, across every watch, kept under max_inflight.
// Watches acquire before they read; ZeroMQ's free callback releases once the last subscriber
// pipe has let go of the buffer, so the count is what the process really holds.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace swmrd::daemon {

class InflightBudget {
public:
    explicit InflightBudget(std::uint64_t limit) : limit_(limit) {}

    // Takes `bytes` if they fit, or if nothing is held at all: a single frame larger than the
    // limit is still sent, alone.
    bool try_acquire(std::uint64_t bytes);

    // Waits until `bytes` fit (or nothing is held); false if `cancelled()` turns true or
    // `deadline` passes first.
    template <class Cancelled>
    bool acquire(std::uint64_t bytes, Cancelled cancelled,
                 std::chrono::steady_clock::time_point deadline =
                     std::chrono::steady_clock::time_point::max());

    // Safe from any thread, ZeroMQ's I/O threads included; never blocks for long.
    void release(std::uint64_t bytes);

    std::uint64_t held() const noexcept { return held_.load(std::memory_order_relaxed); }
    std::uint64_t limit() const noexcept { return limit_; }
    // The largest amount ever held at once, for status and benchmarks.
    std::uint64_t peak() const noexcept { return peak_.load(std::memory_order_relaxed); }

    // Since when some reader has been waiting for room without a break (nullopt while none
    // waits): the sign that the bytes held are holding the readers back.
    std::optional<std::chrono::steady_clock::time_point> waiting_since() const noexcept;

    // Wakes every waiter so it can re-check its cancellation.
    void wake_all();

private:
    bool fits(std::uint64_t bytes) const noexcept;
    // Both with mutex_ held.
    void start_waiting();
    void stop_waiting();

    const std::uint64_t limit_;
    std::atomic<std::uint64_t> held_{0};
    std::atomic<std::uint64_t> peak_{0};
    std::mutex mutex_;
    std::condition_variable released_;
    int waiters_ = 0;                            // guarded by mutex_
    std::atomic<std::int64_t> waiting_since_{0}; // steady_clock nanoseconds; 0: none waits
};

// Bytes acquired for a batch and not yet handed over to the blocks and messages that will
// release them; whatever is still held when it goes out of scope (an error mid-batch) goes
// back to the budget.
class Reservation {
public:
    Reservation(InflightBudget& budget, std::uint64_t bytes) : budget_(budget), held_(bytes) {}
    ~Reservation() {
        if (held_ > 0)
            budget_.release(held_);
    }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

    // The caller's block or message now owns `bytes` and will release them itself.
    void hand_over(std::uint64_t bytes) noexcept { held_ -= std::min(bytes, held_); }

private:
    InflightBudget& budget_;
    std::uint64_t held_;
};

template <class Cancelled>
bool InflightBudget::acquire(std::uint64_t bytes, Cancelled cancelled,
                             std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    bool waiting = false;
    const auto result = [&](bool acquired) {
        if (waiting)
            stop_waiting();
        return acquired;
    };
    for (;;) {
        if (cancelled())
            return result(false);
        if (try_acquire(bytes))
            return result(true);
        if (std::chrono::steady_clock::now() >= deadline)
            return result(false);
        if (!waiting)
            start_waiting();
        waiting = true;
        // The timeout only guards against a cancellation whose wake was missed.
        released_.wait_for(lock, std::chrono::milliseconds(50));
    }
}

} // namespace swmrd::daemon
