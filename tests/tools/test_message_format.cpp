// swmrcat's lines for each kind of message, with the slice metadata as Python prints it.

#include "bytes.hpp"

#include "swmrcat/message_format.hpp"

#include <doctest/doctest.h>

using namespace swmrd;
using namespace swmrd::cat;
using swmrd::tools::test::raw_bytes;

namespace {

proto::Envelope envelope(std::uint64_t seq) {
    return {"det1", "r1", seq, 1.0};
}

proto::FrameHeader frame_2d(std::uint64_t index, std::vector<proto::Part> parts) {
    proto::FrameHeader frame;
    frame.envelope = envelope(index + 1);
    frame.file = "/data/scan.h5";
    frame.index = index;
    frame.slice = {{index / 2, index / 2 + 1}, {index % 2, index % 2 + 1}};
    frame.scan_shape = {2, 2};
    frame.parts = std::move(parts);
    return frame;
}

} // namespace

TEST_CASE("slice metadata, shapes and max shapes read like Python tuples") {
    CHECK(python_slices({{0, 1}, {1, 2}}) == "(slice(0, 1, None), slice(1, 2, None))");
    CHECK(python_slices({{3, 4}}) == "(slice(3, 4, None),)");
    CHECK(python_shape({1, 1, 5, 10}) == "(1, 1, 5, 10)");
    CHECK(python_shape({4}) == "(4,)");
    CHECK(python_shape({}) == "()");
    CHECK(python_maxshape({std::nullopt, 3}) == "(None, 3)");
}

TEST_CASE("filters are listed with their names and cd_values") {
    CHECK(filters_text({}) == "none");
    CHECK(filters_text({{32004, {0}}, {2, {2}}, {40000, {}}}) ==
          "32004 lz4 [0], 2 shuffle [2], 40000 []");
}

TEST_CASE("a start line gives the file, scan shape and datasets") {
    proto::StartHeader start;
    start.envelope = envelope(0);
    start.file = "/data/scan.h5";
    start.keys = {"/entry/keys/uid"};
    start.scan_rank = 2;
    start.scan_shape = {std::nullopt, 2};
    start.datasets = {
        {"/entry/data/data", "<i8", {5, 10}, proto::Encoding::raw, {}, {}},
        {"/entry/data/data_1", "<u2", {4, 4}, proto::Encoding::chunk, {{32004, {0}}}, {}}};
    CHECK(
        format_start(start) ==
        "det1 start: /data/scan.h5, scan shape (None, 2), first index 0, timeout 10s, datasets "
        "/entry/data/data <i8 (5, 10) raw, /entry/data/data_1 <u2 (4, 4) chunk (32004 lz4 [0])\n");
}

TEST_CASE("a frame shows its slice metadata, then each part with its values") {
    const std::vector<std::int16_t> values{1, -2, 3, 4};
    const auto payload = raw_bytes(values, true);
    auto frame =
        frame_2d(1, {{"/entry/data/data", ">i2", {1, 1, 2, 2}, proto::Encoding::raw, 8, {}}});
    CHECK(format_frame(frame, {payload}, {}) ==
          "det1 frame 1: (slice(0, 1, None), slice(1, 2, None))\n"
          "/entry/data/data >i2 (1, 1, 2, 2)\n"
          "[[[[ 1 -2]\n"
          "   [ 3  4]]]]\n");
    PrintOptions quiet;
    quiet.quiet_frames = true;
    CHECK(format_frame(frame, {payload}, quiet) ==
          "det1 frame 1: (slice(0, 1, None), slice(1, 2, None))\n");
}

TEST_CASE("a large part is summarised, a chunk part described, a bad one named") {
    std::vector<std::uint16_t> ramp(101);
    for (std::size_t i = 0; i < ramp.size(); ++i)
        ramp[i] = static_cast<std::uint16_t>(i);
    const proto::Part large{"/d", "<u2", {1, 101}, proto::Encoding::raw, 202, {}};
    CHECK(format_part(large, raw_bytes(ramp, false), {}) ==
          "/d <u2 (1, 101): min 0, max 100, mean 50\n");
    PrintOptions more;
    more.max_values = 200;
    CHECK(format_part(large, raw_bytes(ramp, false), more).find("[[  0   1   2") !=
          std::string::npos);

    const proto::Part chunk{"/d", "<u2", {1, 4, 4}, proto::Encoding::chunk, 32, {{32004, {0}}}};
    CHECK(format_part(chunk, std::string(21, 'x'), {}) ==
          "/d <u2 (1, 4, 4): chunk of 21 bytes stored, 32 decoded, filters 32004 lz4 [0]\n");

    const proto::Part short_part{"/d", "<u2", {1, 4}, proto::Encoding::raw, 8, {}};
    CHECK(format_part(short_part, std::string(6, '\0'), {}) ==
          "/d <u2 (1, 4): bad payload: 6 bytes where the shape needs 8\n");
    const proto::Part odd_type{"/d", "<c8", {1}, proto::Encoding::raw, 8, {}};
    CHECK(format_part(odd_type, std::string(8, '\0'), {}) ==
          "/d <c8 (1,): 8 bytes of a dtype protocol v1 does not have\n");
}

TEST_CASE("a frame whose payload parts do not match its header says so") {
    auto frame = frame_2d(0, {{"/d", "<u2", {1, 1, 1}, proto::Encoding::raw, 2, {}}});
    CHECK(format_frame(frame, {}, {}) == "det1 frame 0: (slice(0, 1, None), slice(0, 1, None))\n"
                                         "bad frame: 0 payload parts where the header lists 1\n");
}

TEST_CASE("end and heartbeat lines") {
    proto::EndHeader end;
    end.envelope = envelope(5);
    end.file = "/data/scan.h5";
    end.reason = proto::EndReason::finished;
    end.frames = 4;
    end.last_index = 3;
    CHECK(format_end(end) == "det1 end: /data/scan.h5, finished, 4 frames, last index 3\n");
    end.reason = proto::EndReason::error;
    end.frames = 0;
    end.last_index = -1;
    end.error = "/entry/keys/uid: no such dataset";
    CHECK(format_end(end) == "det1 end: /data/scan.h5, error, 0 frames, last index -1, error: "
                             "/entry/keys/uid: no such dataset\n");

    proto::HeartbeatHeader heartbeat;
    heartbeat.envelope = {"_daemon", "i1", 7, 1.0};
    heartbeat.version = "0.1.0";
    heartbeat.host = "beamline";
    heartbeat.watches = {"det1", "det2"};
    CHECK(format_heartbeat(heartbeat) ==
          "_daemon heartbeat: swmrd 0.1.0 on beamline, watches [det1, det2]\n");
}
