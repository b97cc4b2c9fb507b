#pragma once
// The HTTP endpoint (PROTOCOL.md section 6): /metrics, /api/v1/… and the live view, read-only.
// cpp-httplib serves it on a few threads of its own with bounded requests, connections and
// timeouts; everything it shows of the daemon's state it asks the control loop for (with a
// deadline), so a slow or hostile client never holds the control loop or a watch.

#include "control_loop_calls.hpp"
#include "http/daemon_figures.hpp"
#include "http/latest_frame.hpp"
#include "run_registry.hpp"

#include <swmrd/config/daemon_config.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace swmrd::daemon {

// How the endpoint reaches the daemon. `control` and `figures` run on the control loop.
struct DaemonAccess {
    ControlLoopCalls& calls;
    std::function<std::string(const std::string& encoded_request)> control;
    std::function<DaemonFigures()> figures;
    RunRegistry& runs;
    // What the live view's latest frames may hold, read and kept (a share of max_inflight).
    std::uint64_t latest_bytes = 64ull << 20;
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
    // Stops accepting and waits for the requests in progress (each bounded by the timeouts)
    // until `deadline`; false if one is still stuck then (a latest-frame read behind a
    // filesystem that stopped answering), in which case its thread is let go.
    bool stop(std::chrono::steady_clock::time_point deadline =
                  std::chrono::steady_clock::time_point::max());

private:
    void add_routes();

    DaemonAccess access_;
    LatestFrames latest_;
    std::unique_ptr<httplib::Server> server_;
    std::string bound_;
    std::thread thread_;
    std::shared_ptr<std::atomic<bool>> ended_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace swmrd::daemon
