#include "service/daemon.hpp"
#include "base/bounded_join.hpp"
#include "base/wall_clock.hpp"

#include "base/logging.hpp"
#include "base/run_id.hpp"
#include "reader/confinement.hpp"
#include "service/systemd_notify.hpp"
#include "version.hpp"

#include <swmrd/config/config_error.hpp>
#include <swmrd/proto/messages.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

namespace swmrd::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// How long queued messages may still go out after SIGTERM before the sockets close.
constexpr std::chrono::milliseconds shutdown_grace{2000};
// How long shutdown waits for the watches' threads to end their runs. With the grace above
// it stays well inside the systemd unit's TimeoutStopSec (15 s).
constexpr std::chrono::milliseconds watch_stop_patience{5000};
// The control socket refuses (by disconnecting) anything above this; up to it, requests over
// 1 MiB get a bad_request reply.
constexpr std::int64_t max_control_message = 4ll << 20;
// Requests queued in the control socket, at most: a client that sends request after request
// without reading the replies cannot make the daemon buffer more than this many.
constexpr int control_queue = 16;

// With a fetch channel, fetches hold at most a quarter of max_inflight, the live view's
// latest frames an eighth with HTTP, the live stream the rest: together they stay within it.
std::uint64_t fetch_share(const config::DaemonConfig& config) {
    return config.fetch ? std::max<std::uint64_t>(config.max_inflight / 4, 1) : 0;
}

// Descriptors each watch holds: its stop eventfd, its reader's socket and shared memory,
// and room for a reader being replaced (inotify is one instance for all watches); and those
// kept for everything else (control, publish, fetch and its readers, HTTP connections, the
// log, inotify).
constexpr std::uint64_t descriptors_per_watch = 4;
constexpr std::uint64_t descriptors_kept = 256;

// Raises the soft descriptor limit to the hard one, and returns `max_watches` lowered to what
// that limit allows, saying so: a watch past it would fail to open its files, and control to
// answer.
std::size_t watches_within_descriptors(std::uint64_t max_watches) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return static_cast<std::size_t>(max_watches);
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    const auto available = limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
    const auto allowed = available > descriptors_kept
                             ? (available - descriptors_kept) / descriptors_per_watch
                             : std::uint64_t{1};
    if (allowed >= max_watches)
        return static_cast<std::size_t>(max_watches);
    spdlog::warn("max_watches {} lowered to {}: the descriptor limit is {} (ulimit -n; "
                 "LimitNOFILE= in the unit) and each watch needs {}",
                 max_watches, allowed, available, descriptors_per_watch);
    return static_cast<std::size_t>(std::max<std::uint64_t>(allowed, 1));
}

// With the HTTP endpoint, the live view's latest frames hold at most an eighth of it.
std::uint64_t latest_share(const config::DaemonConfig& config) {
    return config.http ? std::max<std::uint64_t>(config.max_inflight / 8, 1) : 0;
}

std::chrono::milliseconds peer_timeout_of(const config::DaemonConfig& config) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(config.peer_timeout);
}

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0)
        return "unknown";
    return name;
}

} // namespace

Daemon::Daemon(config::DaemonConfig config, DaemonOptions options)
    : config_(std::move(config)), options_(std::move(options)), instance_id_(new_run_id()),
      budget_(std::max<std::uint64_t>(
          config_.max_inflight -
              std::min(config_.max_inflight, fetch_share(config_) + latest_share(config_)),
          1)),
      fetch_budget_(fetch_share(config_)), runs_(config_.history), start_time_(unix_time_now()),
      context_(1), publisher_(context_, config_.publish, config_.delivery, budget_,
                              peer_timeout_of(config_), config_.max_connections),
      control_(context_, zmq::socket_type::rep),
      watches_(publisher_, budget_, config_.delivery, config_.max_message, runs_,
               watches_within_descriptors(config_.max_watches)),
      handler_(watches_, runs_, config_.allowed_roots) {
    control_.set(zmq::sockopt::maxmsgsize, max_control_message);
    control_.set(zmq::sockopt::rcvhwm, control_queue);
    control_.set(zmq::sockopt::linger, 0);
    try {
        control_.bind(config_.control);
    } catch (const zmq::error_t& error) {
        throw std::runtime_error("cannot bind the control endpoint " + config_.control + ": " +
                                 error.what());
    }
    control_endpoint_ = control_.get(zmq::sockopt::last_endpoint);
    if (config_.fetch) {
        try {
            fetch_ = std::make_unique<FetchServer>(
                context_, *config_.fetch, runs_, fetch_budget_, peer_timeout_of(config_),
                config_.max_message,
                std::chrono::duration_cast<std::chrono::milliseconds>(config_.max_wait),
                config_.max_connections);
        } catch (const zmq::error_t& error) {
            throw std::runtime_error("cannot bind the fetch endpoint " + *config_.fetch + ": " +
                                     error.what());
        }
    }
    spdlog::info("swmrd {} (protocol {}) instance {}", swmrd_version, proto::protocol_version,
                 instance_id_);
    spdlog::info("control on {}", control_endpoint_);
    for (const auto& endpoint : publisher_.bound_endpoints())
        spdlog::info("publishing on {}", endpoint);
    if (fetch_)
        spdlog::info("fetch on {}", fetch_->bound_endpoint());
    start_http();
    // Where a watch's reads run (docs/architecture.md, "Reader processes").
    if (reader::landlock_abi() > 0)
        spdlog::info("reader processes are confined with Landlock (ABI {})",
                     reader::landlock_abi());
    else
        spdlog::warn("Landlock is not available (or SWMRD_DISABLE_LANDLOCK is set): reader "
                     "processes are not confined, and watches started by control read no file "
                     "but their own (no virtual datasets, external links or external storage "
                     "to other files)");
    std::vector<std::string> features{std::string("confinement:") + reader::confinement_name()};
    if (fetch_)
        features.emplace_back("fetch");
    if (http_)
        features.emplace_back("http");
    handler_.set_features(std::move(features));
    handler_.set_peers([this] { return peers(); });
    spdlog::info("delivery {}, max_inflight {}, peer_timeout {}, history {}",
                 config::delivery_name(config_.delivery), config::format_size(config_.max_inflight),
                 config::format_duration(config_.peer_timeout), config_.history);
    watches_.apply_config(config_.watches);
    if (options_.endpoints_file)
        write_endpoints_file();
}

Daemon::~Daemon() = default;

void Daemon::write_endpoints_file() const {
    // Written whole and renamed into place, so a reader never sees half of it.
    const auto& path = *options_.endpoints_file;
    const auto partial = path + ".partial";
    {
        std::ofstream out(partial);
        out << "control " << control_endpoint_ << "\n";
        for (const auto& endpoint : publisher_.bound_endpoints())
            out << "publish " << endpoint << "\n";
        if (fetch_)
            out << "fetch " << fetch_->bound_endpoint() << "\n";
        if (http_)
            out << "http " << http_->bound_address() << "\n";
    }
    std::filesystem::rename(partial, path);
}

void Daemon::start_http() {
    if (!config_.http)
        return;
    DaemonAccess access{
        calls_,
        [this](const std::string& request) {
            return handler_.handle(request.data(), request.size());
        },
        [this] { return figures(); },
        runs_,
        latest_share(config_),
        config_.max_connections,
    };
    http_ = std::make_unique<HttpServer>(*config_.http, std::move(access));
    spdlog::info("http on {}: metrics at /metrics, the live view at http://{}/",
                 http_->bound_address(), http_->bound_address());
}

int Daemon::run() {
    notify_ready("watching " + std::to_string(watches_.names().size()) + " watches");
    const auto heartbeat_period = [this] {
        return std::chrono::duration_cast<Clock::duration>(config_.heartbeat);
    };
    auto next_heartbeat = Clock::now();
    const auto watchdog = watchdog_interval();
    auto next_watchdog = Clock::now();

    bool stopping = false;
    while (!stopping) {
        const auto now = Clock::now();
        if (now >= next_heartbeat) {
            send_heartbeat();
            next_heartbeat = now + heartbeat_period();
        }
        if (watchdog && now >= next_watchdog) {
            notify_watchdog();
            next_watchdog = now + *watchdog;
        }
        auto wake = next_heartbeat;
        if (watchdog)
            wake = std::min(wake, next_watchdog);
        const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now);

        zmq::pollitem_t items[] = {
            {control_.handle(), 0, ZMQ_POLLIN, 0},
            {nullptr, signals_.fd(), ZMQ_POLLIN, 0},
            {nullptr, calls_.fd(), ZMQ_POLLIN, 0},
        };
        zmq::poll(items, 3, std::max(timeout, std::chrono::milliseconds(0)));
        if (items[2].revents & ZMQ_POLLIN)
            calls_.run_pending();

        if (items[1].revents & ZMQ_POLLIN) {
            while (const int signal = signals_.read_pending()) {
                if (signal == SIGHUP) {
                    reload();
                } else {
                    spdlog::info("{} received: shutting down",
                                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
                    stopping = true;
                }
            }
        }
        if (!stopping && (items[0].revents & ZMQ_POLLIN))
            serve_control();
    }

    notify_stopping();
    // First, so that no request waits on a control loop that no longer answers.
    const bool http_ended = !http_ || http_->stop(Clock::now() + watch_stop_patience);
    const auto stuck = watches_.shutdown(std::chrono::steady_clock::now() + watch_stop_patience);
    // A read that never returns (a filesystem that stopped answering) holds HDF5's global
    // lock, so every watch reading HDF5 at that moment is stuck behind it. Their runs are
    // ended on their behalf: waiting longer would only get the daemon killed by systemd with
    // no end sent at all.
    std::string names;
    for (const auto& watch : stuck)
        names += (names.empty() ? "" : ", ") + watch->spec().name;
    if (!stuck.empty())
        spdlog::error("watch(es) {} still stuck in a read: their runs are ended on their behalf",
                      names);
    for (const auto& watch : stuck)
        watch->end_stuck_run("the daemon stopped while this watch was stuck in a read (its "
                             "filesystem stopped answering, or HDF5 was held by a read "
                             "that had)");
    const bool fetch_ended =
        !fetch_ || fetch_->stop(std::chrono::steady_clock::now() + watch_stop_patience);
    publisher_.shutdown(shutdown_grace);
    if (!stuck.empty() || !fetch_ended || !http_ended) {
        // Their threads cannot be joined, nor HDF5 closed (its lock is held): exit past them.
        // The kernel ends the process once the stuck read returns or its mount is aborted.
        spdlog::error("stopped with {} still stuck in a read",
                      !stuck.empty() ? "watch(es) " + names
                      : !fetch_ended ? std::string("the fetch channel")
                                     : std::string("the http endpoint"));
        exit_past_stuck_threads(fetch_ended);
    }
    spdlog::info("stopped");
    return 0;
}

// Threads stuck in a read cannot be joined, and HDF5 cannot be closed while one holds its
// lock, so the process exits without running destructors or atexit handlers (HDF5's would
// wait for that lock). ZeroMQ's sockets are closed first and its context terminated, within
// a bound, so that the ends just published leave the host.
void Daemon::exit_past_stuck_threads(bool fetch_ended) {
    publisher_.close_socket();
    control_.close();
    if (fetch_ && fetch_ended)
        fetch_->close_socket();
    auto flushed = std::make_shared<std::atomic<bool>>(false);
    std::thread([this, flushed] {
        context_.close(); // returns once every socket is closed and flushed (or lingered)
        flushed->store(true);
    }).detach();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    wait_until_done(*flushed, deadline);
    // Flushed, not shut down: the stuck threads may still log (TSan caught one doing so while
    // the loggers were being destroyed).
    spdlog::default_logger()->flush();
    std::_Exit(0);
}

void Daemon::serve_control() {
    std::vector<zmq::message_t> parts;
    do {
        zmq::message_t part;
        if (!control_.recv(part, zmq::recv_flags::dontwait))
            return;
        parts.push_back(std::move(part));
    } while (parts.back().more());

    std::string reply;
    if (parts.size() != 1)
        reply = ControlHandler::refuse("a request is one message part holding a map; got " +
                                       std::to_string(parts.size()) + " parts");
    else
        reply = handler_.handle(parts.front().data(), parts.front().size());
    control_.send(zmq::buffer(reply), zmq::send_flags::none);
}

void Daemon::send_heartbeat() {
    proto::HeartbeatHeader heartbeat;
    heartbeat.envelope = {proto::daemon_watch, instance_id_, heartbeat_seq_++, unix_time_now()};
    heartbeat.period = config_.heartbeat.count();
    heartbeat.version = swmrd_version;
    heartbeat.host = host_name();
    heartbeat.watches = watches_.names();
    if (fetch_)
        heartbeat.fetch = fetch_->bound_endpoint();

    OutgoingMessage message;
    message.kind = OutgoingMessage::Kind::heartbeat;
    message.topic = proto::topic_of(proto::daemon_watch, proto::MessageKind::heartbeat);
    message.header = proto::encode_header(heartbeat);
    publisher_.push(std::move(message));
}

void Daemon::reload() {
    spdlog::info("SIGHUP received: reloading {}", options_.config_path);
    notify_reloading();
    try {
        auto fresh = config::load_config(options_.config_path);
        if (fresh.control != config_.control || fresh.publish != config_.publish ||
            fresh.fetch != config_.fetch || fresh.delivery != config_.delivery ||
            fresh.max_inflight != config_.max_inflight ||
            fresh.max_message != config_.max_message || fresh.max_wait != config_.max_wait ||
            fresh.peer_timeout != config_.peer_timeout || fresh.history != config_.history ||
            fresh.max_connections != config_.max_connections)
            spdlog::warn("config reload: control, publish, fetch, delivery, max_inflight, "
                         "max_message, max_wait, peer_timeout, max_connections and history take "
                         "effect at the "
                         "next restart; the running values are kept");
        set_log_level(options_.log_level.value_or(fresh.log.level));
        handler_.set_allowed_roots(fresh.allowed_roots);
        watches_.stop_control_watches_outside(fresh.allowed_roots);
        watches_.apply_config(fresh.watches);
        config_.allowed_roots = fresh.allowed_roots;
        config_.heartbeat = fresh.heartbeat;
        config_.log = fresh.log;
        config_.watches = fresh.watches;
        spdlog::info("config reloaded: {} config watches", fresh.watches.size());
    } catch (const std::exception& error) {
        spdlog::error("config reload failed, the running config is kept: {}", error.what());
    }
    notify_ready("watching " + std::to_string(watches_.names().size()) + " watches");
}

} // namespace swmrd::daemon
