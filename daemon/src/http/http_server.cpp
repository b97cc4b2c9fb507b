#include "http/http_server.hpp"

#include "http/api_routes.hpp"
#include "http/bounded_task_queue.hpp"
#include "http/live_view_page.hpp"
#include "http/metrics_exposition.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace swmrd::daemon {

namespace {

// Workers serving requests, and connections waiting for one, at most.
constexpr std::size_t http_workers = 4;
constexpr std::size_t http_waiting = 32;
// A client that sends or reads this slowly is disconnected: it can hold a worker no longer.
constexpr time_t http_timeout_seconds = 5;
// Requests are GETs: nothing but a line and headers (cpp-httplib bounds those at 8 KiB).
constexpr std::size_t http_max_body = 1024;

std::string host_port(const std::string& host, int port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

} // namespace

HttpServer::HttpServer(const config::HttpAddress& address, DaemonAccess access)
    : access_(std::move(access)), latest_(access_.runs, access_.latest_bytes),
      server_(std::make_unique<httplib::Server>()) {
    server_->new_task_queue = [] { return new BoundedTaskQueue(http_workers, http_waiting); };
    server_->set_read_timeout(http_timeout_seconds);
    server_->set_write_timeout(http_timeout_seconds);
    server_->set_keep_alive_timeout(http_timeout_seconds);
    server_->set_keep_alive_max_count(100);
    server_->set_payload_max_length(http_max_body);
    // cpp-httplib also sets SO_REUSEPORT by default, which lets a second daemon bind the same
    // port and take half the requests; SO_REUSEADDR alone only allows a quick restart.
    server_->set_socket_options([](socket_t socket) {
        const int yes = 1;
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    add_routes();

    errno = 0;
    const auto requested = host_port(address.host, static_cast<int>(address.port));
    int port = static_cast<int>(address.port);
    const bool bound = address.port == 0 ? (port = server_->bind_to_any_port(address.host)) > 0
                                         : server_->bind_to_port(address.host, port);
    if (!bound) {
        const int error = errno;
        throw std::runtime_error("cannot bind the http endpoint " + requested + ": " +
                                 (error != 0 ? std::strerror(error)
                                             : "the address could not be resolved or bound"));
    }
    bound_ = host_port(address.host, port);
    thread_ = std::thread([this, ended = ended_] {
        server_->listen_after_bind(); // returns once its workers are done
        ended->store(true);
    });
}

HttpServer::~HttpServer() {
    if (stop(std::chrono::steady_clock::now() + std::chrono::seconds(10)))
        return;
    // A worker is stuck in a read: the server cannot be destroyed under it.
    [[maybe_unused]] auto* left = server_.release();
}

bool HttpServer::stop(std::chrono::steady_clock::time_point deadline) {
    if (!thread_.joinable())
        return true;
    server_->stop();
    while (!ended_->load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!ended_->load()) {
        thread_.detach();
        return false;
    }
    thread_.join();
    return true;
}

void HttpServer::add_routes() {
    auto& server = *server_;
    // Read-only: anything but GET and HEAD is refused before routing.
    server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
        if (request.method == "GET" || request.method == "HEAD")
            return httplib::Server::HandlerResponse::Unhandled;
        response.status = 405;
        response.set_header("Allow", "GET, HEAD");
        response.set_content("swmrd's HTTP endpoint is read-only: GET and HEAD only\n",
                             "text/plain; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
    });
    server.set_error_handler([](const httplib::Request&, httplib::Response& response) {
        if (response.body.empty())
            response.set_content("HTTP status " + std::to_string(response.status) +
                                     (response.status == 404 ? ": no such page\n" : "\n"),
                                 "text/plain; charset=utf-8");
    });
    server.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
            std::string what = "unknown error";
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& caught) {
                what = caught.what();
            } catch (...) {
            }
            spdlog::warn("http {} {}: {}", request.method, request.path, what);
            response.status = 500;
            response.set_content("internal error: " + what + "\n", "text/plain; charset=utf-8");
        });

    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
        auto figures = access_.calls.call<DaemonFigures>(access_.figures, control_loop_patience);
        if (!figures) {
            response.status = 503;
            response.set_content("the daemon's control loop did not answer in time\n",
                                 "text/plain; charset=utf-8");
            return;
        }
        response.set_content(metrics_exposition(*figures),
                             "text/plain; version=0.0.4; charset=utf-8");
    });
    add_api_routes(server, access_, latest_);
    add_live_view_routes(server);
}

} // namespace swmrd::daemon
