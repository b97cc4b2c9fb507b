#include "endpoint.hpp"

#include <charconv>
#include <string_view>

namespace swmrd::config::detail {

namespace {

constexpr std::string_view forms = "tcp://host:port, ipc:///path or inproc://name";
// sun_path holds 108 bytes, the terminating NUL included.
constexpr std::size_t max_ipc_path = 107;

std::optional<std::string> tcp_problem(std::string_view address) {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos)
        return "has no port: write tcp://" + std::string(address) + ":5555";
    const auto host = address.substr(0, colon);
    const auto port = address.substr(colon + 1);
    if (host.empty())
        return std::string("has no host: write tcp://127.0.0.1:PORT for this machine only, or "
                           "tcp://*:PORT for every interface");
    if (port == "*")
        return std::nullopt;
    unsigned number = 0;
    const auto parsed = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || parsed.ec != std::errc{} || parsed.ptr != port.data() + port.size() ||
        number == 0 || number > 65535)
        return "has port \"" + std::string(port) +
               "\", which is not a number from 1 to 65535 (or * for any free port)";
    return std::nullopt;
}

} // namespace

std::optional<std::string> endpoint_problem(const std::string& endpoint) {
    if (endpoint.find_first_of(" \t\r\n") != std::string::npos)
        return std::string("contains white space");
    const auto separator = endpoint.find("://");
    if (separator == std::string::npos)
        return "is not a ZeroMQ endpoint: write " + std::string(forms);
    const std::string_view transport(endpoint.data(), separator);
    const std::string_view address(endpoint.data() + separator + 3,
                                   endpoint.size() - separator - 3);
    if (transport == "tcp")
        return tcp_problem(address);
    if (transport == "ipc") {
        if (address.empty())
            return std::string("has no path: write ipc:///run/swmrd/data.sock");
        if (address.size() > max_ipc_path)
            return "has a path of " + std::to_string(address.size()) +
                   " bytes; a Unix socket path holds at most " + std::to_string(max_ipc_path);
        return std::nullopt;
    }
    if (transport == "inproc") {
        if (address.empty())
            return std::string("has no name: write inproc://NAME");
        return std::nullopt;
    }
    return "uses the transport \"" + std::string(transport) +
           "\", which swmrd does not bind: write " + std::string(forms);
}

std::optional<std::string> host_port_problem(const std::string& text, HostPort& out) {
    if (text.find("://") != std::string::npos)
        return std::string("is a URL; write only host:port, e.g. 127.0.0.1:8080");
    if (text.find_first_of(" \t\r\n/") != std::string::npos)
        return std::string("contains white space or a slash; write host:port, e.g. "
                           "127.0.0.1:8080");
    const auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return "has no port: write " + text + ":8080";
    std::string host = text.substr(0, colon);
    const std::string_view port(text.data() + colon + 1, text.size() - colon - 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2); // an IPv6 address
    else if (host.find(':') != std::string::npos)
        return std::string("has an IPv6 address without brackets: write [::1]:8080");
    if (host.empty())
        return std::string("has no host: write 127.0.0.1:PORT for this machine only, or "
                           "0.0.0.0:PORT for every interface");
    unsigned number = 0;
    const auto parsed = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || parsed.ec != std::errc{} || parsed.ptr != port.data() + port.size() ||
        number > 65535)
        return "has port \"" + std::string(port) +
               "\", which is not a number from 0 to 65535 (0 for any free port)";
    out = {std::move(host), number};
    return std::nullopt;
}

} // namespace swmrd::config::detail
