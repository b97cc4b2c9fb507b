#pragma once
// Frames fetched again from swmrd's fetch channel (docs/protocol.md, The fetch channel), for
// swmrcat's
// --repair and --history: a DEALER on the endpoint the heartbeat names, one request at a
// time, each followed until its frames up to the index asked for are in or it fails.

#include <swmrd/proto/messages.hpp>

#include <zmq.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::cat {

// The fetch endpoint a heartbeat names, its wildcard host (`*`, `0.0.0.0`, `[::]`) replaced
// by the host of the publish endpoint it was reached on.
std::string resolve_fetch_endpoint(const std::string& advertised, const std::string& publish);

class FetchClient {
public:
    using OnFrame =
        std::function<void(const proto::FrameHeader&, const std::vector<zmq::message_t>& parts)>;

    FetchClient(zmq::context_t& context, std::string endpoint);
    const std::string& endpoint() const noexcept { return endpoint_; }

    struct Outcome {
        std::optional<std::string> failure; // why frames before `stop` did not all come
        std::uint64_t frames = 0;
        bool ended = false;                     // the run has ended…
        std::optional<proto::EndReason> reason; // …for this reason
    };

    // Fetches indices [from, stop) of `run`, handing each frame to `on_frame` in order. With
    // `up_to_frontier`, a frontier before `stop` is where it stops, not a failure.
    Outcome fetch(const std::string& watch, const std::string& run, std::uint64_t from,
                  std::uint64_t stop, const OnFrame& on_frame, bool up_to_frontier = false);

private:
    std::string endpoint_;
    zmq::socket_t socket_;
    std::uint64_t next_id_ = 0;
};

} // namespace swmrd::cat
