#pragma once
// Joins the threads of watches that were asked to stop, off the control loop: `stop`
// answers at once, and a watch stuck in a read of a filesystem that stopped answering holds
// only its own thread (and this one of the reaper's), never the control channel.

#include "watch/watch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace swmrd::daemon {

using GoneFlag = std::shared_ptr<const std::atomic<bool>>;

class Reaper {
public:
    ~Reaper() { wait_all(); }

    // Takes a watch already asked to stop; it is joined and destroyed on a thread of its own.
    // The flag turns true once it is gone (its end handed to the publisher, its file closed).
    GoneFlag reap(std::unique_ptr<Watch> watch);
    // The flag of a watch of that name still being reaped, or null.
    GoneFlag leaving(const std::string& name);
    // Watches still being reaped (stuck ones included).
    std::size_t pending();
    // Waits for every watch handed over so far, until `deadline`; those still not gone then
    // (stuck in a read that does not return, or waiting for HDF5's lock behind one), whose
    // threads are let go.
    std::vector<std::shared_ptr<Watch>> wait_all(std::chrono::steady_clock::time_point deadline =
                                                     std::chrono::steady_clock::time_point::max());

private:
    struct Entry {
        std::string name;
        std::weak_ptr<Watch> watch; // never owning: the thread destroys it, off the loop
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    void collect(); // joins the threads that have finished

    std::mutex mutex_;
    std::vector<Entry> entries_;
};

} // namespace swmrd::daemon
