#pragma once
// How many connections the HTTP endpoint holds: `max_connections` in all (16 at least), a
// quarter of it from any one client address (8 at least), so that one client (a browser left open
// on many tabs, or a client sending its requests a byte at a time) cannot take every slot. A
// connection past either is closed before a byte is read, counted, and logged at most once a
// second. libmicrohttpd calls all three from its one thread; counts are read from others.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

struct sockaddr;

namespace swmrd::daemon {

class ConnectionLimits {
public:
    explicit ConnectionLimits(std::size_t max_connections);

    // Whether a connection from `address` may be taken; a refusal is counted and logged.
    bool admit(const sockaddr* address);
    void opened(const sockaddr* address);
    void closed(const sockaddr* address);

    std::uint64_t open() const noexcept { return open_.load(); }
    std::uint64_t refused() const noexcept { return refused_.load(); }
    std::size_t per_address() const noexcept { return per_address_; }

private:
    const std::size_t max_connections_;
    const std::size_t per_address_;
    std::map<std::string, std::size_t> by_address_;
    std::atomic<std::uint64_t> open_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::uint64_t refusals_unlogged_ = 0;
    std::chrono::steady_clock::time_point last_log_{};
};

} // namespace swmrd::daemon
