// One case per class of bad input, each asserting the message names what was wrong.

#include "helpers.hpp"
#include "vectors.hpp"

#include "swmrd/proto/control.hpp"
#include "swmrd/proto/messages.hpp"
#include "swmrd/proto/msgpack_value.hpp"

#include <doctest/doctest.h>

using namespace swmrd::proto;
using namespace swmrd::proto::testing;

namespace {

std::string vector_bytes(const std::string& name) {
    for (const Vector& vector : all_vectors())
        if (vector.name == name)
            return encode(vector);
    throw std::logic_error("no vector " + name);
}

std::string header_error(const std::string& bytes) {
    const DecodeError error = decode_error([&] { decode_header(bytes.data(), bytes.size()); });
    CHECK(error.code() == "bad_request");
    return error.what();
}

DecodeError request_error(const std::string& bytes) {
    return decode_error([&] { decode_request(bytes.data(), bytes.size()); });
}

std::string reply_error(const std::string& bytes, const std::string& command) {
    return decode_error([&] { decode_reply(bytes.data(), bytes.size(), command); }).what();
}

// `bytes` with the map at `key` of its top-level map edited by `edit`.
template <class F> std::string edit_item(const std::string& bytes, const std::string& key, F edit) {
    Map map = map_of(bytes);
    for (auto& [name, value] : map)
        if (name == key)
            edit(value);
    return bytes_of(std::move(map));
}

Map& first_map(Value& array) {
    return std::get<Map>(std::get<Array>(array.data)[0].data);
}

void set(Map& map, const std::string& key, Value value) {
    for (auto& [name, item] : map)
        if (name == key)
            item = std::move(value);
}

void erase_key(Map& map, const std::string& key) {
    std::erase_if(map, [&](const auto& entry) { return entry.first == key; });
}

std::string raw(std::initializer_list<int> list) {
    std::string out;
    for (int b : list)
        out += static_cast<char>(b);
    return out;
}

} // namespace

TEST_CASE("header: a missing field is named") {
    CHECK(header_error(without_field(vector_bytes("frame_raw"), "index")) ==
          "frame header: missing field `index`");
    CHECK(header_error(without_field(vector_bytes("start_raw"), "finished")) ==
          "start header: missing field `finished`");
    CHECK(header_error(without_field(vector_bytes("heartbeat"), "run")) ==
          "heartbeat header: missing field `run`");
    CHECK(header_error(without_field(vector_bytes("end_timeout"), "last_index")) ==
          "end header: missing field `last_index`");
    CHECK(header_error(without_field(vector_bytes("frame_raw"), "kind")) ==
          "header: missing field `kind`");
    CHECK(header_error(without_field(vector_bytes("frame_raw"), "v")) ==
          "header: missing field `v`");
}

TEST_CASE("header: a missing field inside a list is named with its position") {
    const std::string bytes = edit_item(vector_bytes("frame_chunk"), "parts", [](Value& parts) {
        erase_key(std::get<Map>(std::get<Array>(parts.data)[1].data), "nbytes");
    });
    CHECK(header_error(bytes) == "frame header: missing field `parts[1].nbytes`");
}

TEST_CASE("header: a field that depends on another is required with it") {
    CHECK(header_error(without_field(vector_bytes("end_error"), "error")) ==
          "end header: missing field `error`");
    const std::string bytes = edit_item(vector_bytes("start_chunk"), "datasets",
                                        [](Value& d) { erase_key(first_map(d), "filters"); });
    CHECK(header_error(bytes) == "start header: missing field `datasets[0].filters`");
}

TEST_CASE("header: a field of the wrong type is named with both types") {
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "index", text("7"))) ==
          "frame header: field `index` must be an integer, got a string");
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "time", integer(1))) ==
          "frame header: field `time` must be a float, got an integer");
    CHECK(header_error(with_field(vector_bytes("start_raw"), "finished", integer(0))) ==
          "start header: field `finished` must be a string or nil, got an integer");
    CHECK(header_error(with_field(vector_bytes("start_raw"), "keys", text("/k"))) ==
          "start header: field `keys` must be an array, got a string");
    CHECK(header_error(with_field(vector_bytes("start_raw"), "scan_shape",
                                  Value{Array{integer(3), Value{2.0}}})) ==
          "start header: field `scan_shape[1]` must be an integer or nil, got a float");
    CHECK(header_error(
              with_field(vector_bytes("heartbeat"), "watches", Value{Array{text("a"), Value{}}})) ==
          "heartbeat header: field `watches[1]` must be a string, got nil");
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "kind", integer(1))) ==
          "header: field `kind` must be a string, got an integer");
}

TEST_CASE("header: a wrong type deep inside a part is named by its path") {
    const std::string nbytes = edit_item(vector_bytes("frame_raw"), "parts", [](Value& parts) {
        set(first_map(parts), "nbytes", Value{100.0});
    });
    CHECK(header_error(nbytes) == "frame header: field `parts[0].nbytes` must be an integer, "
                                  "got a float");
    const std::string cd = edit_item(vector_bytes("frame_chunk"), "parts", [](Value& parts) {
        set(first_map(parts), "filters",
            Value{Array{Value{Array{integer(32008), Value{Array{integer(0), text("x")}}}}}});
    });
    CHECK(header_error(cd) ==
          "frame header: field `parts[0].filters[0][1][1]` must be an integer, got a string");
}

TEST_CASE("header: values out of their range or shape are named") {
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "seq", integer(-1))) ==
          "frame header: field `seq` must not be negative, got -1");
    CHECK(header_error(with_field(vector_bytes("end_timeout"), "last_index",
                                  Value{std::uint64_t{1} << 63})) ==
          "end header: field `last_index` must be at most 2^63-1, got 9223372036854775808");
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "slice",
                                  Value{Array{Value{Array{integer(1), integer(2)}}}})) ==
          "frame header: field `slice[0]` must be [start, stop, nil], got an array of 2");
    CHECK(
        header_error(with_field(vector_bytes("frame_raw"), "slice",
                                Value{Array{Value{Array{integer(1), integer(2), integer(1)}}}})) ==
        "frame header: field `slice[0][2]` must be nil, got an integer");
    const std::string filter = edit_item(vector_bytes("frame_chunk"), "parts", [](Value& parts) {
        set(first_map(parts), "filters",
            Value{Array{Value{Array{integer(std::int64_t{1} << 32), Value{Array{}}}}}});
    });
    CHECK(header_error(filter) ==
          "frame header: field `parts[0].filters[0][0]` must fit in 32 bits, got 4294967296");
    const std::string pair = edit_item(vector_bytes("frame_chunk"), "parts", [](Value& parts) {
        set(first_map(parts), "filters", Value{Array{Value{Array{integer(32008)}}}});
    });
    CHECK(header_error(pair) == "frame header: field `parts[0].filters[0]` must be "
                                "[filter_id, [cd_values...]], got an array of 1");
}

TEST_CASE("header: an unknown enumeration value is named with the known ones") {
    CHECK(header_error(with_field(vector_bytes("end_timeout"), "reason", text("crashed"))) ==
          "end header: field `reason` must be one of `finished`, `complete`, `timeout`, "
          "`stopped`, `shutdown`, `error`, got `crashed`");
    const std::string bytes = edit_item(vector_bytes("frame_raw"), "parts", [](Value& parts) {
        set(first_map(parts), "encoding", text("zstd"));
    });
    CHECK(header_error(bytes) ==
          "frame header: field `parts[0].encoding` must be one of `raw`, `chunk`, got `zstd`");
}

TEST_CASE("header: an unknown kind") {
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "kind", text("frames"))) ==
          "header: field `kind` must be one of `start`, `frame`, `end`, `heartbeat`, got "
          "`frames`");
}

TEST_CASE("header: a version other than 1") {
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "v", integer(2))) ==
          "header: field `v` is 2, this reader speaks protocol version 1");
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "v", integer(-1))) ==
          "header: field `v` is -1, this reader speaks protocol version 1");
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "v", text("1"))) ==
          "header: field `v` must be an integer, got a string");
    CHECK(header_error(with_field(vector_bytes("frame_raw"), "v", Value{1.0})) ==
          "header: field `v` must be an integer, got a float");
}

TEST_CASE("header: bytes that are not MessagePack") {
    CHECK(header_error(raw({0xc1})) == "header: not MessagePack");
    CHECK(header_error("") == "header: empty message, expected a MessagePack map");
}

TEST_CASE("header: MessagePack that is not a map") {
    CHECK(header_error(encode_value(Value{Array{text("start")}})) ==
          "header: must be a MessagePack map, got an array");
    CHECK(header_error(encode_value(Value{})) == "header: must be a MessagePack map, got nil");
}

TEST_CASE("header: truncated bytes, at every length") {
    const std::string bytes = vector_bytes("frame_chunk");
    for (std::size_t size = 1; size < bytes.size(); ++size) {
        CAPTURE(size);
        CHECK(header_error(bytes.substr(0, size)).find("header: truncated MessagePack") == 0);
    }
}

TEST_CASE("header: trailing bytes after the map") {
    CHECK(header_error(vector_bytes("heartbeat") + raw({0xc0, 0xc0})) ==
          "header: 2 trailing bytes after the MessagePack object");
}

TEST_CASE("request: not MessagePack, not a map, truncated, trailing bytes: bad_request") {
    const std::string ping = encode_request(PingRequest{});
    const auto check = [](const std::string& bytes, const std::string& message) {
        const DecodeError error = request_error(bytes);
        CHECK(error.code() == "bad_request");
        CHECK(std::string(error.what()) == message);
    };
    check(raw({0xc1, 0x00}), "request: not MessagePack");
    check("", "request: empty message, expected a MessagePack map");
    check(encode_value(text("ping")), "request: must be a MessagePack map, got a string");
    check(ping.substr(0, ping.size() - 1),
          "request: truncated MessagePack (the 9 bytes end inside an object)");
    check(ping + ping, "request: 10 trailing bytes after the MessagePack object");
}

TEST_CASE("request: a missing or mistyped field is bad_request naming it") {
    const auto check = [](const std::string& bytes, const std::string& message) {
        const DecodeError error = request_error(bytes);
        CHECK(error.code() == "bad_request");
        CHECK(std::string(error.what()) == message);
    };
    check(bytes_of(Map{}), "request: missing field `cmd`");
    check(bytes_of(Map{{"cmd", integer(1)}}), "request: field `cmd` must be a string, got an "
                                              "integer");
    check(bytes_of(Map{{"cmd", text("start")}}), "start request: missing field `watch`");
    check(bytes_of(Map{{"cmd", text("start")}, {"watch", text("det1")}}),
          "start request: field `watch` must be a map, got a string");
    check(bytes_of(Map{{"cmd", text("stop")}}), "stop request: missing field `watch`");
    check(bytes_of(Map{{"cmd", text("stop")}, {"watch", Value{Map{}}}}),
          "stop request: field `watch` must be a string, got a map");
    check(bytes_of(Map{{"cmd", text("status")}, {"watch", Value{}}}),
          "status request: field `watch` must be a string, got nil");
}

TEST_CASE("request: an unknown field is bad_request naming it") {
    const auto check = [](const std::string& bytes, const std::string& message) {
        const DecodeError error = request_error(bytes);
        CHECK(error.code() == "bad_request");
        CHECK(std::string(error.what()) == message);
    };
    check(with_field(encode_request(PingRequest{}), "watch", text("x")),
          "ping request: field `watch` is not a field of this request");
    check(with_field(encode_request(StopRequest{"d"}), "force", Value{true}),
          "stop request: field `force` is not a field of this request");
    check(with_field(encode_request(ListRequest{}), "verbose", Value{true}),
          "list request: field `verbose` is not a field of this request");
    // A key that is not a string cannot be a field either.
    check(raw({0x82, 0xa3, 'c', 'm', 'd', 0xa4, 'p', 'i', 'n', 'g', 0x01, 0x02}),
          "ping request: field names must be strings, got an integer");
    // Twice the same field is ambiguous.
    check(raw({0x83, 0xa3, 'c', 'm',  'd', 0xa4, 's', 't', 'o', 'p', 0xa5, 'w',  'a',
               't',  'c',  'h', 0xa1, 'a', 0xa5, 'w', 'a', 't', 'c', 'h',  0xa1, 'b'}),
          "stop request: field `watch` appears more than once");
}

TEST_CASE("request: an unknown cmd is unknown_command") {
    const DecodeError error = request_error(bytes_of(Map{{"cmd", text("restart")}}));
    CHECK(error.code() == "unknown_command");
    CHECK(std::string(error.what()) ==
          "request: field `cmd` is `restart`, not a command of protocol v1 (`ping`, `start`, "
          "`stop`, `list`, `status`, `runs`, `peers`)");
    // Even with fields no command has: the command is what is wrong.
    CHECK(request_error(bytes_of(Map{{"cmd", text("Ping")}, {"x", integer(1)}})).code() ==
          "unknown_command");
}

TEST_CASE("request: a start spec with what no v1 message holds is bad_request") {
    const DecodeError error =
        request_error(raw({0x82, 0xa3, 'c', 'm', 'd', 0xa5, 's',  't', 'a',  'r',  't', 0xa5,
                           'w',  'a',  't', 'c', 'h', 0x81, 0xa1, 'k', 0xc4, 0x01, 0x00}));
    CHECK(error.code() == "bad_request");
    CHECK(std::string(error.what()) ==
          "start request: field `watch.k` holds binary data, which protocol v1 never uses");
}

TEST_CASE("reply: missing and mistyped fields are named") {
    CHECK(reply_error(without_field(encode_reply(PingReply{"1", 1, 1.0, {}}), "uptime"), "ping") ==
          "ping reply: missing field `uptime`");
    CHECK(reply_error(without_field(encode_reply(PingReply{"1", 1, 1.0, {}}), "ok"), "ping") ==
          "reply: missing field `ok`");
    CHECK(reply_error(with_field(encode_reply(StartReply{"d"}), "ok", integer(1)), "start") ==
          "reply: field `ok` must be a boolean, got an integer");
    CHECK(reply_error(with_field(encode_reply(ErrorReply{"internal", "x"}), "error", text("x")),
                      "ping") == "error reply: field `error` must be a map, got a string");
    CHECK(
        reply_error(bytes_of(Map{{"ok", Value{false}}, {"error", Value{Map{{"code", text("x")}}}}}),
                    "ping") == "error reply: missing field `error.message`");
    const std::string list = edit_item(
        encode_reply(ListReply{{WatchStatus{}, WatchStatus{}}}), "watches", [](Value& watches) {
            set(std::get<Map>(std::get<Array>(watches.data)[1].data), "frames", integer(-2));
        });
    CHECK(reply_error(list, "list") == "list reply: field `watches[1].frames` must not be "
                                       "negative, got -2");
    CHECK(reply_error(without_field(encode_reply(StatusReply{}), "watch"), "status") ==
          "status reply: missing field `watch`");
    const std::string status = edit_item(encode_reply(StatusReply{}), "watch", [](Value& watch) {
        erase_key(std::get<Map>(watch.data), "current_file");
    });
    CHECK(reply_error(status, "status") == "status reply: missing field `watch.current_file`");
}

TEST_CASE("reply: bad bytes and unknown commands") {
    CHECK(reply_error(raw({0xc1}), "ping") == "reply: not MessagePack");
    CHECK(reply_error(encode_value(Value{Array{}}), "ping") ==
          "reply: must be a MessagePack map, got an array");
    const DecodeError error = decode_error([] { decode_reply("\x80", 1, "restart"); });
    CHECK(error.code() == "unknown_command");
    CHECK(std::string(error.what()).find("`restart`") != std::string::npos);
}
