#pragma once
// Answers control requests (docs/protocol.md, The control channel): bytes in, bytes out, exactly
// one reply per request, malformed ones included. A bad request changes nothing.

#include "watch/watch_manager.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace swmrd::daemon {

inline constexpr std::size_t max_request_bytes = 1 << 20;

class ControlHandler {
public:
    ControlHandler(WatchManager& watches, const RunRegistry& runs,
                   const std::vector<std::string>& allowed_roots);

    std::string handle(const void* data, std::size_t size);
    // The reply to a request that could not be read at all (too large, several parts).
    static std::string refuse(const std::string& message);

    void set_allowed_roots(const std::vector<std::string>& roots) { allowed_roots_ = roots; }
    // What `ping` says this daemon offers (docs/protocol.md, control `ping`: `features`).
    void set_features(std::vector<std::string> features) { features_ = std::move(features); }
    // Who is connected to the publish and fetch channels now (`peers`, and `list`'s
    // subscribers and peers_cut).
    void set_peers(std::function<proto::PeersReply()> peers) { peers_ = std::move(peers); }

private:
    proto::ControlReply dispatch(const proto::ControlRequest& request);
    proto::ControlReply start(const proto::StartRequest& request);

    WatchManager& watches_;
    const RunRegistry& runs_;
    std::vector<std::string> allowed_roots_;
    std::vector<std::string> features_;
    std::function<proto::PeersReply()> peers_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

} // namespace swmrd::daemon
