#pragma once
// The fetch channel (docs/protocol.md, The fetch channel): a ROUTER socket and the thread that
// answers it, reading frames of any remembered run again from its file.
//
// Fetches never stall the live stream: they read in turns of at most a few frames or MiB,
// taking turns between clients and leaving HDF5 to the watches in between; their payloads
// count in a budget of their own (a quarter of max_inflight); a client that does not read
// its answers holds about three turns' worth and is served again once it has read them. A
// long poll (`wait`) parks its request and looks again every few milliseconds (on a streaming
// run, at its published count alone). Past the limits below a request is answered `busy`;
// the requests of a connection whose first one is a parked long poll do not count.

#include "base/inflight_budget.hpp"
#include "delivery/peer_guard.hpp"
#include "fetch/fetch_reader.hpp"
#include "runs/run_registry.hpp"

#include <swmrd/proto/fetch.hpp>

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace swmrd::daemon {

// Requests waiting or in progress, across clients and per client, before `busy`.
inline constexpr std::size_t max_fetch_requests = 1024;
inline constexpr std::size_t max_fetch_requests_per_client = 64;
// A request is at most this long; up to max_fetch_message it is refused in its turn, past
// that ZeroMQ drops the connection (docs/protocol.md, the fetch channel).
inline constexpr std::size_t max_fetch_request_bytes = 64u << 10;
inline constexpr std::size_t max_fetch_message = 1u << 20;
// Refusals waiting their turn behind a client's requests, at most: a client that floods
// requests without reading its answers gets no more than this many queued for it.
inline constexpr std::size_t max_fetch_refusals_per_client = 256;

class FetchServer {
public:
    // Binds `endpoint` (throws zmq::error_t; the caller names it) and starts the thread.
    // `max_message`: the largest frame message read for a fetch; `max_wait`: the longest
    // `wait` honoured (docs/protocol.md, the config's keys of those names).
    FetchServer(zmq::context_t& context, const std::string& endpoint, RunRegistry& runs,
                InflightBudget& budget, std::chrono::milliseconds peer_timeout,
                std::uint64_t max_message, std::chrono::milliseconds max_wait,
                std::size_t max_connections = 1024);
    ~FetchServer();
    FetchServer(const FetchServer&) = delete;
    FetchServer& operator=(const FetchServer&) = delete;

    const std::string& bound_endpoint() const noexcept { return bound_; }
    std::uint64_t requests() const noexcept { return requests_.load(); }
    std::uint64_t frames_sent() const noexcept { return frames_.load(); }
    std::uint64_t bytes_sent() const noexcept { return bytes_.load(); }

    // Stops the thread; false if it did not end by `deadline` (stuck in a read behind a
    // filesystem that stopped answering), in which case it is let go.
    bool stop(std::chrono::steady_clock::time_point deadline =
                  std::chrono::steady_clock::time_point::max());
    // After a stop() that returned true: closes the socket without touching HDF5.
    void close_socket() {
        guard_.stop();
        socket_.close();
    }
    const peers::PeerGuard& peers() const noexcept { return guard_; }

private:
    using Clock = std::chrono::steady_clock;
    using Multipart = std::vector<zmq::message_t>;

    struct Request {
        proto::FetchRequest fetch;
        // Set for a request refused on arrival: answered with it in its turn, so that no
        // answer overtakes an earlier request's.
        std::optional<proto::FetchError> refusal;
        std::uint64_t next = 0;   // the next index to send
        std::uint64_t frames = 0; // sent so far
        std::uint64_t payload = 0;
        Clock::time_point deadline;   // of a long poll
        Clock::time_point not_before; // parked (a long poll, a full budget) until then
        // A long poll waiting for a streaming run to publish the frame at `next`: looked at
        // through the run's counters alone (an atomic load) until it has, or the run ended.
        std::shared_ptr<const WatchCounters> parked_on;
        std::uint64_t runs_ended_then = 0;
        bool parked = false; // a long poll waiting: its client's requests are not `busy`'s
    };
    struct Client {
        std::string identity;
        std::deque<Request> requests;
        std::size_t refusals = 0;     // of `requests`, those only waiting to be refused
        std::deque<Multipart> output; // built, not yet taken by ZeroMQ
        // Payload bytes built for this client that ZeroMQ has not written to its connection
        // yet: a client that stops reading is served no further turn while two turns' worth
        // waits, so it holds about three turns of the budget, not all of it.
        std::shared_ptr<std::atomic<std::uint64_t>> held =
            std::make_shared<std::atomic<std::uint64_t>>(0);
    };

    void run();
    // Whether the client's first request still waits on its run's live stream: true costs
    // nothing but an atomic load, and leaves the request parked a little longer.
    static bool still_parked(Request& request, Clock::time_point now);
    void receive();
    void refuse(const std::string& identity, const proto::Value& id, const std::string& code,
                const std::string& message);
    bool serve_turn(Client& client);
    void close(Client& client, const Request& request, const RunRecord* record,
               std::optional<std::uint64_t> frontier,
               std::optional<proto::FetchError> error = std::nullopt);
    void queue(Client& client, OutgoingMessage& message);
    static zmq::message_t held_by(Client& client, zmq::message_t payload);
    bool held_back(const Client& client) const;
    bool flush(Client& client);
    FetchReader& reader_of(const RunRecord& record);
    void close_idle_readers();

    zmq::socket_t socket_;
    peers::PeerGuard guard_; // after socket_: it watches it, and stops before it closes
    std::string bound_;
    RunRegistry& runs_; // read, and told of files found rewritten
    InflightBudget& budget_;
    // A turn's bytes, at most: also what a client that stops reading may leave unwritten
    // before it is served no more. An eighth of the fetch budget at most, so that a few such
    // clients cannot hold all of it, and 4 MiB at most.
    static constexpr std::uint64_t max_turn_bytes = 4ull << 20;
    const std::uint64_t turn_bytes_;
    const std::uint64_t max_message_;
    const std::chrono::milliseconds max_wait_;
    std::map<std::string, Client> clients_;
    std::size_t queued_ = 0;
    std::size_t parked_ = 0; // of queued_, those of clients whose first request is a long poll
    std::list<std::unique_ptr<FetchReader>> readers_; // most recently used first
    std::vector<OutgoingMessage> built_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> ended_{false};
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> frames_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::uint64_t refusals_dropped_ = 0; // the fetch thread's
    std::thread thread_;
};

} // namespace swmrd::daemon
