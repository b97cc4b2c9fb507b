#include "vectors.hpp"

#include "swmrd/proto/msgpack_value.hpp"

namespace swmrd::proto::testing {

namespace {

// A fraction that needs all 17 digits, so readers prove they keep float64 precision.
constexpr double sent_at = 1718000000.123456;

Envelope envelope(const std::string& watch, std::uint64_t seq) {
    return Envelope{watch, "3f2a9c1e-0b7d-4e55-9a61-2c8e4d7f1b03", seq, sent_at};
}

StartHeader start_raw() {
    StartHeader h;
    h.envelope = envelope("det1", 0);
    h.file = "/data/scan-0001.h5";
    h.keys = {"/entry/keys/uid"};
    h.finished = "/entry/finished";
    h.timeout = 10.0;
    h.scan_rank = 2;
    h.scan_shape = {3, 4};
    h.first_index = 0;
    h.datasets = {
        {"/entry/data/data", "<u2", {5, 10}, Encoding::raw, {}, {}},
        {"/entry/data/total", "<f8", {}, Encoding::raw, {}, {}},
    };
    return h;
}

StartHeader start_chunk() {
    StartHeader h;
    h.envelope = envelope("eiger", 0);
    h.file = "/data/µ-scan/eiger_000001.h5";
    h.keys = {"/entry/instrument/NDAttributes/NDArrayUniqueId", "/entry/keys/ready"};
    h.finished = std::nullopt;
    h.timeout = 2.5;
    h.scan_rank = 1;
    h.scan_shape = {std::nullopt};
    h.first_index = 17;
    h.datasets = {
        {"/entry/instrument/detector/data",
         "<u4",
         {512, 1028},
         Encoding::chunk,
         {{32008, {0, 3, 4, 0, 2}}},
         {}},
        {"/entry/instrument/detector/count_time", "<f8", {}, Encoding::raw, {}, {}},
    };
    return h;
}

StartHeader start_partial_unlimited() {
    StartHeader h;
    h.envelope = envelope("grid", 0);
    h.file = "/data/grid/scan-42.h5";
    h.keys = {"/entry/diamond_scan/keys/uniqueKeys"};
    h.finished = "/entry/diamond_scan/scan_finished";
    h.timeout = 10.0;
    h.scan_rank = 2;
    h.scan_shape = {std::nullopt, 20};
    h.first_index = 0;
    h.datasets = {{"/entry/detector/data", "|u1", {64, 64}, Encoding::raw, {}, {}}};
    return h;
}

// odin-data: two writers, one file each, frames alternating; the members may differ.
StartHeader start_interleaved() {
    StartHeader h;
    h.envelope = envelope("odin", 0);
    h.file = "/data/odin/scan-7.h5";
    h.keys = {"/entry/uid"};
    h.finished = std::nullopt;
    h.timeout = 5.0;
    h.scan_rank = 1;
    h.scan_shape = {std::nullopt};
    h.first_index = 0;
    h.datasets = {
        {"stack",
         "<u2",
         {256, 512},
         Encoding::raw,
         {},
         {{"/entry/odin1/data", "<u2", {256, 512}}, {"/entry/odin2/data", ">u4", {256, 512}}}}};
    return h;
}

FrameHeader frame_raw() {
    FrameHeader h;
    h.envelope = envelope("det1", 8);
    h.file = "/data/scan-0001.h5";
    h.index = 7;
    h.slice = {{1, 2}, {3, 4}};
    h.scan_shape = {3, 4};
    h.parts = {
        {"/entry/data/data", "<u2", {1, 1, 5, 10}, Encoding::raw, 100, {}},
        {"/entry/data/total", "<f8", {1, 1}, Encoding::raw, 8, {}},
    };
    return h;
}

// Frame 7 of frame_raw's run fetched again (docs/protocol.md, The fetch channel): the same header,
// marked fetched.
FrameHeader frame_fetched() {
    auto h = frame_raw();
    h.fetched = true;
    return h;
}

FetchRequest fetch_request() {
    FetchRequest r;
    r.id = Value{std::uint64_t{41}};
    r.watch = "det1";
    r.run = "3f2a9c1e-0b7d-4e55-9a61-2c8e4d7f1b03";
    r.from = 7;
    r.count = 16;
    r.max_bytes = 1048576;
    r.wait = 1.5;
    return r;
}

// The answer's closing message: frames 7 to 11 sent, the run still streaming.
FetchedHeader fetched_ok() {
    FetchedHeader h;
    h.envelope = {"det1", "3f2a9c1e-0b7d-4e55-9a61-2c8e4d7f1b03", 0, 1764590401.5};
    h.id = Value{std::uint64_t{41}};
    h.from = 7;
    h.next = 12;
    h.frames = 5;
    h.frontier = 12;
    h.state = RunState::streaming;
    return h;
}

FetchedHeader fetched_gone() {
    FetchedHeader h;
    h.envelope = {"det1", "9b1d2e4f6a7c4b2d8e0f1a3c5e7b9d11", 0, 1764590402.0};
    h.id = Value{std::string("repair-3")};
    h.ok = false;
    h.from = 0;
    h.next = 0;
    h.state = RunState::ended;
    h.reason = EndReason::finished;
    h.error = FetchError{"gone", "/data/scan-0001.h5 was deleted since run "
                                 "9b1d2e4f6a7c4b2d8e0f1a3c5e7b9d11 read it"};
    return h;
}

FrameHeader frame_chunk() {
    FrameHeader h;
    h.envelope = envelope("eiger", 1);
    h.file = "/data/µ-scan/eiger_000001.h5";
    h.index = 17;
    h.slice = {{17, 18}};
    h.scan_shape = {std::nullopt};
    h.parts = {
        {"/entry/instrument/detector/data",
         "<u4",
         {1, 512, 1028},
         Encoding::chunk,
         2105344,
         {{32008, {0, 3, 4, 0, 2}}}},
        {"/entry/instrument/detector/count_time", "<f8", {1}, Encoding::raw, 8, {}},
    };
    return h;
}

FrameHeader frame_chunk_two_filters() {
    FrameHeader h;
    h.envelope = envelope("det2", 3);
    h.file = "/data/blosc.h5";
    h.index = 2;
    h.slice = {{2, 3}};
    h.scan_shape = {100};
    h.parts = {{"/entry/data/data",
                "<i4",
                {1, 256, 256},
                Encoding::chunk,
                262144,
                {{32001, {2, 2, 4, 262144, 5, 1, 1}}, {32004, {}}}}};
    return h;
}

FrameHeader frame_3d() {
    FrameHeader h;
    h.envelope = envelope("tomo", 30);
    h.file = "/data/tomo.h5";
    h.index = 29;
    h.slice = {{2, 3}, {1, 2}, {1, 2}};
    h.scan_shape = {std::nullopt, 3, 4};
    h.parts = {{"/entry/data/data", ">i8", {1, 1, 1, 2, 3}, Encoding::raw, 48, {}}};
    return h;
}

FrameHeader frame_scalar() {
    FrameHeader h;
    h.envelope = envelope("counter", 1);
    h.file = "/data/counts.h5";
    h.index = 0;
    h.slice = {{0, 1}};
    h.scan_shape = {std::nullopt};
    h.parts = {{"/entry/counts", "|b1", {1}, Encoding::raw, 1, {}}};
    return h;
}

EndHeader end(EndReason reason, std::uint64_t frames, std::int64_t last_index,
              std::optional<std::string> error = std::nullopt) {
    EndHeader h;
    h.envelope = envelope("det1", frames + 1);
    h.file = "/data/scan-0001.h5";
    h.reason = reason;
    h.frames = frames;
    h.last_index = last_index;
    h.error = std::move(error);
    return h;
}

EndHeader end_error_before_start() {
    EndHeader h = end(EndReason::error, 0, -1,
                      "/data/scan-0002.h5: key dataset \"/entry/keys/uid\" does not exist");
    h.envelope.seq = 0;
    h.file = "/data/scan-0002.h5";
    return h;
}

HeartbeatHeader heartbeat() {
    HeartbeatHeader h;
    h.envelope = Envelope{"_daemon", "5b0e8f7a-1c2d-4f3e-8a9b-0c1d2e3f4a5b", 42, sent_at};
    h.period = 1.0;
    h.version = "0.1.0";
    h.host = "bl99i-ws001";
    h.watches = {"det1", "eiger"};
    return h;
}

Value str(const char* s) {
    return Value{std::string(s)};
}

Value strings(std::initializer_list<const char*> items) {
    Array array;
    for (const char* item : items)
        array.push_back(str(item));
    return Value{std::move(array)};
}

StartRequest start_request() {
    Map spec{
        {"name", str("det1")},
        {"file", str("/data/scan-*.h5")},
        {"keys", strings({"/entry/keys/uid"})},
        {"datasets", strings({"/entry/data/data", "/entry/data/total"})},
        {"finished", str("/entry/finished")},
        {"timeout", str("10s")},
        {"encoding", str("chunk")},
        {"from", str("latest")},
    };
    return StartRequest{Value{std::move(spec)}};
}

StartRequest start_request_interleaved() {
    Map interleaved{
        {"data", strings({"/entry/odin1/data", "/entry/odin2/data", "/entry/odin3/data"})}};
    Map spec{
        {"name", str("odin")},
        {"file", str("/data/odin/run_7.h5")},
        {"keys", strings({"/entry/odin1/uid", "/entry/odin2/uid", "/entry/odin3/uid"})},
        {"interleaved", Value{std::move(interleaved)}},
        {"timeout", Value{std::int64_t{30}}},
        {"encoding", str("raw")},
        {"from", str("start")},
    };
    return StartRequest{Value{std::move(spec)}};
}

WatchStatus streaming_status() {
    WatchStatus s;
    s.name = "det1";
    s.file = "/data/scan-*.h5";
    s.source = "config";
    s.state = WatchState::streaming;
    s.current_file = "/data/scan-0001.h5";
    s.run = "3f2a9c1e-0b7d-4e55-9a61-2c8e4d7f1b03";
    s.frames = 7;
    s.bytes = 756; // 7 frames of 100 + 8 bytes
    s.last_index = 6;
    s.dropped = 0;
    s.file_state = FileState::running;
    return s;
}

WatchStatus failed_status() {
    WatchStatus s;
    s.name = "eiger";
    s.file = "/data/µ-scan/eiger_000001.h5";
    s.source = "control";
    s.state = WatchState::failed;
    s.frames = 0;
    s.bytes = 0;
    s.last_index = -1;
    s.dropped = 3;
    s.error = "cannot open /data/µ-scan/eiger_000001.h5: \"unable to lock file\"\n"
              "(still failing after the 10 s timeout)";
    s.file_state = FileState::failed;
    s.warning = "finished dataset /entry/finished in /data/µ-scan/eiger_000001.h5 holds 2 "
                "values (shape (2,)), not one: it is ignored, and the run ends by its timeout";
    return s;
}

// One run that ended and whose file is still there, one still streaming.
std::vector<RunInfo> kept_runs() {
    RunInfo ended;
    ended.run = "9b1d2e4f6a7c4b2d8e0f1a3c5e7b9d11";
    ended.file = "/data/scan-0001.h5";
    ended.state = RunState::ended;
    ended.reason = EndReason::finished;
    ended.first_index = 0;
    ended.frames = 12;
    ended.last_index = 11;
    ended.started = 1764590400.25;
    ended.ended = 1764590412.5;
    ended.fetchable = true;
    RunInfo streaming;
    streaming.run = "3f2a9c1e-0b7d-4e55-9a61-2c8e4d7f1b03";
    streaming.file = "/data/scan-0002.h5";
    streaming.state = RunState::streaming;
    streaming.first_index = 4;
    streaming.frames = 3;
    streaming.last_index = 6;
    streaming.started = 1764590420.0;
    streaming.fetchable = true;
    return {ended, streaming};
}

ReplyTo error_reply(const char* command, const char* code, const char* message) {
    return ReplyTo{command, ErrorReply{code, message}};
}

} // namespace

std::vector<Vector> all_vectors() {
    return {
        {"start_raw", start_raw()},
        {"start_chunk", start_chunk()},
        {"start_partial_unlimited", start_partial_unlimited()},
        {"start_interleaved", start_interleaved()},
        {"frame_raw", frame_raw()},
        {"frame_fetched", frame_fetched()},
        {"fetch_request", fetch_request()},
        {"fetched_ok", fetched_ok()},
        {"fetched_gone", fetched_gone()},
        {"frame_chunk", frame_chunk()},
        {"frame_chunk_two_filters", frame_chunk_two_filters()},
        {"frame_3d", frame_3d()},
        {"frame_scalar", frame_scalar()},
        {"end_finished", end(EndReason::finished, 12, 11)},
        {"end_complete", end(EndReason::complete, 12, 11)},
        {"end_timeout", end(EndReason::timeout, 5, 4)},
        {"end_stopped", end(EndReason::stopped, 0, -1)},
        {"end_shutdown", end(EndReason::shutdown, 3, 2)},
        {"end_error", end(EndReason::error, 4, 3,
                          "cannot read frame 4 of \"/entry/data/data\": the Bitshuffle filter "
                          "(32008) is not installed; use `encoding: chunk`")},
        {"end_error_before_start", end_error_before_start()},
        {"heartbeat", heartbeat()},
        {"request_ping", ControlRequest{PingRequest{}}},
        {"request_start", ControlRequest{start_request()}},
        {"request_start_interleaved", ControlRequest{start_request_interleaved()}},
        {"request_stop", ControlRequest{StopRequest{"det1"}}},
        {"request_list", ControlRequest{ListRequest{}}},
        {"request_status", ControlRequest{StatusRequest{"det1"}}},
        {"request_runs", ControlRequest{RunsRequest{"det1"}}},
        {"request_peers", ControlRequest{PeersRequest{}}},
        {"reply_ping",
         ReplyTo{"ping", PingReply{"0.1.0", 1, 3600.25, {"confinement:landlock", "fetch"}}}},
        {"reply_start", ReplyTo{"start", StartReply{"det1"}}},
        {"reply_stop", ReplyTo{"stop", StopReply{"det1", 7}}},
        {"reply_list", ReplyTo{"list", ListReply{{streaming_status(), failed_status()}, 2, 1}}},
        {"reply_list_empty", ReplyTo{"list", ListReply{}}},
        {"reply_status", ReplyTo{"status", StatusReply{streaming_status()}}},
        {"reply_runs", ReplyTo{"runs", RunsReply{kept_runs()}}},
        {"reply_peers",
         ReplyTo{"peers",
                 PeersReply{{{"publish", "192.0.2.7:40112", 1765000000.5, 2988032, 1765000042.25},
                             {"fetch", "[::1]:51820", 1765000010.0, 0, 1765000040.0}},
                            1}}},
        {"reply_error_bad_request",
         error_reply("start", "bad_request",
                     "start request: field `watch` must be a map, got a string")},
        {"reply_error_unknown_command",
         error_reply("ping", "unknown_command",
                     "request: field `cmd` is `restart`, not a command of protocol v1 (`ping`, "
                     "`start`, `stop`, `list`, `status`, `runs`, `peers`)")},
        {"reply_error_not_found",
         error_reply("stop", "not_found", "no watch named det9 is listed")},
        {"reply_error_exists",
         error_reply("start", "exists", "a watch named det1 is listed: `stop` removes it")},
        {"reply_error_forbidden",
         error_reply("start", "forbidden", "/home/user/x.h5 is outside allowed_roots (/data)")},
        {"reply_error_internal",
         error_reply("status", "internal", "std::bad_alloc while building the status")},
    };
}

std::string encode(const Vector& vector) {
    struct Encoder {
        std::string operator()(const Header& h) const { return encode_header(h); }
        std::string operator()(const ControlRequest& r) const { return encode_request(r); }
        std::string operator()(const ReplyTo& r) const { return encode_reply(r.reply); }
        std::string operator()(const FetchRequest& r) const { return encode_fetch_request(r); }
        std::string operator()(const FetchedHeader& h) const { return encode_fetched(h); }
    };
    return std::visit(Encoder{}, vector.message);
}

std::string json_twin(const std::string& msgpack_bytes) {
    return to_json(decode_value(msgpack_bytes.data(), msgpack_bytes.size())) + "\n";
}

} // namespace swmrd::proto::testing
