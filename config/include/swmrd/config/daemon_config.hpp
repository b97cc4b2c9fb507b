#pragma once
// The daemon's YAML config (deploy/swmrd.yaml), parsed once into typed structs.

#include "swmrd/config/units.hpp"
#include "swmrd/config/watch_spec.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::config {

// What the reader does when subscribers are slower than the data (deploy/swmrd.yaml):
// waits for the slowest (lossless), drops a frame for all (drop), or lets each subscriber
// lose frames alone, to fetch them back (independent).
enum class Delivery { lossless, drop, independent };
// Its name in the config, as the parser takes it: "lossless", "drop", "independent".
const char* delivery_name(Delivery delivery);

struct LogConfig {
    std::string level = "info"; // trace, debug, info, warn, error, critical, off
    bool operator==(const LogConfig&) const = default;
};

// Where the HTTP endpoint listens (docs/protocol.md, HTTP): a host name or address and a
// port; port 0 takes any free one (the daemon logs the one it got).
struct HttpAddress {
    std::string host;
    unsigned port = 0;
    bool operator==(const HttpAddress&) const = default;
};

struct DaemonConfig {
    std::string control = "tcp://127.0.0.1:5555";
    std::vector<std::string> publish{"tcp://127.0.0.1:5556"};
    std::optional<std::string> fetch;       // ROUTER endpoint of the fetch channel; none: off
    std::optional<HttpAddress> http;        // metrics, status and the live view; none: off
    std::vector<std::string> allowed_roots; // none: control `start` is refused
    Delivery delivery = Delivery::lossless;
    std::uint64_t max_inflight = 512ull << 20;
    // A message (a frame with all its parts) larger than this ends its run with an error
    // before it is read: what a 2 KB file declaring a 64 GiB frame would otherwise cost.
    std::uint64_t max_message = 512ull << 20;
    // The longest fetch `wait` honoured (a long poll); longer ones are cut to it.
    Seconds max_wait{60.0};
    // A subscriber or fetcher that takes none of the bytes waiting for it this long, or whose
    // idle connection stays silent this long (ZMTP heartbeats), is disconnected.
    Seconds peer_timeout{10.0};
    // Connections accepted at once on each publish or fetch endpoint; one more is closed at
    // once (docs/protocol.md, the config): descriptors are kept for control and the files.
    std::uint64_t max_connections = 1024;
    std::uint64_t history = 100; // runs kept per watch for fetching
    // Watches listed at once, config and control together: each is a thread and open files.
    std::uint64_t max_watches = 256;
    Seconds heartbeat{1.0};
    LogConfig log;
    std::vector<WatchSpec> watches;
    bool operator==(const DaemonConfig&) const = default;
};

// Throws ConfigError: YAML syntax errors keep yaml-cpp's line and column; every other error
// names the key, its line and column. `source` names the file in messages.
DaemonConfig parse_config(const std::string& yaml_text, const std::string& source = "config");
DaemonConfig load_config(const std::string& path);

// YAML text -> Value with marks, for parse_config and `swmrctl start -f spec.yaml`.
// Plain scalars are typed as YAML 1.2 core schema does (int, float, bool, null); quoted
// scalars stay strings.
proto::Value yaml_to_value(const std::string& yaml_text, const std::string& source = "yaml");

} // namespace swmrd::config
