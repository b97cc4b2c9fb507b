#pragma once
// The HTTP endpoint (docs/protocol.md, "HTTP"): /metrics, /api/v1/… and the live view,
// read-only.
//
// libmicrohttpd serves it: one thread reads and writes every connection without blocking, so
// a client that sends its request a byte at a time, or reads its answer slowly, holds a
// connection slot and nothing else; pipelined requests are answered in turn; a request that
// cannot be parsed gets 400 and its connection closes. Connections are bounded per endpoint
// and per client address (connection_limits.hpp), and idle ones close after 5 s. Answers are
// computed by a few request workers (request_workers.hpp), while their connection is suspended;
// everything shown of the daemon's state is asked of the control loop with a deadline, so no client
// ever holds the control loop or a watch.

#include "base/control_loop_calls.hpp"
#include "http/connection_limits.hpp"
#include "http/daemon_figures.hpp"
#include "http/http_exchange.hpp"
#include "http/latest_frame.hpp"
#include "http/request_workers.hpp"
#include "runs/run_registry.hpp"

#include <swmrd/config/daemon_config.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

struct MHD_Daemon;
struct MHD_Connection;

namespace swmrd::daemon {

// How the endpoint reaches the daemon. `control` and `figures` run on the control loop.
struct DaemonAccess {
    ControlLoopCalls& calls;
    std::function<std::string(const std::string& encoded_request)> control;
    std::function<DaemonFigures()> figures;
    RunRegistry& runs;
    // What the live view's latest frames may hold, read and kept (a share of max_inflight).
    std::uint64_t latest_bytes = 64ull << 20;
    std::size_t max_connections = 1024;
};

class HttpServer {
public:
    // Binds `address` (throws std::runtime_error naming it) and starts serving.
    HttpServer(const config::HttpAddress& address, DaemonAccess access);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // host:port as bound (the port chosen when the config gave 0).
    const std::string& bound_address() const noexcept { return bound_; }
    // Stops accepting and waits for the answers being computed until `deadline`; false if
    // one is still stuck then (a latest-frame read behind a filesystem that stopped
    // answering), in which case the server is let go rather than freed under it.
    bool stop(std::chrono::steady_clock::time_point deadline =
                  std::chrono::steady_clock::time_point::max());

    // Connections open now, refused at the limits, and requests answered 503 because every
    // worker was busy and their queue full.
    HttpFigures figures() const noexcept {
        return {true, limits_.open(), limits_.refused(), refused_busy_.load()};
    }

private:
    friend struct HttpServerCallbacks; // libmicrohttpd's entry points
    struct Exchange;
    void add_routes();
    // A request whose headers have arrived: false when it must be answered 503 at once.
    bool hand_to_worker(MHD_Connection* connection, Exchange& exchange);

    DaemonAccess access_;
    LatestFrames latest_;
    HttpRoutes routes_;
    ConnectionLimits limits_;
    std::unique_ptr<RequestWorkers> workers_;
    MHD_Daemon* server_ = nullptr;
    std::string bound_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> refused_busy_{0};
};

} // namespace swmrd::daemon
