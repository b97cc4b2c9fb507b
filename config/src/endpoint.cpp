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

} // namespace swmrd::config::detail
