#include "http/http_server.hpp"

#include "http/api_routes.hpp"
#include "http/live_view_page.hpp"
#include "http/metrics_exposition.hpp"

#include "base/unique_fd.hpp"

#include <microhttpd.h>
#include <spdlog/spdlog.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <stdexcept>

namespace swmrd::daemon {

namespace {

// Workers computing answers, and requests waiting for one at most (more get 503 at once).
constexpr std::size_t http_workers = 4;
constexpr std::size_t http_waiting = 64;
// A connection that sends or takes nothing this long is closed.
constexpr unsigned http_idle_seconds = 5;
// A connection's request line and headers (with libmicrohttpd's own buffers) fit in this, or
// get 4xx: a few KiB of headers, as browsers and Prometheus send.
constexpr std::size_t http_connection_memory = 16 * 1024;

std::string host_port(const std::string& host, unsigned port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

// The listening socket, bound by the daemon itself so that a bind error names the endpoint,
// port 0 takes a free port, and no SO_REUSEPORT lets a second daemon share the port.
UniqueFd bind_listener(const config::HttpAddress& address, unsigned& bound_port) {
    const auto requested = host_port(address.host, address.port);
    const auto fail = [&](const std::string& why) {
        return std::runtime_error("cannot bind the http endpoint " + requested + ": " + why);
    };
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (int error = ::getaddrinfo(address.host.c_str(), std::to_string(address.port).c_str(),
                                  &hints, &found);
        error != 0)
        throw fail(::gai_strerror(error));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, ::freeaddrinfo);
    UniqueFd listener(::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                               found->ai_protocol));
    if (!listener)
        throw fail(std::strerror(errno));
    const int fd = listener.get();
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes); // a quick restart only
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
        throw fail(std::strerror(errno));
    }
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
    bound_port =
        ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    return listener;
}

MHD_Result collect(void* into, MHD_ValueKind, const char* key, const char* value) {
    auto& values = *static_cast<std::map<std::string, std::string>*>(into);
    values.emplace(key ? key : "", value ? value : "");
    return MHD_YES;
}

MHD_Result collect_header(void* into, MHD_ValueKind, const char* key, const char* value) {
    std::string name = key ? key : "";
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static_cast<std::map<std::string, std::string>*>(into)->emplace(std::move(name),
                                                                    value ? value : "");
    return MHD_YES;
}

void release_body(void* body) {
    delete static_cast<std::shared_ptr<const std::string>*>(body);
}

MHD_Result send(MHD_Connection* connection, const HttpResponse& answer) {
    static const auto empty = std::make_shared<const std::string>();
    auto* body = new std::shared_ptr<const std::string>(answer.body ? answer.body : empty);
    auto* response = MHD_create_response_from_buffer_with_free_callback_cls(
        (*body)->size(), const_cast<char*>((*body)->data()), release_body, body);
    if (!response) {
        release_body(body);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type.c_str());
    for (const auto& [name, value] : answer.headers)
        MHD_add_response_header(response, name.c_str(), value.c_str());
    const auto queued =
        MHD_queue_response(connection, static_cast<unsigned>(answer.status), response);
    MHD_destroy_response(response);
    return queued;
}

void log_from_library(void*, const char* format, va_list arguments) {
    char line[512];
    std::vsnprintf(line, sizeof line, format, arguments);
    std::string text = line;
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    spdlog::debug("http: {}", text);
}

} // namespace

struct HttpServer::Exchange {
    HttpRequest request;
    HttpResponse response;
    bool dispatched = false; // to a worker, or refused
    std::atomic<bool> answered{false};
};

// libmicrohttpd calls on_request when a request's headers have arrived, again for each piece
// of a body and once it is complete, then after each resume, until a response is queued.
struct HttpServerCallbacks {
    static MHD_Result on_request(void* self, MHD_Connection* connection, const char* url,
                                 const char* method, const char*, const char*,
                                 std::size_t* upload_size, void** context) {
        auto& server = *static_cast<HttpServer*>(self);
        auto* exchange = static_cast<HttpServer::Exchange*>(*context);
        if (exchange == nullptr) {
            exchange = new HttpServer::Exchange;
            *context = exchange;
            auto& request = exchange->request;
            request.method = method ? method : "";
            request.path = url ? url : "";
            MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect, &request.query);
            MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header,
                                      &request.headers);
            auto& refusal = exchange->response;
            if (request.method != "GET" && request.method != "HEAD") {
                refusal.set_text(405, "swmrd's HTTP endpoint is read-only: GET and HEAD only\n");
                refusal.set_header("Allow", "GET, HEAD");
                return send(connection, refusal);
            }
            const auto length = request.header("content-length");
            if ((!length.empty() && length != "0") ||
                !request.header("transfer-encoding").empty()) {
                refusal.set_text(413, "a GET or HEAD request carries no body\n");
                return send(connection, refusal);
            }
            // Answered once the request is complete (the next call): a response queued now
            // would make libmicrohttpd close the connection, as if a body were left unread,
            // and lose the requests pipelined behind it.
            return MHD_YES;
        }
        if (*upload_size != 0) { // a body was refused above; nothing to read
            *upload_size = 0;
            return MHD_YES;
        }
        if (!exchange->dispatched) {
            exchange->dispatched = true;
            if (server.hand_to_worker(connection, *exchange))
                return MHD_YES;
            auto& refusal = exchange->response;
            refusal.set_text(503, "every HTTP worker is busy: ask again\n");
            refusal.set_header("Retry-After", "1");
            return send(connection, refusal);
        }
        if (!exchange->answered.load())
            return MHD_YES;
        return send(connection, exchange->response);
    }

    static void on_completed(void*, MHD_Connection*, void** context, MHD_RequestTerminationCode) {
        delete static_cast<HttpServer::Exchange*>(*context);
        *context = nullptr;
    }

    static MHD_Result admit(void* self, const sockaddr* address, socklen_t) {
        return static_cast<HttpServer*>(self)->limits_.admit(address) ? MHD_YES : MHD_NO;
    }

    static void on_connection(void* self, MHD_Connection* connection, void**,
                              MHD_ConnectionNotificationCode what) {
        const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const sockaddr* address = info ? info->client_addr : nullptr;
        auto& limits = static_cast<HttpServer*>(self)->limits_;
        if (what == MHD_CONNECTION_NOTIFY_STARTED)
            limits.opened(address);
        else
            limits.closed(address);
    }
};

HttpServer::HttpServer(const config::HttpAddress& address, DaemonAccess access)
    : access_(std::move(access)), latest_(access_.runs, access_.latest_bytes),
      limits_(access_.max_connections),
      workers_(std::make_unique<RequestWorkers>(http_workers, http_waiting)) {
    add_routes();
    unsigned port = 0;
    auto listener = bind_listener(address, port);
    // The limits are ConnectionLimits' (counted, logged); libmicrohttpd's own is a backstop.
    const auto backstop = static_cast<unsigned>(access_.max_connections + 16);
    // clang-format off: one option and its values a line
    server_ = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG,
        0, &HttpServerCallbacks::admit, this, &HttpServerCallbacks::on_request, this,
        // First, so that no message of the library goes to stderr before it is set.
        MHD_OPTION_EXTERNAL_LOGGER, &log_from_library, nullptr, MHD_OPTION_LISTEN_SOCKET,
        listener.get(), MHD_OPTION_CONNECTION_LIMIT, backstop, MHD_OPTION_NOTIFY_CONNECTION,
        &HttpServerCallbacks::on_connection, this, MHD_OPTION_CONNECTION_TIMEOUT, http_idle_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, http_connection_memory, MHD_OPTION_NOTIFY_COMPLETED,
        &HttpServerCallbacks::on_completed, this, MHD_OPTION_END);
    // clang-format on
    if (!server_)
        throw std::runtime_error("cannot serve the http endpoint " +
                                 host_port(address.host, address.port) +
                                 ": libmicrohttpd did not start");
    listener.release(); // libmicrohttpd's now: it closes it when it stops
    bound_ = host_port(address.host, port);
}

HttpServer::~HttpServer() {
    stop(std::chrono::steady_clock::now() + std::chrono::seconds(10));
}

bool HttpServer::hand_to_worker(MHD_Connection* connection, Exchange& exchange) {
    if (stopping_.load() || !workers_->reserve()) {
        refused_busy_.fetch_add(1);
        return false;
    }
    // Suspended before the worker may resume it; its slot waits, its thread does not.
    MHD_suspend_connection(connection);
    workers_->submit([this, connection, &exchange] {
        routes_.answer(exchange.request, exchange.response);
        exchange.answered.store(true);
        MHD_resume_connection(connection);
    });
    return true;
}

bool HttpServer::stop(std::chrono::steady_clock::time_point deadline) {
    if (!server_)
        return true;
    stopping_.store(true);
    // Every suspended connection must be resumed before the server stops: the workers do it.
    if (!workers_->stop(deadline)) {
        // A worker is stuck in a read: neither it nor the server can be freed under it.
        [[maybe_unused]] auto* left = workers_.release();
        server_ = nullptr;
        return false;
    }
    MHD_stop_daemon(server_); // closes the listening socket too
    server_ = nullptr;
    return true;
}

void HttpServer::add_routes() {
    routes_.get("/metrics", [this](const HttpRequest&, HttpResponse& response) {
        auto figures = access_.calls.call<DaemonFigures>(access_.figures, control_loop_patience);
        if (!figures)
            return response.set_text(503, "the daemon's control loop did not answer in time\n");
        response.set_content(metrics_exposition(*figures),
                             "text/plain; version=0.0.4; charset=utf-8");
    });
    add_api_routes(routes_, access_, latest_);
    add_live_view_routes(routes_);
}

} // namespace swmrd::daemon
