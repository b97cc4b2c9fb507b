#include "base/inflight_budget.hpp"

namespace swmrd::daemon {

bool InflightBudget::fits(std::uint64_t bytes) const noexcept {
    const auto held = held_.load(std::memory_order_relaxed);
    return held == 0 || held + bytes <= limit_;
}

bool InflightBudget::try_acquire(std::uint64_t bytes) {
    auto held = held_.load(std::memory_order_relaxed);
    for (;;) {
        if (held != 0 && held + bytes > limit_)
            return false;
        if (held_.compare_exchange_weak(held, held + bytes, std::memory_order_acq_rel))
            break;
    }
    auto now = held + bytes;
    auto peak = peak_.load(std::memory_order_relaxed);
    while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    return true;
}

void InflightBudget::release(std::uint64_t bytes) {
    held_.fetch_sub(bytes, std::memory_order_acq_rel);
    // Taking the mutex orders this wake after a waiter's check, so none is missed.
    { std::lock_guard lock(mutex_); }
    released_.notify_all();
}

void InflightBudget::start_waiting() {
    if (waiters_++ == 0)
        waiting_since_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                             std::memory_order_relaxed);
}

void InflightBudget::stop_waiting() {
    if (--waiters_ == 0)
        waiting_since_.store(0, std::memory_order_relaxed);
}

std::optional<std::chrono::steady_clock::time_point>
InflightBudget::waiting_since() const noexcept {
    const auto since = waiting_since_.load(std::memory_order_relaxed);
    if (since == 0)
        return std::nullopt;
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(since));
}

void InflightBudget::wake_all() {
    { std::lock_guard lock(mutex_); }
    released_.notify_all();
}

} // namespace swmrd::daemon
