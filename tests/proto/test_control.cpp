#include "helpers.hpp"
#include "vectors.hpp"

#include "swmrd/proto/control.hpp"
#include "swmrd/proto/msgpack_value.hpp"

#include <doctest/doctest.h>

using namespace swmrd::proto;
using namespace swmrd::proto::testing;

namespace {

// StartRequest holds a Value, which has no operator==.
bool same_request(const ControlRequest& a, const ControlRequest& b) {
    if (a.index() != b.index())
        return false;
    if (const auto* start = std::get_if<StartRequest>(&a))
        return same_value(start->watch, std::get<StartRequest>(b).watch);
    if (const auto* stop = std::get_if<StopRequest>(&a))
        return *stop == std::get<StopRequest>(b);
    if (const auto* status = std::get_if<StatusRequest>(&a))
        return *status == std::get<StatusRequest>(b);
    return true;
}

ControlRequest request_round_trip(const ControlRequest& request) {
    const std::string bytes = encode_request(request);
    return decode_request(bytes.data(), bytes.size());
}

std::string json_of(const std::string& bytes) {
    return to_json(decode_value(bytes.data(), bytes.size()));
}

ControlReply decode(const std::string& bytes, const std::string& command) {
    return decode_reply(bytes.data(), bytes.size(), command);
}

WatchStatus status_with_nils() {
    WatchStatus s;
    s.name = "w";
    s.file = "/data/*.h5";
    s.source = "control";
    s.state = WatchState::waiting;
    return s;
}

} // namespace

TEST_CASE("every request of the vectors round-trips") {
    for (const Vector& vector : all_vectors()) {
        if (const auto* request = std::get_if<ControlRequest>(&vector.message)) {
            CAPTURE(vector.name);
            CHECK(same_request(request_round_trip(*request), *request));
        }
    }
}

TEST_CASE("every reply of the vectors round-trips") {
    for (const Vector& vector : all_vectors()) {
        if (const auto* reply = std::get_if<ReplyTo>(&vector.message)) {
            CAPTURE(vector.name);
            CHECK(decode(encode_reply(reply->reply), reply->command) == reply->reply);
        }
    }
}

TEST_CASE("requests on the wire") {
    CHECK(json_of(encode_request(PingRequest{})) == R"({"cmd": "ping"})");
    CHECK(json_of(encode_request(ListRequest{})) == R"({"cmd": "list"})");
    CHECK(json_of(encode_request(StopRequest{"det1"})) == R"({"cmd": "stop", "watch": "det1"})");
    CHECK(json_of(encode_request(StatusRequest{"det1"})) ==
          R"({"cmd": "status", "watch": "det1"})");
    const StartRequest start{Value{Map{{"name", text("d")}, {"timeout", Value{2.5}}}}};
    CHECK(json_of(encode_request(start)) ==
          R"({"cmd": "start", "watch": {"name": "d", "timeout": 2.5}})");
}

TEST_CASE("command_of names every request") {
    CHECK(std::string(command_of(PingRequest{})) == "ping");
    CHECK(std::string(command_of(StartRequest{})) == "start");
    CHECK(std::string(command_of(StopRequest{})) == "stop");
    CHECK(std::string(command_of(ListRequest{})) == "list");
    CHECK(std::string(command_of(StatusRequest{})) == "status");
}

TEST_CASE("the start request keeps the watch spec as it came, for config/ to validate") {
    // Not a valid spec: proto/ checks only that it is a map.
    const Value spec{Map{{"name", integer(5)}, {"bogus", Value{Array{Value{}}}}}};
    const auto decoded = std::get<StartRequest>(request_round_trip(StartRequest{spec}));
    CHECK(same_value(decoded.watch, spec));
    CHECK_FALSE(decoded.watch.mark.has_value());
}

TEST_CASE("replies on the wire") {
    CHECK(json_of(encode_reply(PingReply{"0.1.0", 1, 2.0, {}})) ==
          R"({"ok": true, "version": "0.1.0", "protocol": 1, "uptime": 2.0, "features": []})");
    CHECK(json_of(encode_reply(StartReply{"d"})) == R"({"ok": true, "watch": "d"})");
    CHECK(json_of(encode_reply(StopReply{"d", 3})) == R"({"ok": true, "watch": "d", "frames": 3})");
    CHECK(
        json_of(encode_reply(ErrorReply{"not_found", "no watch named x is listed"})) ==
        R"({"ok": false, "error": {"code": "not_found", "message": "no watch named x is listed"}})");
    CHECK(json_of(encode_reply(ListReply{})) ==
          R"({"ok": true, "watches": [], "subscribers": 0, "peers_cut": 0})");
}

TEST_CASE("a status map has every key, nil for what is absent") {
    CHECK(json_of(encode_reply(StatusReply{status_with_nils()})) ==
          R"({"ok": true, "watch": {"name": "w", "file": "/data/*.h5", "source": "control", )"
          R"("state": "waiting", "current_file": null, "run": null, "frames": 0, "bytes": 0, )"
          R"("last_index": -1, "dropped": 0, "lost": 0, "error": null, "file_state": null, )"
          R"("warning": null}})");
    const ControlReply reply = StatusReply{status_with_nils()};
    CHECK(decode(encode_reply(reply), "status") == reply);
}

TEST_CASE("an error reply decodes whatever the command") {
    const ControlReply error = ErrorReply{"internal", "it broke"};
    for (const char* command : {"ping", "start", "stop", "list", "status"}) {
        CAPTURE(command);
        CHECK(decode(encode_reply(error), command) == error);
    }
}

TEST_CASE("replies: unknown keys are ignored") {
    const ControlReply reply = StopReply{"det1", 9};
    const std::string bytes = with_field(encode_reply(reply), "took", Value{0.001});
    CHECK(decode(bytes, "stop") == reply);
    const ControlReply error = ErrorReply{"exists", "x"};
    Map map = map_of(encode_reply(error));
    std::get<Map>(map[1].second.data).emplace_back("details", Value{Map{}});
    CHECK(decode(bytes_of(std::move(map)), "start") == error);
}

TEST_CASE("replies: a success decodes by the command it answers") {
    // A stop reply read as a start reply: `watch` is all a start reply needs.
    CHECK(decode(encode_reply(StopReply{"d", 1}), "start") == ControlReply{StartReply{"d"}});
    // A start reply read as a stop reply lacks `frames`.
    CHECK(std::string(decode_error([] { decode(encode_reply(StartReply{"d"}), "stop"); }).what()) ==
          "stop reply: missing field `frames`");
}
