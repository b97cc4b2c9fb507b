#include "delivery/peer_guard.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace swmrd::daemon::peers {

namespace {

double unix_seconds(std::chrono::system_clock::time_point time) {
    return std::chrono::duration<double>(time.time_since_epoch()).count();
}

std::string seconds_text(std::chrono::steady_clock::duration duration) {
    return fmt::format("{:.2f} s", std::chrono::duration<double>(duration).count());
}

// How often peers are looked at while the budget is crowded.
constexpr std::chrono::milliseconds crowded_tick{5};
// A queue looked at less often than this has no known history.
constexpr std::chrono::milliseconds continuous_looks{4 * crowded_tick};
// A peer that took this much lately was consuming a stream, not idling on heartbeats.
constexpr double consuming_bytes = 64 * 1024;
constexpr std::chrono::milliseconds recent{250};
// How long a peer's bytes must have waited before a share cut takes it.
constexpr std::chrono::milliseconds culprit_patience{50};
// A peer that connected since the last share cut, and less than this long ago, is likely
// the one cut, reconnecting: it takes the first frames it is sent at once, while one that
// keeps up may be paused for a moment on a busy host, so its empty queue says nothing of who
// holds the others back. (Before any share cut, a newly connected subscriber counts at once:
// a scan that starts just after its subscribers connect is not held back.)
constexpr std::chrono::milliseconds settled_connection{1000};

} // namespace

const char* name_of(CutReason reason) noexcept {
    switch (reason) {
    case CutReason::stalled:
        return "stalled";
    case CutReason::share:
        return "share";
    case CutReason::max_connections:
        return "max_connections";
    }
    return "stalled";
}

PeerGuard::PeerGuard(zmq::context_t& context, zmq::socket_t& guarded, GuardOptions options)
    : monitor_(context, zmq::socket_type::pair), options_(std::move(options)),
      // Checked a few times per peer_timeout, and often enough that a cut comes within a
      // small part of it.
      tick_(std::clamp(options_.peer_timeout / 10, std::chrono::milliseconds(10),
                       std::chrono::milliseconds(100))),
      // A queue holding the others back goes far sooner than peer_timeout: a reader waiting
      // and a peer with nothing left to take, both for 20 ms, are not a passing moment (a
      // peer that keeps up takes bytes every few microseconds while it is sent any).
      crowded_patience_(std::min(options_.peer_timeout, std::chrono::milliseconds(20))) {
    static std::atomic<int> instances{0};
    const auto endpoint = "inproc://swmrd-peers-" + std::to_string(instances++);
    if (zmq_socket_monitor(guarded.handle(), endpoint.c_str(),
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        throw std::runtime_error("cannot watch the connections of the " + options_.channel +
                                 " endpoint: " + zmq_strerror(zmq_errno()));
    monitor_.connect(endpoint);
    thread_ = std::thread([this] { run(); });
}

PeerGuard::~PeerGuard() {
    stop();
}

void PeerGuard::stop() {
    stopping_.store(true);
    if (thread_.joinable())
        thread_.join();
    std::lock_guard lock(mutex_);
    peers_.clear(); // and our duplicates of their descriptors with them
    if (monitor_.handle())
        monitor_.close();
}

std::uint64_t PeerGuard::cuts() const noexcept {
    std::uint64_t total = 0;
    for (const auto& count : cuts_)
        total += count.load();
    return total;
}

std::vector<PeerView> PeerGuard::peers() const {
    std::lock_guard lock(mutex_);
    std::vector<PeerView> views;
    views.reserve(peers_.size());
    for (const auto& [zmq_fd, peer] : peers_) {
        if (peer.cut)
            continue;
        PeerView view;
        view.channel = options_.channel;
        view.address = peer.address;
        view.endpoint = peer.endpoint;
        view.since = unix_seconds(peer.since);
        view.queued = peer.last.queued;
        view.progress = unix_seconds(peer.took);
        views.push_back(std::move(view));
    }
    return views;
}

void PeerGuard::run() {
    auto next_check = Clock::now() + tick_;
    while (!stopping_.load()) {
        zmq::pollitem_t item{monitor_.handle(), 0, ZMQ_POLLIN, 0};
        auto wait = std::max(
            std::chrono::duration_cast<std::chrono::milliseconds>(next_check - Clock::now()),
            std::chrono::milliseconds(0));
        // Crowding is looked at every few milliseconds (a load of a counter): a stalled peer
        // must not hold the reader for a whole tick before it is judged.
        if (options_.crowded)
            wait = std::min(wait, crowded_tick);
        try {
            zmq::poll(&item, 1, wait);
            if (item.revents & ZMQ_POLLIN)
                read_events();
        } catch (const zmq::error_t& error) {
            if (error.num() == ETERM)
                return;
            spdlog::warn("{} connections: {}", options_.channel, error.what());
        }
        if (Clock::now() >= next_check || (options_.crowded && options_.crowded())) {
            // While the budget is crowded, a stalled peer must go within a few milliseconds.
            const bool crowded = check_progress();
            next_check = Clock::now() + (crowded ? crowded_tick : tick_);
        }
    }
}

void PeerGuard::read_events() {
    zmq::message_t event;
    while (monitor_.recv(event, zmq::recv_flags::dontwait)) {
        std::uint16_t id = 0;
        std::uint32_t value = 0;
        if (event.size() >= sizeof id + sizeof value) {
            std::memcpy(&id, event.data(), sizeof id);
            std::memcpy(&value, static_cast<const char*>(event.data()) + sizeof id, sizeof value);
        }
        zmq::message_t address;
        if (event.more())
            (void)monitor_.recv(address, zmq::recv_flags::dontwait);
        if (id == ZMQ_EVENT_ACCEPTED)
            admit(static_cast<int>(value), address.to_string());
        else if (id == ZMQ_EVENT_DISCONNECTED)
            forget(static_cast<int>(value));
    }
}

void PeerGuard::admit(int zmq_fd, const std::string& endpoint) {
    accepted_.fetch_add(1);
    // Events come late: the number may already be closed, or reused. A duplicate that is not
    // a stream socket of this endpoint's port is not our peer; the disconnection event that
    // must follow settles the count.
    UniqueFd duplicate(::fcntl(zmq_fd, F_DUPFD_CLOEXEC, 0));
    if (!duplicate)
        return;
    const int own_fd = duplicate.get();
    const auto port = endpoint_port(endpoint);
    const auto transport = transport_of(own_fd);
    if (!transport || (port != 0 && local_port(own_fd) != port))
        return;
    Peer peer;
    peer.own_fd = std::move(duplicate);
    peer.transport = *transport;
    peer.address = peer_address(own_fd);
    peer.endpoint = endpoint;
    peer.since = peer.took = std::chrono::system_clock::now();
    peer.idle_since = peer.connected_at = Clock::now();
    // The kernel's own limit is a backstop, later than ours: a cut is then always ours, and
    // counted.
    set_user_timeout(own_fd, 2 * options_.peer_timeout + std::chrono::seconds(1));
    std::size_t on_endpoint = 0;
    std::lock_guard lock(mutex_);
    for (const auto& [fd, other] : peers_)
        on_endpoint += !other.cut && other.endpoint == endpoint;
    if (auto old = peers_.find(zmq_fd); old != peers_.end()) // its disconnection was lost
        peers_.erase(old);
    auto& admitted = peers_[zmq_fd] = std::move(peer);
    spdlog::debug("{}: {} connected to {}", options_.channel, admitted.address, endpoint);
    if (on_endpoint >= options_.max_connections)
        cut(admitted, CutReason::max_connections,
            fmt::format("{} connections on {} already, the most max_connections allows",
                        on_endpoint, endpoint));
}

void PeerGuard::forget(int zmq_fd) {
    disconnected_.fetch_add(1);
    std::lock_guard lock(mutex_);
    auto found = peers_.find(zmq_fd);
    if (found == peers_.end())
        return;
    spdlog::debug("{}: {} disconnected", options_.channel, found->second.address);
    peers_.erase(found);
    if (options_.on_disconnect)
        options_.on_disconnect();
}

bool PeerGuard::check_progress() {
    const auto now = Clock::now();
    const bool crowded = options_.crowded && options_.crowded();
    std::lock_guard lock(mutex_);
    for (auto& [zmq_fd, peer] : peers_) {
        if (peer.cut)
            continue;
        const auto progress = read_progress(peer.own_fd.get(), peer.transport);
        if (!progress) {
            if (!peer.unreadable)
                spdlog::debug("{}: {}: its connection's state cannot be read", options_.channel,
                              peer.address);
            peer.unreadable = true;
            continue;
        }
        const bool took = progress->acknowledged ? *progress->acknowledged != peer.last.acknowledged
                                                 : progress->queued < peer.last.queued;
        if (took)
            peer.took = std::chrono::system_clock::now();
        if (crowded)
            note_queue(peer, *progress, now);
        if (took || progress->queued == 0)
            peer.idle_since = now;
        peer.last = *progress;
        const auto idle = now - peer.idle_since;
        // Said once per stall, half way to the cut: who is holding bytes, and since when.
        const bool halfway = idle >= options_.peer_timeout / 2;
        if (halfway && !peer.said_idle)
            spdlog::debug("{}: {} took none of the {} bytes waiting for it for {}",
                          options_.channel, peer.address, progress->queued, seconds_text(idle));
        peer.said_idle = halfway;
        if (idle >= options_.peer_timeout)
            cut(peer, CutReason::stalled,
                fmt::format("took none of the {} bytes waiting for it for {} (peer_timeout)",
                            progress->queued, seconds_text(idle)));
    }
    if (crowded)
        cut_crowding(now);
    return crowded;
}

void PeerGuard::note_queue(Peer& peer, const SocketProgress& progress, Clock::time_point now) {
    double taken = 0.0;
    if (progress.acknowledged && peer.last.acknowledged)
        taken = static_cast<double>(*progress.acknowledged - *peer.last.acknowledged);
    else if (!progress.acknowledged && progress.queued < peer.last.queued)
        taken = static_cast<double>(peer.last.queued - progress.queued);
    const double elapsed = std::chrono::duration<double>(now - peer.looked_at).count();
    peer.recent_bytes =
        peer.recent_bytes * std::exp(-elapsed / std::chrono::duration<double>(recent).count()) +
        taken;
    const bool waiting = progress.queued > 0;
    if (waiting != peer.waiting || now - peer.looked_at > continuous_looks)
        peer.waiting_changed = now;
    peer.waiting = waiting;
    peer.looked_at = now;
}

// Independent delivery. A reader that has waited for room for a while, while a peer that
// was consuming the stream has had nothing left to take, is held back by bytes that other
// peers' pipes hold: the one that has had bytes waiting the longest (a stalled peer, or one
// lagging behind at any pace) goes, and its pipe's frames with it. When every peer has bytes
// waiting, the readers wait for all of them alike and nobody is held back by another: none
// goes (peer_timeout still judges the stalled).
void PeerGuard::cut_crowding(Clock::time_point now) {
    const auto waiting_since =
        options_.reader_waiting_since ? options_.reader_waiting_since() : std::nullopt;
    if (!waiting_since || now - *waiting_since < crowded_patience_ ||
        now - last_share_cut_ < crowded_patience_)
        return;
    Peer* culprit = nullptr;
    for (auto& [zmq_fd, peer] : peers_)
        if (!peer.cut && peer.waiting && now - peer.waiting_changed >= crowded_patience_ &&
            (!culprit || peer.waiting_changed < culprit->waiting_changed))
            culprit = &peer;
    // A subscriber that keeps up but paused (descheduled on a busy host, a collector's pause)
    // has had bytes waiting for a moment only; one stopped or lagging has had them since
    // before the budget filled. Its bytes must have waited longer than the others starved.
    if (!culprit || now - culprit->waiting_changed < culprit_patience)
        return;
    // Held back by it: a peer that consumed the stream and has nothing left to take, and
    // that was connected before the culprit's bytes began to wait (and, if it came after the
    // last share cut, a while before). One that joined since was only ever sent the newest
    // frames (a subscriber just cut and reconnecting, say): its empty queue says nothing of
    // who holds the others back.
    const Peer* held_back = nullptr;
    for (const auto& [zmq_fd, peer] : peers_)
        if (!peer.cut && !peer.waiting && now - peer.waiting_changed >= crowded_patience_ &&
            peer.recent_bytes >= consuming_bytes && peer.connected_at <= culprit->waiting_changed &&
            (last_share_cut_ == Clock::time_point{} || peer.connected_at <= last_share_cut_ ||
             now - peer.connected_at >= settled_connection))
            held_back = &peer;
    if (!held_back)
        return;
    last_share_cut_ = now;
    cut(*culprit, CutReason::share,
        fmt::format("had bytes waiting for it for {} ({} in the kernel's queue) while {} had "
                    "taken all it was sent and a reader waited {} for room: its queue crowded "
                    "max_inflight",
                    seconds_text(now - culprit->waiting_changed), culprit->last.queued,
                    held_back->address, seconds_text(now - *waiting_since)));
}

void PeerGuard::cut(Peer& peer, CutReason reason, const std::string& why) {
    peers::cut(peer.own_fd.get());
    peer.cut = true;
    if (options_.on_disconnect)
        options_.on_disconnect();
    cuts_[static_cast<std::size_t>(reason)].fetch_add(1);
    if (reason != CutReason::max_connections) {
        spdlog::warn("{}: disconnected {} ({}): it {}", options_.channel, peer.address,
                     peer.endpoint, why);
        return;
    }
    // A client past the limit reconnects every 100 ms or so: one line a second says enough.
    ++refusals_unlogged_;
    const auto now = Clock::now();
    if (now - last_refusal_log_ < std::chrono::seconds(1))
        return;
    spdlog::warn("{}: refused {} connection(s), the last from {}: {}", options_.channel,
                 refusals_unlogged_, peer.address, why);
    refusals_unlogged_ = 0;
    last_refusal_log_ = now;
}

void set_peer_timeout(zmq::socket_t& socket, std::chrono::milliseconds peer_timeout) {
    const auto timeout =
        static_cast<int>(std::clamp<std::int64_t>(peer_timeout.count(), 1, 1 << 30));
    socket.set(zmq::sockopt::heartbeat_ivl, std::max(timeout / 3, 1));
    const auto backstop = static_cast<int>(std::min<std::int64_t>(2ll * timeout, 1 << 30));
    socket.set(zmq::sockopt::heartbeat_timeout, backstop);
    socket.set(zmq::sockopt::heartbeat_ttl, backstop);
}

} // namespace swmrd::daemon::peers
