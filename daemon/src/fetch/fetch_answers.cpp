#include "fetch/fetch_server.hpp"

// How the fetch channel answers one client: a turn of frames read from the run's file, long
// polls parked until their frames are readable, the closing `fetched`, and the answers held
// back for a client that does not read them.

#include "base/wall_clock.hpp"

#include <swmrd/proto/decode_error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace swmrd::daemon {

namespace {

// One turn of one client: at most this many frames (and turn_bytes_), then the next client
// (and the watches, which share HDF5's lock) get theirs.
constexpr std::uint64_t turn_frames = 64;
// Runs whose files are kept open for fetching, and for how long after their last fetch: a
// client repairing a gap fetches again within moments, while a file deleted since must not
// stay open for long (its disk space is given back only once it is closed).
constexpr std::size_t open_readers = 16;
constexpr auto reader_idle = std::chrono::seconds(10);
// How often a parked long poll looks at its run's keys again.
constexpr auto long_poll_interval = std::chrono::milliseconds(5);

} // namespace

bool FetchServer::still_parked(Request& request, Clock::time_point now) {
    if (!request.parked_on || now >= request.deadline ||
        request.parked_on->runs_ended.load() != request.runs_ended_then ||
        request.parked_on->last_index.load() + 1 > static_cast<std::int64_t>(request.next))
        return false;
    request.not_before = std::min(now + long_poll_interval, request.deadline);
    return true;
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
