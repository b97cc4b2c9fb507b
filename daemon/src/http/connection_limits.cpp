#include "http/connection_limits.hpp"

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

namespace swmrd::daemon {

namespace {

// The client's address without its port: what "one client" means here.
std::string host_of(const sockaddr* address) {
    char text[INET6_ADDRSTRLEN] = "unknown";
    if (address == nullptr)
        return text;
    if (address->sa_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
                    sizeof text);
    else if (address->sa_family == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
                    sizeof text);
    return text;
}

} // namespace

// A config that keeps subscribers few (max_connections: 2) still lets a dashboard, a browser
// and a scraper in, and a client reconnect before its last connection's close is seen.
ConnectionLimits::ConnectionLimits(std::size_t max_connections)
    : max_connections_(std::max<std::size_t>(max_connections, 16)),
      per_address_(std::max<std::size_t>(max_connections_ / 4, 8)) {}

bool ConnectionLimits::admit(const sockaddr* address) {
    const auto host = host_of(address);
    const auto found = by_address_.find(host);
    const auto from_host = found == by_address_.end() ? 0 : found->second;
    const auto open = open_.load();
    if (open < max_connections_ && from_host < per_address_)
        return true;
    refused_.fetch_add(1);
    ++refusals_unlogged_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_log_ >= std::chrono::seconds(1)) {
        spdlog::warn("http: refused {} connection(s), the last from {}: {}", refusals_unlogged_,
                     host,
                     open >= max_connections_
                         ? fmt::format("{} connections open, the most max_connections allows", open)
                         : fmt::format("{} connections open from it, the most one address may "
                                       "hold (a quarter of max_connections)",
                                       from_host));
        refusals_unlogged_ = 0;
        last_log_ = now;
    }
    return false;
}

void ConnectionLimits::opened(const sockaddr* address) {
    ++by_address_[host_of(address)];
    open_.fetch_add(1);
}

void ConnectionLimits::closed(const sockaddr* address) {
    auto found = by_address_.find(host_of(address));
    if (found != by_address_.end() && --found->second == 0)
        by_address_.erase(found);
    open_.fetch_sub(1);
}

} // namespace swmrd::daemon
