#include "fetch/fetch_server.hpp"
#include "base/bounded_join.hpp"
#include "base/wall_clock.hpp"

#include "delivery/publisher.hpp"

#include <swmrd/proto/decode_error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace swmrd::daemon {

namespace {

// One turn of one client: at most this many frames or payload bytes, then the next client
// (and the watches, which share HDF5's lock) get theirs.
constexpr std::uint64_t turn_frames = 64;
constexpr std::uint64_t turn_bytes = 4ull << 20;
// Runs whose files are kept open for fetching, and for how long after their last fetch: a
// client repairing a gap fetches again within moments, while a file deleted since must not
// stay open for long (its disk space is given back only once it is closed).
constexpr std::size_t open_readers = 16;
constexpr auto reader_idle = std::chrono::seconds(10);
// How often a parked long poll looks at its run's keys again.
constexpr auto long_poll_interval = std::chrono::milliseconds(5);

} // namespace

FetchServer::FetchServer(zmq::context_t& context, const std::string& endpoint, RunRegistry& runs,
                         InflightBudget& budget, std::chrono::milliseconds peer_timeout,
                         std::uint64_t max_message, std::chrono::milliseconds max_wait,
                         std::size_t max_connections)
    : socket_(context, zmq::socket_type::router),
      guard_(context, socket_, {"fetch", peer_timeout, max_connections, {}, {}, {}}), runs_(runs),
      budget_(budget),
      turn_bytes_(std::max<std::uint64_t>(1, std::min(turn_bytes, budget.limit() / 8))),
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

bool FetchServer::still_parked(Request& request, Clock::time_point now) {
    if (!request.parked_on || now >= request.deadline ||
        request.parked_on->runs_ended.load() != request.runs_ended_then ||
        request.parked_on->last_index.load() + 1 > static_cast<std::int64_t>(request.next))
        return false;
    request.not_before = std::min(now + long_poll_interval, request.deadline);
    return true;
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

void FetchServer::close_idle_readers() {
    const auto now = std::chrono::steady_clock::now();
    readers_.remove_if([&](const auto& reader) { return now - reader->last_used() > reader_idle; });
}

FetchReader& FetchServer::reader_of(const RunRecord& record) {
    close_idle_readers();
    for (auto it = readers_.begin(); it != readers_.end(); ++it) {
        if ((*it)->run() == record.run) {
            if (!(*it)->current()) { // written since: opened and checked again
                readers_.erase(it);
                break;
            }
            readers_.splice(readers_.begin(), readers_, it);
            readers_.front()->touch();
            return *readers_.front();
        }
    }
    readers_.push_front(std::make_unique<FetchReader>(record, budget_.limit(), max_message_));
    if (readers_.size() > open_readers)
        readers_.pop_back();
    return *readers_.front();
}

// Serves the client's first request for one turn. False when the client is gone.
bool FetchServer::serve_turn(Client& client) {
    auto& request = client.requests.front();
    const auto& fetch = request.fetch;
    if (request.refusal) {
        close(client, request, nullptr, std::nullopt, std::move(request.refusal));
        client.requests.pop_front();
        --client.refusals;
        return true;
    }
    request.parked = false;
    request.parked_on.reset();
    const auto finish = [&](const RunRecord* record, std::optional<std::uint64_t> frontier,
                            std::optional<proto::FetchError> error = std::nullopt) {
        close(client, request, record, frontier, std::move(error));
        client.requests.pop_front();
        --queued_;
    };
    const auto record = runs_.find(fetch.watch, fetch.run);
    if (!record) {
        finish(nullptr, std::nullopt,
               proto::FetchError{proto::to_string(proto::ErrorCode::not_found),
                                 "no run " + fetch.run + " of watch " + fetch.watch +
                                     " is kept (never known, or out of history)"});
        return true;
    }
    if (const auto gone = RunRegistry::gone(*record)) {
        readers_.remove_if([&](const auto& reader) { return reader->run() == record->run; });
        finish(&*record, std::nullopt,
               proto::FetchError{proto::to_string(proto::ErrorCode::gone), *gone});
        return true;
    }
    // A request past what a streaming run has published waits on its live stream (a long
    // poll), or is answered with the published frontier: no reader process is needed (nor
    // started, one per run polled) until the frame at `from` is out.
    if (request.frames == 0 && !record->ended && record->counters &&
        request.next >= record->first_index) {
        const auto runs_ended = record->counters->runs_ended.load();
        const auto published = record->counters->last_index.load() + 1;
        if (published <= static_cast<std::int64_t>(request.next)) {
            if (Clock::now() < request.deadline) {
                request.not_before = std::min(Clock::now() + long_poll_interval, request.deadline);
                request.parked = true;
                request.parked_on = record->counters;
                request.runs_ended_then = runs_ended;
            } else
                finish(&*record, static_cast<std::uint64_t>(std::max<std::int64_t>(published, 0)));
            return true;
        }
    }
    try {
        auto& reader = reader_of(*record);
        const auto frontier = reader.frontier();
        const auto wanted = fetch.count - request.frames;
        if (request.next >= frontier || wanted == 0) {
            // Wait only for the frame at `from`: frames already sent answer the request.
            const bool parked = request.frames == 0 && wanted > 0 && !record->ended &&
                                Clock::now() < request.deadline;
            if (parked) {
                request.not_before = std::min(Clock::now() + long_poll_interval, request.deadline);
                request.parked = true;
            } else
                finish(&*record, frontier);
            return true;
        }
        // max_bytes bounds the request, turn_bytes the turn; the first frame of a request
        // goes out whatever its size.
        const auto room = fetch.max_bytes
                              ? *fetch.max_bytes - std::min(*fetch.max_bytes, request.payload)
                              : turn_bytes_;
        const bool request_full = fetch.max_bytes && room < turn_bytes_;
        std::uint64_t bytes = 0;
        const auto count = reader.frames_within(
            request.next, std::min({wanted, frontier - request.next, turn_frames}),
            std::min(room, turn_bytes_), request.frames == 0 || !request_full, bytes);
        if (count == 0) { // the next frame would pass max_bytes
            finish(&*record, frontier);
            return true;
        }
        if (!budget_.try_acquire(bytes)) {
            // The fetch budget is full: this client's turn comes again once answers drain.
            request.not_before = Clock::now() + std::chrono::milliseconds(1);
            return true;
        }
        Reservation reservation(budget_, bytes);
        built_.clear();
        reader.build(request.next, count, reservation, budget_, built_);
        for (auto& message : built_) {
            budget_.release(message.charge); // the header is copied into ZeroMQ right away
            message.charge = 0;
            request.payload += message.payload_bytes;
            bytes_.fetch_add(message.payload_bytes);
            queue(client, message);
        }
        frames_.fetch_add(count);
        request.next += count;
        request.frames += count;
        if (request.frames >= fetch.count || request.next >= frontier)
            finish(&*record, frontier);
    } catch (const RunFileChanged& error) {
        readers_.remove_if([&](const auto& reader) { return reader->run() == record->run; });
        runs_.supersede(record->run, error.what());
        finish(&*record, std::nullopt,
               proto::FetchError{proto::to_string(proto::ErrorCode::gone), error.what()});
    } catch (const std::exception& error) {
        readers_.remove_if([&](const auto& reader) { return reader->run() == record->run; });
        const auto gone = RunRegistry::gone(*record);
        finish(&*record, std::nullopt,
               gone ? proto::FetchError{proto::to_string(proto::ErrorCode::gone), *gone}
                    : proto::FetchError{proto::to_string(proto::ErrorCode::internal),
                                        "reading " + record->file + " again: " + error.what()});
    }
    return true;
}

void FetchServer::close(Client& client, const Request& request, const RunRecord* record,
                        std::optional<std::uint64_t> frontier,
                        std::optional<proto::FetchError> error) {
    const auto& fetch = request.fetch;
    proto::FetchedHeader header;
    header.envelope = {fetch.watch, fetch.run, 0, unix_time_now()};
    header.id = fetch.id;
    header.ok = !error;
    header.from = fetch.from;
    header.next = request.frames > 0 ? request.next : fetch.from;
    header.frames = request.frames;
    header.frontier = frontier;
    if (record) {
        header.state = record->ended ? proto::RunState::ended : proto::RunState::streaming;
        header.reason = record->reason;
    }
    header.error = std::move(error);
    OutgoingMessage message;
    message.topic = proto::topic_of(fetch.watch, proto::MessageKind::fetched);
    message.header = proto::encode_fetched(header);
    queue(client, message);
}

void FetchServer::queue(Client& client, OutgoingMessage& message) {
    Multipart parts;
    parts.emplace_back(client.identity.data(), client.identity.size());
    parts.emplace_back(message.topic.data(), message.topic.size());
    parts.emplace_back(message.header.data(), message.header.size());
    for (auto& payload : message.payload)
        parts.push_back(held_by(client, std::move(payload)));
    client.output.push_back(std::move(parts));
}

// The same bytes, counted in the client's `held` until ZeroMQ releases them.
zmq::message_t FetchServer::held_by(Client& client, zmq::message_t payload) {
    struct Held {
        zmq::message_t payload; // keeps its block alive
        std::shared_ptr<std::atomic<std::uint64_t>> held;
    };
    const auto size = payload.size();
    auto* hold = new Held{std::move(payload), client.held};
    hold->held->fetch_add(size);
    return zmq::message_t(
        hold->payload.data(), size,
        [](void*, void* hint) {
            auto* released = static_cast<Held*>(hint);
            released->held->fetch_sub(released->payload.size());
            delete released;
        },
        hold);
}

// Two turns' worth of this client's answers are still unwritten: it is not reading them.
// (Two, not one: a client that reads has the next turn built while the last is written.)
bool FetchServer::held_back(const Client& client) const {
    return client.held->load() >= 2 * turn_bytes_;
}

// Hands the client's answers to ZeroMQ until its pipe is full. False when it is gone.
bool FetchServer::flush(Client& client) {
    while (!client.output.empty()) {
        auto& parts = client.output.front();
        try {
            // The first part decides: once it is taken, the rest of the message is too.
            if (!socket_.send(parts.front(), zmq::send_flags::dontwait | zmq::send_flags::sndmore))
                return true; // not reading: its answers wait here
            for (std::size_t i = 1; i < parts.size(); ++i)
                socket_.send(parts[i], i + 1 < parts.size() ? zmq::send_flags::sndmore
                                                            : zmq::send_flags::none);
        } catch (const zmq::error_t& error) {
            spdlog::debug("fetch client gone: {}", error.what());
            return false;
        }
        client.output.pop_front();
    }
    return true;
}

} // namespace swmrd::daemon
