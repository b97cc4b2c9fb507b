#include "daemon.hpp"

#include "logging.hpp"
#include "run_id.hpp"
#include "systemd_notify.hpp"
#include "version.hpp"

#include <swmrd/config/config_error.hpp>
#include <swmrd/proto/messages.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace swmrd::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// How long queued messages may still go out after SIGTERM before the sockets close.
constexpr std::chrono::milliseconds shutdown_grace{2000};
// The control socket refuses (by disconnecting) anything above this; up to it, requests over
// 1 MiB get a bad_request reply.
constexpr std::int64_t max_control_message = 64ll << 20;

Delivery delivery_of(config::Delivery delivery) {
    return delivery == config::Delivery::drop ? Delivery::drop : Delivery::lossless;
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
      budget_(config_.max_inflight), context_(1),
      publisher_(context_, config_.publish, delivery_of(config_.delivery), budget_),
      control_(context_, zmq::socket_type::rep),
      watches_(publisher_, budget_, delivery_of(config_.delivery)),
      handler_(watches_, config_.allowed_roots) {
    control_.set(zmq::sockopt::maxmsgsize, max_control_message);
    control_.set(zmq::sockopt::linger, 0);
    try {
        control_.bind(config_.control);
    } catch (const zmq::error_t& error) {
        throw std::runtime_error("cannot bind the control endpoint " + config_.control + ": " +
                                 error.what());
    }
    control_endpoint_ = control_.get(zmq::sockopt::last_endpoint);
    spdlog::info("swmrd {} (protocol {}) instance {}", swmrd_version, proto::protocol_version,
                 instance_id_);
    spdlog::info("control on {}", control_endpoint_);
    for (const auto& endpoint : publisher_.bound_endpoints())
        spdlog::info("publishing on {}", endpoint);
    spdlog::info("delivery {}, max_inflight {}",
                 config_.delivery == config::Delivery::drop ? "drop" : "lossless",
                 config::format_size(config_.max_inflight));
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
    }
    std::filesystem::rename(partial, path);
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
        };
        zmq::poll(items, 2, std::max(timeout, std::chrono::milliseconds(0)));

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
    watches_.shutdown();
    publisher_.shutdown(shutdown_grace);
    spdlog::info("stopped");
    return 0;
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
    heartbeat.envelope = {"_daemon", instance_id_, heartbeat_seq_++, unix_time_now()};
    heartbeat.period = config_.heartbeat.count();
    heartbeat.version = swmrd_version;
    heartbeat.host = host_name();
    heartbeat.watches = watches_.names();

    OutgoingMessage message;
    message.kind = OutgoingMessage::Kind::heartbeat;
    message.topic = "_daemon/heartbeat";
    message.header = proto::encode_header(heartbeat);
    publisher_.push(std::move(message));
}

void Daemon::reload() {
    spdlog::info("SIGHUP received: reloading {}", options_.config_path);
    notify_reloading();
    try {
        auto fresh = config::load_config(options_.config_path);
        if (fresh.control != config_.control || fresh.publish != config_.publish ||
            fresh.delivery != config_.delivery || fresh.max_inflight != config_.max_inflight)
            spdlog::warn("config reload: control, publish, delivery and max_inflight take "
                         "effect at the next restart; the running values are kept");
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
