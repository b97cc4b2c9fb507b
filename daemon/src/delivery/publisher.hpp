#pragma once
// Owns the data channel's socket and the thread that sends on it. Watches hand it finished
// messages; nothing else touches the socket.
//
// In lossless and drop delivery it is an XPUB with ZMQ_XPUB_NODROP, so ZeroMQ itself never
// drops a message silently: a full subscriber pipe comes back as "would block". In lossless
// delivery the publisher then waits (the queue and the in-flight budget fill up, and the
// watches stop reading: the data waits on disk). In drop delivery a frame that would block is
// dropped and counted in its watch's `dropped`, so a slow subscriber sees a gap in `seq`;
// start, end and heartbeat messages wait a little before they are given up, and a lost one is
// logged. In independent delivery ZeroMQ drops what a subscriber's own pipe cannot take, for
// that subscriber alone: it sees the gap in `seq` and fetches the frames back. Its pipe holds
// a message per 4 MiB of the live budget (64 at least); with frames so large that a stalled
// pipe crowds the budget, the peer guard cuts it well before peer_timeout.
//
// The peer guard (delivery/peer_guard.hpp) disconnects a subscriber that takes none of the bytes
// waiting for it for peer_timeout (a stopped process, a vanished host), so it holds nothing
// back; ZMTP heartbeats judge the idle ones.

#include "base/inflight_budget.hpp"
#include "delivery/peer_guard.hpp"
#include "runs/outgoing_message.hpp"

#include <swmrd/config/daemon_config.hpp>
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

using Delivery = config::Delivery; // how the live stream treats a slow subscriber

class Publisher {
public:
    // Binds every endpoint (throws zmq::error_t naming none of them: the caller reports which
    // failed via bound_endpoints()) and starts the sending thread.
    Publisher(zmq::context_t& context, const std::vector<std::string>& endpoints, Delivery delivery,
              InflightBudget& budget,
              std::chrono::milliseconds peer_timeout = std::chrono::seconds(10),
              std::size_t max_connections = 1024);
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
    // Subscribers connected now, and connections made and lost since the start.
    std::uint64_t subscribers() const noexcept { return guard_.connected(); }
    std::uint64_t connections() const noexcept { return guard_.accepted(); }
    std::uint64_t disconnections() const noexcept { return guard_.disconnected(); }
    const peers::PeerGuard& peers() const noexcept { return guard_; }

    // Sends what is queued for up to `grace`, then stops the thread; what is left is logged
    // and dropped. Idempotent.
    void shutdown(std::chrono::milliseconds grace);
    // After shutdown: closes the socket, which ZeroMQ flushes for its linger period.
    void close_socket();

private:
    void run();
    bool past_shutdown_deadline() const;
    bool send(OutgoingMessage& message, bool may_wait);
    bool send_parts(OutgoingMessage& message, bool may_wait);
    void drain_subscriptions();
    // A peer was cut or went: the thread processes ZeroMQ's commands often for a while.
    void settle_pipes();
    void drain_subscriptions_now_and_then();
    void prepare(OutgoingMessage& message);
    void count_sent(const OutgoingMessage& message);
    enum class Fate { sent, dropped, lost };
    void account(const OutgoingMessage& message, Fate fate, bool counted);

    zmq::socket_t socket_;
    std::vector<std::string> bound_;
    const Delivery delivery_;
    InflightBudget& budget_;
    peers::PeerGuard guard_; // after socket_: it watches it, and stops before it closes

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<OutgoingMessage> queue_;
    int settling_ = 0;        // idle wake-ups left at 1 ms, under mutex_
    bool settle_now_ = false; // a peer just went, under mutex_
    std::atomic<bool> stopping_{false};
    std::atomic<std::chrono::steady_clock::time_point> deadline_{};
    std::chrono::steady_clock::time_point last_drain_{};
    std::thread thread_;
};

} // namespace swmrd::daemon
