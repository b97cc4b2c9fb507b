#include "files/watch_wakeup.hpp"

namespace swmrd::daemon {

void WatchWakeup::post(unsigned sources) {
    {
        std::lock_guard lock(mutex_);
        pending_ |= sources;
    }
    woken_.notify_all();
}

void WatchWakeup::stop() {
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    woken_.notify_all();
}

bool WatchWakeup::stopped() const {
    std::lock_guard lock(mutex_);
    return stopped_;
}

void WatchWakeup::clear(unsigned sources) {
    std::lock_guard lock(mutex_);
    pending_ &= ~sources;
}

unsigned WatchWakeup::wait(unsigned sources, std::chrono::microseconds timeout) {
    std::unique_lock lock(mutex_);
    woken_.wait_for(lock, timeout, [&] { return stopped_ || (pending_ & sources) != 0; });
    if (stopped_)
        return 0;
    const unsigned came = pending_ & sources;
    pending_ &= ~sources;
    return came;
}

} // namespace swmrd::daemon
