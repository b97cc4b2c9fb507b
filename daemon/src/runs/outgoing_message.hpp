#pragma once
// A message on its way from a watch (or the daemon) to the PUB socket.

#include "runs/watch_counters.hpp"

#include <swmrd/proto/messages.hpp>

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::daemon {

struct OutgoingMessage {
    enum class Kind { start, frame, end, heartbeat };

    Kind kind = Kind::heartbeat;
    std::string topic;
    std::string header;                  // encoded MessagePack map (empty for `end`)
    std::vector<zmq::message_t> payload; // frame parts, zero-copy
    std::shared_ptr<WatchCounters> counters;
    std::int64_t index = -1;         // frames: the scan index
    std::uint64_t payload_bytes = 0; // frames: sum of the parts
    // Frames: when the poll that found the frame's key readable ran; the time to the hand-off
    // to ZeroMQ is the latency /metrics shows.
    std::chrono::steady_clock::time_point readable_at{};
    // Budget bytes for the header and queue entry, released once the message has left.
    std::uint64_t charge = 0;
    // `end` is completed by the publisher: only it knows how many frames were really sent.
    std::optional<proto::EndHeader> end;
    // Told the completed `end` once it has gone out (or was given up).
    std::function<void(const proto::EndHeader&)> on_end;
};

// A run's `end`, the one place it is assembled, whoever ends the run (its own thread, a run
// that never started, the watch ending a stuck one). `seq` counts every index from the
// first, sent or dropped; the publisher fills in `frames` and `last_index` from `counters`
// when the message has them. An error end always says why.
inline OutgoingMessage end_message(const std::string& watch, const std::string& run,
                                   std::uint64_t seq, const std::string& file,
                                   proto::EndReason reason, std::optional<std::string> error) {
    OutgoingMessage end;
    end.kind = OutgoingMessage::Kind::end;
    end.topic = proto::topic_of(watch, proto::MessageKind::end);
    proto::EndHeader header;
    header.envelope = {watch, run, seq, 0.0};
    header.file = file;
    header.reason = reason;
    if (reason == proto::EndReason::error)
        header.error = error.value_or("the run failed");
    end.end = std::move(header);
    return end;
}

} // namespace swmrd::daemon
