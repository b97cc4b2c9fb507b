#pragma once
// Owns the data channel's socket and the thread that sends on it. Watches hand it finished
// messages; nothing else touches the socket.
//
// It is an XPUB with ZMQ_XPUB_NODROP, so ZeroMQ itself never drops a message silently: a full
// subscriber pipe comes back as "would block". In lossless delivery the publisher then waits
// (the queue and the in-flight budget fill up, and the watches stop reading: the data waits on
// disk). In drop delivery a frame that would block is dropped and counted in its watch's
// `dropped`, so a slow subscriber sees a gap in `seq`; start, end and heartbeat messages wait
// a little before they are given up, and a lost one is logged.

#include "inflight_budget.hpp"
#include "outgoing_message.hpp"

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace swmrd::daemon {

enum class Delivery { lossless, drop };

class Publisher {
public:
    // Binds every endpoint (throws zmq::error_t naming none of them: the caller reports which
    // failed via bound_endpoints()) and starts the sending thread.
    Publisher(zmq::context_t& context, const std::vector<std::string>& endpoints, Delivery delivery,
              InflightBudget& budget);
    ~Publisher();
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    // The endpoints as bound, with wildcard ports resolved (tcp://127.0.0.1:*).
    const std::vector<std::string>& bound_endpoints() const noexcept { return bound_; }

    void push(OutgoingMessage message);
    // A whole batch under one lock and one wake-up: what a watch reads in one go.
    void push(std::vector<OutgoingMessage>& messages);

    // Messages queued and not yet handed to ZeroMQ.
    std::size_t queued() const;

    // Sends what is queued for up to `grace`, then stops the thread; what is left is logged
    // and dropped. Idempotent.
    void shutdown(std::chrono::milliseconds grace);

private:
    void run();
    bool past_shutdown_deadline() const;
    bool send(OutgoingMessage& message, bool may_wait);
    void drain_subscriptions();
    void drain_subscriptions_now_and_then();
    void prepare(OutgoingMessage& message);
    void account(const OutgoingMessage& message, bool sent);

    zmq::socket_t socket_;
    std::vector<std::string> bound_;
    const Delivery delivery_;
    InflightBudget& budget_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<OutgoingMessage> queue_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::chrono::steady_clock::time_point> deadline_{};
    std::chrono::steady_clock::time_point last_drain_{};
    std::thread thread_;
};

} // namespace swmrd::daemon
