#pragma once
// ZeroMQ endpoints as the daemon binds them, checked before any socket exists so a typo in
// the config is reported with its line rather than as a bind failure.

#include <optional>
#include <string>

namespace swmrd::config::detail {

// What is wrong with `endpoint`, in words, or nullopt when it looks bindable:
// tcp://host:port (port 1-65535 or *), ipc://path, inproc://name.
std::optional<std::string> endpoint_problem(const std::string& endpoint);

// Splits `host:port` (`[v6 address]:port`) for the HTTP endpoint; the problem in words when
// it is not one. Port 0 takes any free port.
struct HostPort {
    std::string host;
    unsigned port = 0;
};
std::optional<std::string> host_port_problem(const std::string& text, HostPort& out);

} // namespace swmrd::config::detail
