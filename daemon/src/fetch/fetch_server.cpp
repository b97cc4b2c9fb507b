#include "fetch/fetch_server.hpp"
#include "base/bounded_join.hpp"
#include "base/wall_clock.hpp"

#include "delivery/publisher.hpp"

#include <swmrd/proto/decode_error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace swmrd::daemon {

FetchServer::FetchServer(zmq::context_t& context, const std::string& endpoint, RunRegistry& runs,
                         InflightBudget& budget, std::chrono::milliseconds peer_timeout,
                         std::uint64_t max_message, std::chrono::milliseconds max_wait,
                         std::size_t max_connections)
    : socket_(context, zmq::socket_type::router),
      guard_(context, socket_, {"fetch", peer_timeout, max_connections, {}, {}, {}}), runs_(runs),
      budget_(budget),
      turn_bytes_(std::max<std::uint64_t>(1, std::min(max_turn_bytes, budget.limit() / 8))),
      max_message_(max_message), max_wait_(max_wait) {
    // A client that went away makes a send fail at once instead of vanishing in ZeroMQ.
    socket_.set(zmq::sockopt::router_mandatory, 1);
    socket_.set(zmq::sockopt::linger, 0);
    // Requests are small; a client that floods them is answered `busy` past the limits, and
    // what ZeroMQ may buffer before that is bounded too.
    socket_.set(zmq::sockopt::rcvhwm, 1000);
    socket_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(max_fetch_message));
    peers::set_peer_timeout(socket_, peer_timeout);
    socket_.bind(endpoint);
    bound_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { run(); });
}

FetchServer::~FetchServer() {
    stop();
}

bool FetchServer::stop(std::chrono::steady_clock::time_point deadline) {
    stopping_.store(true);
    return join_or_let_go(thread_, ended_, deadline);
}

void FetchServer::run() {
    try {
        while (!stopping_.load()) {
            // Sleep until a request may be served, answers that wait for a slow client may go,
            // or a request comes in.
            auto now = Clock::now();
            auto wake = now + std::chrono::milliseconds(100);
            for (const auto& [identity, client] : clients_) {
                if (!client.output.empty() || held_back(client))
                    wake = std::min(wake, now + std::chrono::milliseconds(2));
                else if (!client.requests.empty())
                    wake = std::min(wake, client.requests.front().not_before);
            }
            zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
            // Rounded up: a wake-up less than a millisecond away must not spin in polls of 0.
            zmq::poll(&item, 1,
                      std::chrono::ceil<std::chrono::milliseconds>(
                          std::max(wake - now, Clock::duration::zero())));
            receive();
            close_idle_readers();
            now = Clock::now();
            parked_ = 0;
            for (auto it = clients_.begin(); it != clients_.end();) {
                auto& client = it->second;
                bool alive = flush(client);
                if (alive && client.output.empty() && !client.requests.empty() &&
                    now >= client.requests.front().not_before && !held_back(client) &&
                    !still_parked(client.requests.front(), now))
                    alive = serve_turn(client) && flush(client);
                if (alive && !client.requests.empty() && client.requests.front().parked)
                    parked_ += client.requests.size() - client.refusals;
                if (!alive) {
                    queued_ -= client.requests.size() - client.refusals;
                    it = clients_.erase(it);
                } else if (client.requests.empty() && client.output.empty()) {
                    it = clients_.erase(it);
                } else {
                    ++it;
                }
            }
        }
    } catch (const zmq::error_t& error) {
        // The context was closed under a thread let go at shutdown (stop() returned false).
        if (error.num() != ETERM)
            spdlog::error("the fetch channel stopped: {}", error.what());
    }
    ended_.store(true);
}

void FetchServer::receive() {
    for (int taken = 0; taken < 256; ++taken) {
        Multipart parts;
        do {
            zmq::message_t part;
            if (!socket_.recv(part, zmq::recv_flags::dontwait))
                return;
            parts.push_back(std::move(part));
        } while (parts.back().more());
        requests_.fetch_add(1);
        const auto identity = parts.front().to_string();
        if (parts.size() != 2) {
            refuse(identity, {}, proto::to_string(proto::ErrorCode::bad_request),
                   "a fetch request is one message part holding a map, sent from a DEALER; "
                   "got " +
                       std::to_string(parts.size() - 1) + " parts");
            continue;
        }
        const auto& body = parts[1];
        if (body.size() > max_fetch_request_bytes) {
            refuse(identity, proto::fetch_request_id(body.data(), body.size()),
                   proto::to_string(proto::ErrorCode::bad_request),
                   "a fetch request is at most " + std::to_string(max_fetch_request_bytes) +
                       " bytes; this one is " + std::to_string(body.size()));
            continue;
        }
        try {
            auto fetch = proto::decode_fetch_request(body.data(), body.size());
            auto& client = clients_[identity];
            client.identity = identity;
            if (queued_ - std::min(parked_, queued_) >= max_fetch_requests ||
                client.requests.size() - client.refusals >= max_fetch_requests_per_client) {
                refuse(identity, fetch.id, proto::to_string(proto::ErrorCode::busy),
                       "too many fetches in progress (" + std::to_string(queued_) +
                           "); retry after a short pause");
                continue;
            }
            Request request;
            request.next = fetch.from;
            // A wait longer than max_wait is cut to it (the answer then says how far it got).
            const auto wait = std::min(std::chrono::duration<double>(std::max(fetch.wait, 0.0)),
                                       std::chrono::duration<double>(max_wait_));
            request.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(wait);
            request.fetch = std::move(fetch);
            client.requests.push_back(std::move(request));
            ++queued_;
        } catch (const proto::DecodeError& error) {
            refuse(identity, proto::fetch_request_id(body.data(), body.size()), error.code(),
                   error.what());
        }
    }
}

// The answer to a request refused on arrival: its closing message alone, in its turn (at
// once when nothing of this client's is waiting before it).
void FetchServer::refuse(const std::string& identity, const proto::Value& id,
                         const std::string& code, const std::string& message) {
    spdlog::debug("fetch refused: {}: {}", code, message);
    Client& client = clients_[identity];
    client.identity = identity;
    Request request;
    request.fetch.id = id;
    // A client that sends and never reads gets no more than this many answers queued.
    if (client.refusals >= max_fetch_refusals_per_client ||
        client.output.size() >= max_fetch_refusals_per_client) {
        ++refusals_dropped_;
        if (refusals_dropped_ == 1 || refusals_dropped_ % 10000 == 0)
            spdlog::warn("a fetch client sends requests without reading its answers: {} "
                         "refusals not queued for it so far",
                         refusals_dropped_);
        return;
    }
    if (client.requests.empty()) {
        close(client, request, nullptr, std::nullopt, proto::FetchError{code, message});
        return;
    }
    request.refusal = proto::FetchError{code, message}; // not_before: none, due at once
    client.requests.push_back(std::move(request));
    ++client.refusals;
}

} // namespace swmrd::daemon
