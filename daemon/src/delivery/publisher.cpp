#include "delivery/publisher.hpp"
#include "base/wall_clock.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace swmrd::daemon {

namespace {
// A start/end/heartbeat in drop delivery waits this long for a full pipe before it is lost.
constexpr auto control_message_patience = std::chrono::seconds(1);
constexpr auto first_backoff = std::chrono::microseconds(50);
constexpr auto max_backoff = std::chrono::milliseconds(5);
} // namespace

Publisher::Publisher(zmq::context_t& context, const std::vector<std::string>& endpoints,
                     Delivery delivery, InflightBudget& budget,
                     std::chrono::milliseconds peer_timeout, std::size_t max_connections)
    : socket_(context, zmq::socket_type::xpub), delivery_(delivery), budget_(budget),
      guard_(context, socket_,
             {"publish", peer_timeout, max_connections,
              // Independent delivery: no pipe may make the reader wait for the others; half
              // the budget held is the sign that one might, a reader waiting the proof.
              delivery == Delivery::independent ? std::function<bool()>([&budget] {
                  return budget.held() >= budget.limit() / 2 || budget.waiting_since().has_value();
              })
                                                : std::function<bool()>(),
              delivery == Delivery::independent
                  ? std::function<std::optional<std::chrono::steady_clock::time_point>()>(
                        [&budget] { return budget.waiting_since(); })
                  : nullptr,
              [this] { settle_pipes(); }}) {
    if (delivery != Delivery::independent)
        socket_.set(zmq::sockopt::xpub_nodrop, 1);
    // The budget counts payloads; a subscriber's pipe also holds each message's header and
    // ZeroMQ's own structures (about 500 bytes), so its length is bounded too: about 1/16 of
    // max_inflight for a stalled subscriber, never fewer than 1000 messages.
    auto pipe_limit = std::clamp<std::uint64_t>(budget.limit() / 8192, 1000, 100000);
    // Independent delivery: a subscriber's pipe is all that holds frames for it alone, so it
    // is shorter: a message per 4 MiB of the budget (64 at least), a share a stalled
    // subscriber of detector-sized frames cannot exceed. It is set once, here: libzmq 4.3.4
    // crashes when SNDHWM changes while pipes are connected (measured; a reason this cannot
    // follow the frame size).
    if (delivery == Delivery::independent)
        pipe_limit = std::clamp<std::uint64_t>(budget.limit() >> 22, 64, 100000);
    socket_.set(zmq::sockopt::sndhwm, static_cast<int>(pipe_limit));
    socket_.set(zmq::sockopt::linger, 1000);
    peers::set_peer_timeout(socket_, peer_timeout);
    for (const auto& endpoint : endpoints) {
        try {
            socket_.bind(endpoint);
        } catch (const zmq::error_t& error) {
            throw std::runtime_error("cannot bind the publish endpoint " + endpoint + ": " +
                                     error.what());
        }
        bound_.push_back(socket_.get(zmq::sockopt::last_endpoint));
    }
    thread_ = std::thread([this] { run(); });
}

Publisher::~Publisher() {
    shutdown(std::chrono::milliseconds(0));
    guard_.stop(); // before the members its callbacks use
}

void Publisher::push(OutgoingMessage message) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(message));
    }
    wake_.notify_one();
}

void Publisher::push(std::vector<OutgoingMessage>& messages) {
    {
        std::lock_guard lock(mutex_);
        for (auto& message : messages)
            queue_.push_back(std::move(message));
    }
    messages.clear();
    wake_.notify_one();
}

void Publisher::settle_pipes() {
    {
        std::lock_guard lock(mutex_);
        settling_ = 50; // wake-ups of 1 ms: ZeroMQ's pipe termination takes a few commands
        settle_now_ = true;
    }
    wake_.notify_one();
}

std::size_t Publisher::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void Publisher::shutdown(std::chrono::milliseconds grace) {
    if (!stopping_.load()) {
        deadline_.store(std::chrono::steady_clock::now() + grace);
        {
            std::lock_guard lock(mutex_);
            stopping_.store(true);
        }
        wake_.notify_all();
    }
    if (!thread_.joinable())
        return;
    thread_.join();
    // Messages ZeroMQ took are still in subscribers' pipes until their connections drain:
    // give them what is left of the grace, then say what a subscriber never received. (Their
    // payloads hold budget until ZeroMQ frees them, which is how they can be seen at all.)
    while (budget_.held() > 0 && !past_shutdown_deadline())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (const auto held = budget_.held(); held > 0)
        spdlog::warn("shutdown: {} bytes of frames already published were still queued for "
                     "subscribers that did not take them within the grace period",
                     held);
}

void Publisher::close_socket() {
    shutdown(std::chrono::milliseconds(0));
    guard_.stop();
    socket_.close();
}

bool Publisher::past_shutdown_deadline() const {
    return stopping_.load() && std::chrono::steady_clock::now() > deadline_.load();
}

void Publisher::run() {
    std::size_t lost_at_shutdown = 0;
    // Taken from the shared queue all at once: one lock for the lot, not one per message.
    std::deque<OutgoingMessage> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // Idle, ZeroMQ's commands are processed at each wake-up; right after a peer went,
            // often, so that its pipe and the frames it held go at once.
            const auto idle_wait =
                settling_ > 0 ? std::chrono::milliseconds(1) : std::chrono::milliseconds(100);
            if (settling_ > 0)
                --settling_;
            wake_.wait_for(lock, idle_wait,
                           [this] { return !queue_.empty() || stopping_.load() || settle_now_; });
            settle_now_ = false;
            batch.swap(queue_);
        }
        if (batch.empty()) {
            if (stopping_.load())
                break;
            drain_subscriptions();
            continue;
        }
        for (; !batch.empty(); batch.pop_front()) {
            auto& message = batch.front();
            if (past_shutdown_deadline()) {
                ++lost_at_shutdown;
                account(message, Fate::lost, false);
                continue;
            }
            drain_subscriptions_now_and_then();
            prepare(message);
            const bool may_wait =
                delivery_ == Delivery::lossless || message.kind != OutgoingMessage::Kind::frame;
            // Counted as sent before the hand-off: a subscriber that has the frame must never
            // find it missing from a status or `stop` reply taken a moment later.
            count_sent(message);
            const bool sent = send(message, may_wait);
            // A frame refused in drop delivery is a drop; anything else not sent (a start or
            // end past its patience, the shutdown deadline) is a loss.
            const auto fate = sent ? Fate::sent
                              : message.kind == OutgoingMessage::Kind::frame &&
                                      delivery_ == Delivery::drop && !past_shutdown_deadline()
                                  ? Fate::dropped
                                  : Fate::lost;
            account(message, fate, true);
        }
    }
    if (lost_at_shutdown > 0)
        spdlog::warn("shutdown: {} queued messages were not sent: subscribers did not take "
                     "them within the grace period",
                     lost_at_shutdown);
}

void Publisher::prepare(OutgoingMessage& message) {
    if (message.kind == OutgoingMessage::Kind::start && message.counters)
        message.counters->reset_run();
    if (message.kind == OutgoingMessage::Kind::end && message.end) {
        auto& end = *message.end;
        if (message.counters) {
            end.frames = message.counters->frames.load();
            end.last_index = message.counters->last_index.load();
        }
        end.envelope.time = unix_time_now();
        message.header = proto::encode_header(end);
    }
}

void Publisher::count_sent(const OutgoingMessage& message) {
    if (!message.counters || message.kind != OutgoingMessage::Kind::frame)
        return;
    auto& counters = *message.counters;
    counters.frames.fetch_add(1);
    counters.bytes.fetch_add(message.payload_bytes);
    if (message.readable_at != std::chrono::steady_clock::time_point{})
        counters.readable_to_sent.observe(std::chrono::steady_clock::now() - message.readable_at);
}

// Settles a message once ZeroMQ took it or it was given up; a frame given up after
// count_sent() moves from `frames` to `dropped`.
void Publisher::account(const OutgoingMessage& message, Fate fate, bool counted) {
    if (message.charge > 0)
        budget_.release(message.charge);
    if (!message.counters)
        return;
    auto& counters = *message.counters;
    if (fate == Fate::dropped)
        counters.dropped.fetch_add(1);
    else if (fate == Fate::lost)
        counters.lost.fetch_add(1);
    switch (message.kind) {
    case OutgoingMessage::Kind::frame:
        if (fate == Fate::sent) {
            counters.last_index.store(message.index);
            counters.frames_total.fetch_add(1);
            counters.bytes_total.fetch_add(message.payload_bytes);
        } else if (counted) {
            counters.frames.fetch_sub(1);
            counters.bytes.fetch_sub(message.payload_bytes);
        }
        break;
    case OutgoingMessage::Kind::end:
        if (message.on_end && message.end)
            message.on_end(*message.end);
        if (message.end)
            counters.runs_by_reason[static_cast<std::size_t>(message.end->reason)].fetch_add(1);
        counters.runs_ended.fetch_add(1);
        break;
    default:
        break;
    }
}

// Sends the parts in order. With XPUB_NODROP only the first part can be refused (the pipe
// limit counts whole messages), but every part is retried the same way to be safe.
bool Publisher::send(OutgoingMessage& message, bool may_wait) {
    try {
        return send_parts(message, may_wait);
    } catch (const zmq::error_t& error) {
        // Not EAGAIN (that is a full pipe, handled in send_parts): the message cannot go, but
        // the publisher must go on for every other watch.
        spdlog::error("{}: not sent: {}", message.topic, error.what());
        return false;
    }
}

bool Publisher::send_parts(OutgoingMessage& message, bool may_wait) {
    const auto started = std::chrono::steady_clock::now();
    auto backoff = std::chrono::duration_cast<std::chrono::microseconds>(first_backoff);
    const std::size_t total_parts = 2 + message.payload.size();
    std::size_t part = 0;

    auto part_message = [&](std::size_t i) -> zmq::message_t {
        if (i == 0)
            return zmq::message_t(message.topic.data(), message.topic.size());
        if (i == 1)
            return zmq::message_t(message.header.data(), message.header.size());
        return std::move(message.payload[i - 2]);
    };

    zmq::message_t current = part_message(0);
    while (part < total_parts) {
        const auto flags =
            zmq::send_flags::dontwait |
            (part + 1 < total_parts ? zmq::send_flags::sndmore : zmq::send_flags::none);
        if (socket_.send(current, flags)) {
            ++part;
            backoff = first_backoff;
            if (part < total_parts)
                current = part_message(part);
            continue;
        }
        // Would block: a subscriber's pipe is full.
        const auto now = std::chrono::steady_clock::now();
        bool give_up = !may_wait && part == 0;
        if (part == 0 && delivery_ == Delivery::drop &&
            message.kind != OutgoingMessage::Kind::frame)
            // A heartbeat is worth nothing late: the next one is due soon anyway.
            give_up = message.kind == OutgoingMessage::Kind::heartbeat ||
                      now - started > control_message_patience;
        if (part == 0 && past_shutdown_deadline())
            give_up = true;
        if (give_up) {
            if (message.kind != OutgoingMessage::Kind::frame)
                spdlog::warn("{}: not sent, a subscriber's queue stayed full", message.topic);
            return false;
        }
        drain_subscriptions();
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2,
                           std::chrono::duration_cast<std::chrono::microseconds>(max_backoff));
    }
    return true;
}

// Reading the socket costs a system call or two, so while messages stream it is done every
// few milliseconds rather than once per message.
void Publisher::drain_subscriptions_now_and_then() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_drain_ > std::chrono::milliseconds(10))
        drain_subscriptions();
}

// XPUB hands subscription changes up as messages; they are only logged, but must be read or
// they pile up.
void Publisher::drain_subscriptions() {
    last_drain_ = std::chrono::steady_clock::now();
    zmq::message_t subscription;
    while (socket_.recv(subscription, zmq::recv_flags::dontwait)) {
        if (subscription.size() >= 1) {
            const auto* bytes = static_cast<const char*>(subscription.data());
            spdlog::debug("{} \"{}\"", bytes[0] == 1 ? "subscribe" : "unsubscribe",
                          std::string(bytes + 1, subscription.size() - 1));
        }
    }
}

} // namespace swmrd::daemon
