#pragma once
// docs/protocol.md, The fetch channel as plain structs: the fetch channel's requests and the
// `fetched` message that closes each answer. The frames of an answer are `FrameHeader`s with
// `fetched` set (messages.hpp).

#include "swmrd/proto/messages.hpp"
#include "swmrd/proto/value.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace swmrd::proto {

inline constexpr std::uint64_t max_fetch_count = 65536;

struct FetchRequest {
    Value id; // any value; echoed in the answer
    std::string watch;
    std::string run;
    std::uint64_t from = 0;
    std::uint64_t count = 1; // 1 to max_fetch_count
    std::optional<std::uint64_t> max_bytes;
    double wait = 0.0; // seconds
};

std::string encode_fetch_request(const FetchRequest& request);
// Throws DecodeError ("bad_request") naming what is wrong: not MessagePack, not a map, `cmd`
// other than "fetch", a missing, mistyped or unknown field, a count of 0 or above
// max_fetch_count, a negative `from` or `wait`, a `max_bytes` of 0.
FetchRequest decode_fetch_request(const void* data, std::size_t size);
// The request's `id` where one can be read at all, for the answer to a request that is
// otherwise malformed; nil when there is none.
Value fetch_request_id(const void* data, std::size_t size);

struct FetchError {
    std::string code; // bad_request, not_found, gone, busy, internal
    std::string message;
    bool operator==(const FetchError&) const = default;
};

// The closing message of an answer, topic `<watch>/fetched`.
struct FetchedHeader {
    Envelope envelope; // seq 0
    Value id;
    bool ok = true;
    std::uint64_t from = 0;
    std::uint64_t next = 0;                // the index after the last frame sent
    std::uint64_t frames = 0;              // sent in this answer
    std::optional<std::uint64_t> frontier; // first index not yet readable; nil: run unknown
    std::optional<RunState> state;         // nil: run unknown
    std::optional<EndReason> reason;       // the run's end reason; nil while streaming
    std::optional<FetchError> error;       // exactly when ok is false
};

std::string encode_fetched(const FetchedHeader& header);
FetchedHeader decode_fetched(const void* data, std::size_t size);

} // namespace swmrd::proto
