#pragma once
// What the HTTP endpoint shows of the daemon at one moment: each watch's status and counters,
// the subscribers, the in-flight budgets and the fetch channel. Taken on the control loop
// (the watch list's thread); the counters themselves are atomics that go on moving.

#include "files/folder_figures.hpp"
#include "watch/watch_figures.hpp"

#include <swmrd/proto/control.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swmrd::daemon {

struct BudgetFigures {
    std::uint64_t held = 0;
    std::uint64_t limit = 0;
};

// Peers disconnected since the start on one channel for one reason (delivery/peer_guard.hpp).
struct PeerCutFigures {
    std::string channel; // "publish" or "fetch"
    std::string reason;  // "stalled", "share", "max_connections"
    std::uint64_t count = 0;
};

struct HttpFigures {
    bool enabled = false;
    std::uint64_t connections = 0;  // open now
    std::uint64_t refused = 0;      // connections past max_connections, or past one address's share
    std::uint64_t refused_busy = 0; // requests answered 503: every worker busy, their queue full
};

struct DaemonFigures {
    std::string version;
    std::string confinement; // of reader processes: "landlock" or "none"
    double start_time = 0.0; // seconds since the Unix epoch
    std::vector<WatchFigures> watches;
    std::uint64_t subscribers = 0; // connected now
    std::uint64_t connections = 0; // since the start
    std::uint64_t disconnections = 0;
    std::vector<PeerCutFigures> peers_cut;
    BudgetFigures live_budget;
    BudgetFigures fetch_budget;
    bool fetch_enabled = false;
    std::uint64_t fetch_requests = 0;
    std::uint64_t fetch_frames = 0;
    std::uint64_t fetch_bytes = 0;
    HttpFigures http;
    FolderFigures folders;
};

} // namespace swmrd::daemon
