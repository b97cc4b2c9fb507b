#pragma once
// docs/protocol.md, The control channel as plain structs: control requests and replies.

#include "swmrd/proto/value.hpp"
#include "swmrd/proto/vocabulary.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace swmrd::proto {

struct PingRequest {
    bool operator==(const PingRequest&) const = default;
};
// The watch spec stays a Value here: config/ validates it, with the same validator as the
// YAML `watches` entries.
struct StartRequest {
    Value watch;
};
struct StopRequest {
    std::string watch;
    bool operator==(const StopRequest&) const = default;
};
struct ListRequest {
    bool operator==(const ListRequest&) const = default;
};
struct StatusRequest {
    std::string watch;
    bool operator==(const StatusRequest&) const = default;
};

struct RunsRequest {
    std::string watch;
    bool operator==(const RunsRequest&) const = default;
};

struct PeersRequest {
    bool operator==(const PeersRequest&) const = default;
};

using ControlRequest = std::variant<PingRequest, StartRequest, StopRequest, ListRequest,
                                    StatusRequest, RunsRequest, PeersRequest>;

const char* command_of(const ControlRequest& request) noexcept;

std::string encode_request(const ControlRequest& request);
// Throws DecodeError: code "bad_request" for bytes that are not MessagePack, not a map, a
// missing or mistyped field or an unknown field; "unknown_command" for an unknown `cmd`.
ControlRequest decode_request(const void* data, std::size_t size);

struct WatchStatus {
    std::string name;
    std::string file;   // path or pattern as configured
    std::string source; // "config" or "control"
    WatchState state = WatchState::waiting;
    std::optional<std::string> current_file;
    std::optional<std::string> run;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::int64_t last_index = -1;
    std::uint64_t dropped = 0;
    // Messages given up otherwise (a start or end refused past its patience, messages still
    // queued when shutdown's grace ran out), since the watch started.
    std::uint64_t lost = 0;
    std::optional<std::string> error;
    // What the watch knows of current_file: "opening" (there, not readable as SWMR yet),
    // "running", "done" (its run ended: it is not run again unless it is rewritten),
    // "failed" (run again after a pause: three times unchanged, then once the file changes).
    std::optional<FileState> file_state;
    // Something ignored rather than failed on, as swmr_tools does (a finished dataset that
    // does not hold one value), or a degraded mode the watch runs in.
    std::optional<std::string> warning;
    bool operator==(const WatchStatus&) const = default;
};

// A run kept for fetching (docs/protocol.md, The control channel: `runs`).
struct RunInfo {
    std::string run;
    std::string file;
    RunState state = RunState::streaming;
    std::optional<EndReason> reason; // nil while streaming
    std::uint64_t first_index = 0;
    std::uint64_t frames = 0;     // frames published
    std::int64_t last_index = -1; // of the last frame published
    double started = 0.0;         // seconds since the Unix epoch
    std::optional<double> ended;  // nil while streaming
    bool fetchable = false;       // the file is still the one the run read
    bool operator==(const RunInfo&) const = default;
};

struct PingReply {
    std::string version;
    std::int64_t protocol = 1;
    double uptime = 0.0;
    // What this daemon offers beyond v1's first form (`fetch`, `http`, `confinement:landlock`
    // …); empty from a daemon that does not say.
    std::vector<std::string> features;
    bool operator==(const PingReply&) const = default;
};
struct StartReply {
    std::string watch;
    bool operator==(const StartReply&) const = default;
};
struct StopReply {
    std::string watch;
    std::uint64_t frames = 0;
    bool operator==(const StopReply&) const = default;
};
struct ListReply {
    std::vector<WatchStatus> watches;
    std::uint64_t subscribers = 0; // PUB connections now
    std::uint64_t peers_cut = 0;   // subscribers and fetch clients disconnected since the start
    bool operator==(const ListReply&) const = default;
};
// A connected subscriber or fetch client (docs/protocol.md, The control channel: `peers`).
struct PeerInfo {
    std::string channel; // "publish" or "fetch"
    std::string address;
    double since = 0.0;                  // connected, seconds since the Unix epoch
    std::optional<std::uint64_t> queued; // bytes waiting for it, where known
    double progress = 0.0;               // when it last took bytes
    bool operator==(const PeerInfo&) const = default;
};
struct PeersReply {
    std::vector<PeerInfo> peers;
    std::uint64_t peers_cut = 0;
    bool operator==(const PeersReply&) const = default;
};
struct StatusReply {
    WatchStatus watch;
    bool operator==(const StatusReply&) const = default;
};
struct RunsReply {
    std::vector<RunInfo> runs; // oldest first
    bool operator==(const RunsReply&) const = default;
};
// {"ok": false, "error": {"code", "message"}}
struct ErrorReply {
    std::string code; // bad_request, unknown_command, not_found, exists, forbidden, internal
    std::string message;
    bool operator==(const ErrorReply&) const = default;
};

using ControlReply = std::variant<PingReply, StartReply, StopReply, ListReply, StatusReply,
                                  RunsReply, PeersReply, ErrorReply>;

std::string encode_reply(const ControlReply& reply);
// Decodes the reply to a request of `command` ("ping", "start"…); an `ok: false` reply
// decodes to ErrorReply whatever the command. Throws DecodeError naming the field.
ControlReply decode_reply(const void* data, std::size_t size, const std::string& command);

} // namespace swmrd::proto
