#pragma once
// Joins the threads of watches that were asked to stop, off the control loop: `stop`
// answers at once, and a watch stuck in a read of a filesystem that stopped answering holds
// only its own thread (and this one of the reaper's), never the control channel.

#include "watch.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace swmrd::daemon {

class Reaper {
public:
    ~Reaper() { wait_all(); }

    // Takes a watch already asked to stop; it is joined and destroyed on a thread of its own.
    void reap(std::unique_ptr<Watch> watch);
    // Watches still being reaped (stuck ones included).
    std::size_t pending();
    // Waits for every watch handed over so far (at shutdown).
    void wait_all();

private:
    struct Entry {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    void collect(); // joins the threads that have finished

    std::mutex mutex_;
    std::vector<Entry> entries_;
};

} // namespace swmrd::daemon
