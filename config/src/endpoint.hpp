#pragma once
// ZeroMQ endpoints as the daemon binds them, checked before any socket exists so a typo in
// the config is reported with its line rather than as a bind failure.

#include <optional>
#include <string>

namespace swmrd::config::detail {

// What is wrong with `endpoint`, in words, or nullopt when it looks bindable:
// tcp://host:port (port 1-65535 or *), ipc://path, inproc://name.
std::optional<std::string> endpoint_problem(const std::string& endpoint);

} // namespace swmrd::config::detail
