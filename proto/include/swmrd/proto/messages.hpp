#pragma once
// docs/protocol.md, Message layout as plain structs: the headers of the data channel.

#include "swmrd/proto/vocabulary.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace swmrd::proto {

inline constexpr int protocol_version = 1;

// One scan dimension of the slice metadata: [start, stop, nil] on the wire.
struct Slice {
    std::uint64_t start = 0;
    std::uint64_t stop = 0;
    bool operator==(const Slice&) const = default;
};

// A scan dimension's max size; nullopt (nil on the wire) where unlimited.
using MaxDim = std::optional<std::uint64_t>;

// [filter_id, [cd_values…]] on the wire.
struct Filter {
    unsigned id = 0;
    std::vector<unsigned> cd_values;
    bool operator==(const Filter&) const = default;
};

// Fields every header carries.
struct Envelope {
    std::string watch;
    std::string run;
    std::uint64_t seq = 0;
    double time = 0.0;
    bool operator==(const Envelope&) const = default;
};

// A dataset of an interleaved group, in `start.datasets[].members`.
struct MemberDescription {
    std::string path;
    std::string dtype;
    std::vector<std::uint64_t> frame_shape;
    bool operator==(const MemberDescription&) const = default;
};

// An entry of `start.datasets`: what each payload part of the run's frames will be.
struct DatasetDescription {
    std::string path;
    std::string dtype;
    std::vector<std::uint64_t> frame_shape;
    Encoding encoding = Encoding::raw;
    std::vector<Filter> filters; // sent only for chunk
    // Sent only for an interleaved group: its datasets in order (frame i comes from member
    // i % N); `dtype` and `frame_shape` above are then the first member's.
    std::vector<MemberDescription> members;
    bool operator==(const DatasetDescription&) const = default;
};

struct StartHeader {
    Envelope envelope;
    std::string file;
    std::vector<std::string> keys;
    std::optional<std::string> finished;
    double timeout = 10.0;
    std::uint64_t scan_rank = 0;
    std::vector<MaxDim> scan_shape;
    std::uint64_t first_index = 0;
    std::vector<DatasetDescription> datasets;
    bool operator==(const StartHeader&) const = default;
};

// An entry of `frame.parts`: describes the payload part at the same position.
struct Part {
    std::string path;
    std::string dtype;
    std::vector<std::uint64_t> shape;
    Encoding encoding = Encoding::raw;
    std::uint64_t nbytes = 0;    // decoded size
    std::vector<Filter> filters; // sent only for chunk
    bool operator==(const Part&) const = default;
};

struct FrameHeader {
    Envelope envelope;
    std::string file;
    std::uint64_t index = 0;
    std::vector<Slice> slice;
    std::vector<MaxDim> scan_shape;
    std::vector<Part> parts;
    // Sent again on the fetch channel (docs/protocol.md, The fetch channel), not live on PUB.
    bool fetched = false;
    bool operator==(const FrameHeader&) const = default;
};

struct EndHeader {
    Envelope envelope;
    std::string file;
    EndReason reason = EndReason::finished;
    std::uint64_t frames = 0;
    std::int64_t last_index = -1;
    std::optional<std::string> error; // present exactly when reason is error
    bool operator==(const EndHeader&) const = default;
};

struct HeartbeatHeader {
    Envelope envelope; // watch "_daemon", run = the daemon instance's id
    double period = 1.0;
    std::string version;
    std::string host;
    std::vector<std::string> watches;
    // The fetch endpoint as configured (docs/protocol.md, The fetch channel); nil while there is
    // none.
    std::optional<std::string> fetch;
    bool operator==(const HeartbeatHeader&) const = default;
};

using Header = std::variant<StartHeader, FrameHeader, EndHeader, HeartbeatHeader>;

// "start", "frame", "end" or "heartbeat".
const char* kind_of(const Header& header) noexcept;
// "<watch>/<kind>", part 0 of every message.
std::string topic_of(const Header& header);
std::string topic_of(std::string_view watch, MessageKind kind);
// The watch name of the daemon's own messages (heartbeats); no watch may take it.
inline constexpr const char* daemon_watch = "_daemon";

// Part 1 of a message: the header as a MessagePack map. Payloads are never touched: they
// travel as their own parts, so encoding a frame copies no frame data.
std::string encode_header(const Header& header);
// The same, without first copying a header into a Header: the daemon encodes one per frame.
std::string encode_header(const StartHeader& header);
std::string encode_header(const FrameHeader& header);
std::string encode_header(const EndHeader& header);
std::string encode_header(const HeartbeatHeader& header);

// Strict decoding: an unknown kind or version, a missing or mistyped field throws
// DecodeError naming the field. Unknown extra keys are ignored, as docs/protocol.md requires.
Header decode_header(const void* data, std::size_t size);

} // namespace swmrd::proto
