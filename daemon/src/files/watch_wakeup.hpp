#pragma once
// Where a watch thread sleeps between looks at its files: woken by the filesystem events it
// waits for (posted from the daemon's events thread), or at once, for good, by a stop.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace swmrd::daemon {

class WatchWakeup {
public:
    // What can wake a wait, as bits: several at once are one wake-up.
    enum Source : unsigned { folder = 1u, file = 2u };

    // Events of `sources` came.
    void post(unsigned sources);
    // The watch is asked to stop: this and every later wait returns at once.
    void stop();
    bool stopped() const;
    // Forgets events of `sources` not waited for yet (the file followed is another now).
    void clear(unsigned sources);

    // Waits up to `timeout` for events of `sources`, or a stop. Returns which of `sources`
    // came (and takes them), 0 on a timeout or a stop.
    unsigned wait(unsigned sources, std::chrono::microseconds timeout);

private:
    mutable std::mutex mutex_;
    std::condition_variable woken_;
    unsigned pending_ = 0;
    bool stopped_ = false;
};

} // namespace swmrd::daemon
