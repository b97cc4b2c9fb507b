#pragma once
// The threads that answer HTTP requests: a few, with a bounded number of requests waiting for
// them. The server's own thread only reads and writes connections; a request whose answer
// takes time (a control-loop call, a latest-frame read) waits here, so a slow answer or a
// slow client never holds the others' reads and writes.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace swmrd::daemon {

class RequestWorkers {
public:
    RequestWorkers(std::size_t workers, std::size_t max_waiting);
    ~RequestWorkers();
    RequestWorkers(const RequestWorkers&) = delete;
    RequestWorkers& operator=(const RequestWorkers&) = delete;

    // Takes a place for one task; false when `max_waiting` tasks wait (the caller answers
    // 503) or the workers are stopping. Every place taken is given back by submit().
    bool reserve();
    void submit(std::function<void()> task);

    // Waits until every task submitted is done, or `deadline`; false if one is still running
    // then (its thread is let go).
    bool stop(std::chrono::steady_clock::time_point deadline);

private:
    void work();

    const std::size_t max_waiting_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> tasks_;
    std::size_t reserved_ = 0; // places taken, task submitted or not, not yet finished
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace swmrd::daemon
