#include "helpers.hpp"
#include "vectors.hpp"

#include "swmrd/proto/messages.hpp"
#include "swmrd/proto/msgpack_value.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

using namespace swmrd::proto;
using namespace swmrd::proto::testing;

namespace {

Header round_trip(const Header& header) {
    const std::string bytes = encode_header(header);
    return decode_header(bytes.data(), bytes.size());
}

Value as_value(const Header& header) {
    const std::string bytes = encode_header(header);
    return decode_value(bytes.data(), bytes.size());
}

std::vector<std::string> keys_of(const Value& map) {
    std::vector<std::string> keys;
    for (const auto& entry : *map.as_map())
        keys.push_back(entry.first);
    return keys;
}

template <class H> H vector_header(const std::string& name) {
    for (const Vector& vector : all_vectors())
        if (vector.name == name)
            return std::get<H>(std::get<Header>(vector.message));
    throw std::logic_error("no vector " + name);
}

const std::vector<std::string> envelope_keys{"v", "kind", "watch", "run", "seq", "time"};

std::vector<std::string> envelope_and(std::initializer_list<const char*> more) {
    std::vector<std::string> keys = envelope_keys;
    keys.insert(keys.end(), more.begin(), more.end());
    return keys;
}

} // namespace

TEST_CASE("every header of the vectors round-trips through encode_header and decode_header") {
    for (const Vector& vector : all_vectors()) {
        if (const Header* header = std::get_if<Header>(&vector.message)) {
            CAPTURE(vector.name);
            CHECK(round_trip(*header) == *header);
        }
    }
}

TEST_CASE("the typed encode_header overloads write the same bytes as the Header one") {
    const auto start = vector_header<StartHeader>("start_chunk");
    const auto frame = vector_header<FrameHeader>("frame_chunk");
    const auto end = vector_header<EndHeader>("end_error");
    const auto beat = vector_header<HeartbeatHeader>("heartbeat");
    CHECK(encode_header(start) == encode_header(Header{start}));
    CHECK(encode_header(frame) == encode_header(Header{frame}));
    CHECK(encode_header(end) == encode_header(Header{end}));
    CHECK(encode_header(beat) == encode_header(Header{beat}));
}

TEST_CASE("start header: keys and values as docs/protocol.md names them") {
    const auto start = vector_header<StartHeader>("start_chunk");
    const Value value = as_value(start);
    CHECK(keys_of(value) == envelope_and({"file", "keys", "finished", "timeout", "scan_rank",
                                          "scan_shape", "first_index", "datasets"}));
    CHECK(to_json(*value.find("v")) == "1");
    CHECK(*value.find("kind")->as_string() == "start");
    CHECK(value.find("finished")->is_nil());
    CHECK(to_json(*value.find("timeout")) == "2.5");
    CHECK(to_json(*value.find("time")) == "1718000000.123456");
    CHECK(to_json(*value.find("scan_shape")) == "[null]");
    CHECK(to_json(*value.find("first_index")) == "17");
    const Array& datasets = *value.find("datasets")->as_array();
    REQUIRE(datasets.size() == 2);
    CHECK(keys_of(datasets[0]) ==
          std::vector<std::string>{"path", "dtype", "frame_shape", "encoding", "filters"});
    CHECK(to_json(*datasets[0].find("filters")) == "[[32008, [0, 3, 4, 0, 2]]]");
    // `filters` only where the encoding is chunk.
    CHECK(keys_of(datasets[1]) ==
          std::vector<std::string>{"path", "dtype", "frame_shape", "encoding"});
    CHECK(to_json(*datasets[1].find("frame_shape")) == "[]");

    StartHeader with_finished = start;
    with_finished.finished = "/entry/finished";
    CHECK(*as_value(with_finished).find("finished")->as_string() == "/entry/finished");
}

TEST_CASE("frame header: slices as [start, stop, nil], shapes and nbytes as integers") {
    const auto frame = vector_header<FrameHeader>("frame_3d");
    const Value value = as_value(frame);
    CHECK(keys_of(value) == envelope_and({"file", "index", "slice", "scan_shape", "parts"}));
    CHECK(to_json(*value.find("slice")) == "[[2, 3, null], [1, 2, null], [1, 2, null]]");
    CHECK(to_json(*value.find("scan_shape")) == "[null, 3, 4]");
    const Array& parts = *value.find("parts")->as_array();
    REQUIRE(parts.size() == 1);
    CHECK(keys_of(parts[0]) ==
          std::vector<std::string>{"path", "dtype", "shape", "encoding", "nbytes"});
    CHECK(to_json(parts[0]) == R"({"path": "/entry/data/data", "dtype": ">i8", )"
                               R"("shape": [1, 1, 1, 2, 3], "encoding": "raw", "nbytes": 48})");

    const Value chunk = as_value(vector_header<FrameHeader>("frame_chunk_two_filters"));
    CHECK(to_json(*chunk.find("parts")->as_array()->at(0).find("filters")) ==
          "[[32001, [2, 2, 4, 262144, 5, 1, 1]], [32004, []]]");
}

TEST_CASE("frame header: the raw encoding drops filters a part may still hold") {
    auto frame = vector_header<FrameHeader>("frame_raw");
    frame.parts[0].filters = {{32004, {}}};
    const Value value = as_value(frame);
    CHECK(value.find("parts")->as_array()->at(0).find("filters") == nullptr);
}

TEST_CASE("end header: `error` only with reason error") {
    for (EndReason reason : {EndReason::finished, EndReason::complete, EndReason::timeout,
                             EndReason::stopped, EndReason::shutdown}) {
        CAPTURE(to_string(reason));
        EndHeader end = vector_header<EndHeader>("end_finished");
        end.reason = reason;
        end.error = "ignored"; // not part of a non-error end
        const Value value = as_value(end);
        CHECK(keys_of(value) == envelope_and({"file", "reason", "frames", "last_index"}));
        CHECK(*value.find("reason")->as_string() == to_string(reason));
        const auto decoded = std::get<EndHeader>(round_trip(end));
        CHECK_FALSE(decoded.error.has_value());
    }
    const auto error = vector_header<EndHeader>("end_error");
    const Value value = as_value(error);
    CHECK(keys_of(value) == envelope_and({"file", "reason", "frames", "last_index", "error"}));
    CHECK(*value.find("error")->as_string() == *error.error);
}

TEST_CASE("end header: an error end without a message still carries `error`") {
    EndHeader end = vector_header<EndHeader>("end_error");
    end.error.reset();
    const auto decoded = std::get<EndHeader>(round_trip(end));
    CHECK(decoded.error == std::optional<std::string>(""));
}

TEST_CASE("end header: last_index -1 before any frame") {
    const auto end = vector_header<EndHeader>("end_error_before_start");
    CHECK(to_json(*as_value(end).find("last_index")) == "-1");
    CHECK(to_json(*as_value(end).find("seq")) == "0");
}

TEST_CASE("heartbeat header: keys and round trip") {
    const auto beat = vector_header<HeartbeatHeader>("heartbeat");
    CHECK(keys_of(as_value(beat)) ==
          envelope_and({"period", "version", "host", "watches", "fetch"}));
    HeartbeatHeader empty = beat;
    empty.watches.clear();
    CHECK(round_trip(empty) == Header{empty});
    HeartbeatHeader with_fetch = beat;
    with_fetch.fetch = "tcp://*:5557";
    CHECK(round_trip(with_fetch) == Header{with_fetch});
}

TEST_CASE("headers round-trip at the edges of their integer types") {
    FrameHeader frame = vector_header<FrameHeader>("frame_raw");
    const auto max = std::numeric_limits<std::uint64_t>::max();
    frame.envelope.seq = max;
    frame.index = max;
    frame.slice = {{max - 1, max}};
    frame.scan_shape = {max};
    frame.parts[0].nbytes = max;
    frame.parts[0].shape = {0, max};
    CHECK(round_trip(frame) == Header{frame});

    EndHeader end = vector_header<EndHeader>("end_timeout");
    end.last_index = std::numeric_limits<std::int64_t>::max();
    CHECK(round_trip(end) == Header{end});
    end.last_index = std::numeric_limits<std::int64_t>::min();
    CHECK(round_trip(end) == Header{end});

    StartHeader start = vector_header<StartHeader>("start_chunk");
    start.datasets[0].filters = {{std::numeric_limits<std::uint32_t>::max(),
                                  {0, std::numeric_limits<std::uint32_t>::max()}}};
    CHECK(round_trip(start) == Header{start});
}

TEST_CASE("headers round-trip empty lists and strings") {
    FrameHeader frame;
    frame.envelope.watch = "w";
    CHECK(round_trip(frame) == Header{frame});
    StartHeader start;
    CHECK(round_trip(start) == Header{start});
}

TEST_CASE("decode_header ignores keys it does not know, at any level") {
    const auto frame = vector_header<FrameHeader>("frame_chunk");
    std::string bytes = with_field(encode_header(frame), "added_in_v1_1", text("x"));
    Map map = map_of(bytes);
    const Value checksum = integer(1234);
    for (auto& [key, value] : map)
        if (key == "parts")
            std::get<Map>(std::get<Array>(value.data)[0].data).emplace_back("checksum", checksum);
    bytes = bytes_of(std::move(map));
    CHECK(decode_header(bytes.data(), bytes.size()) == Header{frame});
}

TEST_CASE("decode_header reads the fields in any order") {
    const auto end = vector_header<EndHeader>("end_error");
    Map map = map_of(encode_header(end));
    std::reverse(map.begin(), map.end());
    const std::string bytes = bytes_of(std::move(map));
    CHECK(decode_header(bytes.data(), bytes.size()) == Header{end});
}

TEST_CASE("kind_of, topic_of and to_string") {
    CHECK(std::string(kind_of(vector_header<StartHeader>("start_raw"))) == "start");
    CHECK(std::string(kind_of(vector_header<FrameHeader>("frame_raw"))) == "frame");
    CHECK(std::string(kind_of(vector_header<EndHeader>("end_timeout"))) == "end");
    CHECK(std::string(kind_of(vector_header<HeartbeatHeader>("heartbeat"))) == "heartbeat");
    CHECK(topic_of(vector_header<FrameHeader>("frame_raw")) == "det1/frame");
    CHECK(topic_of(vector_header<HeartbeatHeader>("heartbeat")) == "_daemon/heartbeat");
    CHECK(std::string(to_string(Encoding::raw)) == "raw");
    CHECK(std::string(to_string(Encoding::chunk)) == "chunk");
    CHECK(std::string(to_string(EndReason::shutdown)) == "shutdown");
}
