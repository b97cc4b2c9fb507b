#pragma once
// Watches every connection of one ZeroMQ socket (the publish or the fetch channel) and cuts
// the ones that hold the others back (docs/protocol.md, "Delivery" and the fetch channel):
//
// - a peer that the daemon has bytes waiting for and that acknowledges none of them for
//   `peer_timeout` (a stopped process, a host gone without closing its connection, a reader
//   stuck mid-message) is cut: reason `stalled`;
// - in independent delivery, once a reader has waited 20 ms for room in the budget while a
//   peer that was taking bytes has had nothing left to take, the peer that has had bytes
//   waiting for it the longest (50 ms at least) is cut: its pipe holds the budget, and with it the
//   others: reason `share`;
// - a connection past `max_connections` on its endpoint is closed at once: reason
//   `max_connections`.
//
// libzmq 4.3 says neither who is slow nor how much a pipe holds, and cannot bound a pipe in
// bytes. Its socket monitor does say which descriptor each accepted connection has: the
// guard duplicates it at once, reads the kernel's send queue and acknowledged bytes
// (SIOCOUTQ, TCP_INFO) through the duplicate, and cuts with shutdown(2), after which libzmq
// drops the pipe and frees what it held. The duplicate is the same socket whatever libzmq
// does with its own number later, so a late event or a reused number never cuts the wrong
// peer; it is closed when libzmq reports the disconnection.

#include "base/unique_fd.hpp"
#include "delivery/socket_state.hpp"

#include <zmq.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace swmrd::daemon::peers {

enum class CutReason { stalled, share, max_connections };
inline constexpr std::size_t cut_reason_count = 3;
const char* name_of(CutReason reason) noexcept;

struct GuardOptions {
    std::string channel; // "publish" or "fetch": in logs, `peers` and /metrics
    std::chrono::milliseconds peer_timeout{10000};
    std::size_t max_connections = 1024; // per endpoint
    // Independent delivery only. True while the bytes held for sending crowd the budget:
    // peers are then looked at every few milliseconds.
    std::function<bool()> crowded;
    // Since when a reader has been waiting for room in the budget; nullopt while none waits.
    std::function<std::optional<std::chrono::steady_clock::time_point>()> reader_waiting_since;
    // Called after a cut and after each disconnection: the socket's own thread must process
    // ZeroMQ's commands for the pipe to go and its messages to be freed.
    std::function<void()> on_disconnect;
};

// One connected peer, as `peers` shows it.
struct PeerView {
    std::string channel;
    std::string address;
    std::string endpoint;                // the daemon's endpoint it connected to
    double since = 0.0;                  // seconds since the Unix epoch
    std::optional<std::uint64_t> queued; // bytes in the kernel's send queue for it
    double progress = 0.0;               // when it last took bytes (or connected)
};

class PeerGuard {
public:
    // Starts monitoring `guarded`: call before it binds, so that no connection goes unseen.
    PeerGuard(zmq::context_t& context, zmq::socket_t& guarded, GuardOptions options);
    ~PeerGuard();
    PeerGuard(const PeerGuard&) = delete;
    PeerGuard& operator=(const PeerGuard&) = delete;

    // Before the guarded socket closes. Idempotent.
    void stop();

    std::vector<PeerView> peers() const;
    std::uint64_t connected() const noexcept { return accepted_.load() - disconnected_.load(); }
    std::uint64_t accepted() const noexcept { return accepted_.load(); }
    std::uint64_t disconnected() const noexcept { return disconnected_.load(); }
    std::uint64_t cuts(CutReason reason) const noexcept {
        return cuts_[static_cast<std::size_t>(reason)].load();
    }
    std::uint64_t cuts() const noexcept;
    const std::string& channel() const noexcept { return options_.channel; }

private:
    using Clock = std::chrono::steady_clock;
    struct Peer {
        UniqueFd own_fd; // our duplicate of libzmq's descriptor
        Transport transport = Transport::tcp;
        std::string address;
        std::string endpoint;
        std::chrono::system_clock::time_point since;
        std::chrono::system_clock::time_point took; // last progress, for `peers`
        Clock::time_point connected_at;
        Clock::time_point idle_since; // bytes waiting and none taken since
        SocketProgress last;
        // Looked at closely while the budget is crowded: whether bytes wait for it, since
        // when without a break, and the bytes it took lately (decaying over 250 ms).
        bool waiting = false;
        Clock::time_point waiting_changed;
        Clock::time_point looked_at;
        double recent_bytes = 0.0;
        bool cut = false;
        bool said_idle = false;  // its stall is in the log
        bool unreadable = false; // its socket's state could not be read
    };

    void run();
    void read_events();
    void admit(int zmq_fd, const std::string& endpoint);
    void forget(int zmq_fd);
    // True while the budget is crowded (independent delivery).
    bool check_progress();
    void note_queue(Peer& peer, const SocketProgress& progress, Clock::time_point now);
    void cut_crowding(Clock::time_point now);
    void cut(Peer& peer, CutReason reason, const std::string& why);

    zmq::socket_t monitor_;
    const GuardOptions options_;
    const std::chrono::milliseconds tick_;
    const std::chrono::milliseconds crowded_patience_;
    mutable std::mutex mutex_;  // peers_, for peers() from other threads
    std::map<int, Peer> peers_; // by libzmq's descriptor
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> disconnected_{0};
    std::array<std::atomic<std::uint64_t>, cut_reason_count> cuts_{};
    Clock::time_point last_share_cut_{};
    Clock::time_point last_refusal_log_{};
    std::uint64_t refusals_unlogged_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// ZMTP heartbeats: a ping every third of `peer_timeout`. A ping that waits unacknowledged is
// bytes a peer does not take, which the peer guard cuts at `peer_timeout` and counts; ZeroMQ's
// own timeout, twice as long, is only a backstop, so that the guard's count is the true one.
void set_peer_timeout(zmq::socket_t& socket, std::chrono::milliseconds peer_timeout);

} // namespace swmrd::daemon::peers
