#pragma once
// swmrd itself: binds the sockets, starts the config watches, and runs the event loop that
// answers control requests, sends heartbeats, pings systemd's watchdog and handles signals.

#include "base/control_loop_calls.hpp"
#include "base/inflight_budget.hpp"
#include "control/control_handler.hpp"
#include "delivery/publisher.hpp"
#include "fetch/fetch_server.hpp"
#include "http/http_server.hpp"
#include "service/signals.hpp"
#include "watch/watch_manager.hpp"

#include <swmrd/config/daemon_config.hpp>

#include <zmq.hpp>

#include <memory>
#include <optional>
#include <string>

namespace swmrd::daemon {

struct DaemonOptions {
    std::string config_path;
    std::optional<std::string> log_level;      // overrides the config's
    std::optional<std::string> endpoints_file; // where to write the bound endpoints
};

class Daemon {
public:
    // Binds every socket and starts the config watches; throws when an endpoint cannot be
    // bound (the message names it).
    Daemon(config::DaemonConfig config, DaemonOptions options);
    ~Daemon();

    // Runs until SIGTERM or SIGINT; every run then ends with `shutdown`. Returns the exit code.
    int run();

private:
    // The connection guards of the publish channel and, when configured, the fetch channel.
    std::vector<const peers::PeerGuard*> guards() const;
    void serve_control();
    void send_heartbeat();
    void reload();
    void write_endpoints_file() const;
    void start_http();
    DaemonFigures figures() const;
    // The `peers` reply: every connected subscriber and fetch client.
    proto::PeersReply peers() const;

    config::DaemonConfig config_;
    DaemonOptions options_;
    const std::string instance_id_;
    std::uint64_t heartbeat_seq_ = 0;
    // Declared first so it outlives ZeroMQ: buffers still in ZeroMQ's pipes when the
    // context closes are freed into it.
    InflightBudget budget_;
    InflightBudget fetch_budget_;
    RunRegistry runs_;
    [[noreturn]] void exit_past_stuck_threads(bool fetch_ended);
    const double start_time_;

    zmq::context_t context_;
    Publisher publisher_;
    std::unique_ptr<FetchServer> fetch_; // none when `fetch` is off
    zmq::socket_t control_;
    std::string control_endpoint_;
    SignalFd signals_;
    WatchManager watches_;
    ControlHandler handler_;
    ControlLoopCalls calls_;
    std::unique_ptr<HttpServer> http_; // none when `http` is off; declared last, stopped first
};

} // namespace swmrd::daemon
