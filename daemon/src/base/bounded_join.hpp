#pragma once
// The one way the daemon ends a thread that may be stuck where nothing can interrupt it (a
// read of a hung filesystem, ZeroMQ flushing to a peer that takes nothing): it is waited for
// up to a deadline, then let go, and the process exits past it. The thread's last statement
// sets `done`.

#include <atomic>
#include <chrono>
#include <thread>

namespace swmrd::daemon {

// True once `done` is set; false when `deadline` came first.
inline bool wait_until_done(const std::atomic<bool>& done,
                            std::chrono::steady_clock::time_point deadline) {
    // Polled: std::atomic::wait has no timeout, and a stop is rare enough for 5 ms steps.
    while (!done.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return done.load();
}

// Joins `thread` once it is done, or detaches it at `deadline`. True when it was joined.
inline bool join_or_let_go(std::thread& thread, const std::atomic<bool>& done,
                           std::chrono::steady_clock::time_point deadline) {
    if (!thread.joinable())
        return true;
    if (!wait_until_done(done, deadline)) {
        thread.detach();
        return false;
    }
    thread.join();
    return true;
}

} // namespace swmrd::daemon
