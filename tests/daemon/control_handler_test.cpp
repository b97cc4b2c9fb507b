// The control channel's handler, bytes in and bytes out, over a real watch list and publisher
// (on 127.0.0.1): every request gets exactly one reply, and a bad one changes nothing.

#include "control/control_handler.hpp"

#include "temp_dir.hpp"

#include <swmrd/proto/control.hpp>

#include <doctest/doctest.h>

#include <msgpack.hpp>

using namespace swmrd;
using namespace swmrd::daemon;

namespace {

struct Daemon {
    zmq::context_t context{1};
    InflightBudget budget{64ull << 20};
    Publisher publisher{context, {"tcp://127.0.0.1:*"}, Delivery::lossless, budget};
    RunRegistry runs{10};
    WatchManager watches{publisher, budget, Delivery::lossless, 64ull << 20, runs, 2};
    ControlHandler handler;

    explicit Daemon(const std::vector<std::string>& roots) : handler(watches, runs, roots) {}

    proto::ControlReply ask(const proto::ControlRequest& request) {
        const auto bytes = proto::encode_request(request);
        const auto reply = handler.handle(bytes.data(), bytes.size());
        return proto::decode_reply(reply.data(), reply.size(), proto::command_of(request));
    }
    proto::ControlReply ask_bytes(const std::string& bytes, const std::string& command) {
        const auto reply = handler.handle(bytes.data(), bytes.size());
        return proto::decode_reply(reply.data(), reply.size(), command);
    }
};

proto::Value spec(const std::string& name, const std::string& file) {
    proto::Map map;
    map.emplace_back("name", proto::Value{name});
    map.emplace_back("file", proto::Value{file});
    map.emplace_back("keys", proto::Value{proto::Array{proto::Value{std::string("/k")}}});
    map.emplace_back("datasets", proto::Value{proto::Array{proto::Value{std::string("/d")}}});
    return proto::Value{std::move(map)};
}

std::string code_of(const proto::ControlReply& reply) {
    const auto* error = std::get_if<proto::ErrorReply>(&reply);
    return error ? error->code : "ok";
}

std::size_t listed(Daemon& daemon) {
    return std::get<proto::ListReply>(daemon.ask(proto::ListRequest{})).watches.size();
}

} // namespace

TEST_CASE("bytes that are not a request get bad_request, and change nothing") {
    swmrd::test::TempDir dir;
    Daemon daemon({dir.path().string()});
    CHECK(code_of(daemon.ask_bytes("not msgpack at all", "ping")) == "bad_request");
    CHECK(code_of(daemon.ask_bytes(std::string("\x93\x01\x02\x03", 4), "ping")) ==
          "bad_request"); // an array, not a map
    std::stringstream unknown;
    msgpack::pack(unknown, std::map<std::string, std::string>{{"cmd", "explode"}});
    // (An error reply decodes whatever the command it answers: "ping" stands in.)
    CHECK(code_of(daemon.ask_bytes(unknown.str(), "ping")) == "unknown_command");
    CHECK(listed(daemon) == 0);
    CHECK(std::holds_alternative<proto::PingReply>(daemon.ask(proto::PingRequest{})));
}

TEST_CASE("start, list, status, stop: a watch's life through the handler") {
    swmrd::test::TempDir dir;
    Daemon daemon({dir.path().string()});
    const auto file = dir.file("scan.h5"); // not there yet: the watch waits for it

    const auto started = daemon.ask(proto::StartRequest{spec("det", file)});
    REQUIRE(std::holds_alternative<proto::StartReply>(started));
    CHECK(std::get<proto::StartReply>(started).watch == "det");
    CHECK(code_of(daemon.ask(proto::StartRequest{spec("det", file)})) == "exists");

    const auto status = daemon.ask(proto::StatusRequest{"det"});
    REQUIRE(std::holds_alternative<proto::StatusReply>(status));
    const auto& watch = std::get<proto::StatusReply>(status).watch;
    CHECK(watch.name == "det");
    CHECK(watch.file == file);
    CHECK(watch.source == "control");
    CHECK(watch.state == proto::WatchState::waiting);
    CHECK(listed(daemon) == 1);

    CHECK(code_of(daemon.ask(proto::StatusRequest{"nobody"})) == "not_found");
    CHECK(code_of(daemon.ask(proto::StopRequest{"nobody"})) == "not_found");
    CHECK(code_of(daemon.ask(proto::RunsRequest{"nobody"})) == "not_found");

    CHECK(std::holds_alternative<proto::StopReply>(daemon.ask(proto::StopRequest{"det"})));
    CHECK(listed(daemon) == 0);
}

TEST_CASE("start outside the allowed roots, or past max_watches, is forbidden and starts nothing") {
    swmrd::test::TempDir dir;
    swmrd::test::TempDir elsewhere;
    Daemon daemon({dir.path().string()});

    const auto outside = daemon.ask(proto::StartRequest{spec("out", elsewhere.file("scan.h5"))});
    CHECK(code_of(outside) == "forbidden");
    CHECK(std::get<proto::ErrorReply>(outside).message.find(elsewhere.file("scan.h5")) !=
          std::string::npos);
    CHECK(listed(daemon) == 0);

    CHECK(code_of(daemon.ask(proto::StartRequest{spec("a", dir.file("a.h5"))})) == "ok");
    CHECK(code_of(daemon.ask(proto::StartRequest{spec("b", dir.file("b.h5"))})) == "ok");
    CHECK(code_of(daemon.ask(proto::StartRequest{spec("c", dir.file("c.h5"))})) == "forbidden");
    CHECK(listed(daemon) == 2);
}

TEST_CASE("a bad watch spec is bad_request and names what is wrong") {
    swmrd::test::TempDir dir;
    Daemon daemon({dir.path().string()});
    auto bad = spec("det", dir.file("scan.h5"));
    std::get<proto::Map>(bad.data).emplace_back("colour", proto::Value{std::string("red")});
    const auto reply = daemon.ask(proto::StartRequest{bad});
    CHECK(code_of(reply) == "bad_request");
    CHECK(std::get<proto::ErrorReply>(reply).message.find("colour") != std::string::npos);
    CHECK(listed(daemon) == 0);
}
