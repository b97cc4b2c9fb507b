// swmrctl's command line: every command, the two --timeout options, and start specs validated
// locally with the daemon's own validator.

#include "temp_dir.hpp"

#include "swmrctl/options.hpp"

#include <swmrd/config/config_error.hpp>
#include <swmrd/config/daemon_config.hpp>
#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/msgpack_value.hpp>

#include <doctest/doctest.h>

using namespace swmrd;
using namespace swmrd::ctl;

namespace {

CtlOptions parse(const std::vector<std::string>& args, const char* env = nullptr) {
    return parse_ctl_options(args, env);
}

std::string usage_error(const std::vector<std::string>& args) {
    try {
        parse(args);
    } catch (const UsageError& error) {
        return error.what();
    }
    FAIL("no usage error");
    return {};
}

const proto::Value& start_spec(const CtlOptions& options) {
    REQUIRE(options.request);
    const auto* start = std::get_if<proto::StartRequest>(&*options.request);
    REQUIRE(start != nullptr);
    return start->watch;
}

// What the daemon answers to a `start` whose spec is `yaml_spec`: it validates the spec as it
// arrives, from MessagePack, so without YAML line marks.
std::string validator_message(const std::string& yaml_spec) {
    const auto wire = proto::encode_value(config::yaml_to_value(yaml_spec));
    try {
        config::parse_watch_spec(proto::decode_value(wire.data(), wire.size()));
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    FAIL("the validator accepted it");
    return {};
}

} // namespace

TEST_CASE("the endpoint comes from -c, else $SWMRD_CONTROL, else the default") {
    CHECK(parse({"ping"}).endpoint == "tcp://127.0.0.1:5555");
    CHECK(parse({"ping"}, "tcp://10.0.0.1:7000").endpoint == "tcp://10.0.0.1:7000");
    CHECK(parse({"ping"}, "").endpoint == "tcp://127.0.0.1:5555");
    CHECK(parse({"-c", "tcp://h:1", "ping"}, "tcp://10.0.0.1:7000").endpoint == "tcp://h:1");
    CHECK(parse({"ping", "--control", "tcp://h:2"}).endpoint == "tcp://h:2");
}

TEST_CASE("each command becomes its request") {
    CHECK(std::holds_alternative<proto::PingRequest>(*parse({"ping"}).request));
    CHECK(std::holds_alternative<proto::ListRequest>(*parse({"list"}).request));
    const auto status = parse({"status", "det1"});
    REQUIRE(std::holds_alternative<proto::StatusRequest>(*status.request));
    CHECK(std::get<proto::StatusRequest>(*status.request).watch == "det1");
    const auto stop = parse({"stop", "det1"});
    REQUIRE(std::holds_alternative<proto::StopRequest>(*stop.request));
    CHECK(std::get<proto::StopRequest>(*stop.request).watch == "det1");
}

TEST_CASE("--json goes anywhere, the reply --timeout only before the command") {
    CHECK(parse({"--json", "list"}).json);
    CHECK(parse({"list", "--json"}).json);
    CHECK_FALSE(parse({"list"}).json);
    CHECK(parse({"list"}).reply_timeout.count() == 5.0);
    CHECK(parse({"--timeout", "500ms", "list"}).reply_timeout.count() == 0.5);
    CHECK(parse({"--timeout", "2", "status", "x"}).reply_timeout.count() == 2.0);
    CHECK(usage_error({"list", "--timeout", "3"}).find("goes before the command") !=
          std::string::npos);
    CHECK(usage_error({"stop", "det1", "--timeout", "3"}).find("goes before the command") !=
          std::string::npos);
    CHECK(usage_error({"--timeout", "soon", "ping"}).find("--timeout wants a positive duration") ==
          0);
    CHECK(usage_error({"--timeout", "0", "ping"}).find("--timeout wants a positive duration") == 0);
}

TEST_CASE("usage errors say what was wrong") {
    CHECK(usage_error({}) == "no command: ping, list, status, runs, peers, start, stop or top");
    CHECK(usage_error({"frob"}) ==
          "unknown command 'frob': ping, list, status, runs, peers, start, stop or top");
    CHECK(usage_error({"--frob", "ping"}) == "unknown option '--frob'");
    CHECK(usage_error({"ping", "extra"}) == "ping takes no argument, not 'extra'");
    CHECK(usage_error({"status"}) == "status needs a watch name");
    CHECK(usage_error({"stop", "a", "b"}) == "stop takes one watch name, not 'a' and 'b'");
    CHECK(usage_error({"list", "--all"}) == "unknown option '--all' for list");
    CHECK(usage_error({"-c"}) == "--control: 1 required ENDPOINT missing");
    CHECK(usage_error({"start"}) == "start needs a watch name (or -f FILE)");
    CHECK(usage_error({"start", "d", "--keys"}) == "--keys: 1 required K missing");
    CHECK(usage_error({"start", "d", "--interleaved", "x"}).find("--interleaved wants") == 0);
}

TEST_CASE("--help anywhere asks for the usage text, which documents the exit codes") {
    CHECK(parse({"--help"}).help);
    CHECK(parse({"start", "-h"}).help);
    CHECK_FALSE(parse({"--help"}).request);
    const std::string usage = ctl_usage();
    CHECK(usage.find("3  no reply within the timeout") != std::string::npos);
    CHECK(usage.find("how long to wait for the REPLY") != std::string::npos);
    CHECK(usage.find("the WATCH's timeout") != std::string::npos);
}

TEST_CASE("start builds the spec from its options, in the daemon's canonical form") {
    const auto options = parse({"start", "det1", "--file", "/data/scan-*.h5", "--keys",
                                "/entry/keys/uid", "/entry/keys/uid_1", "--datasets",
                                "/entry/data/data", "--finished", "/entry/finished", "--timeout",
                                "2500ms", "--encoding", "chunk", "--from", "latest"});
    const auto& spec = start_spec(options);
    // The reply timeout stays at its default: the --timeout after `start` is the watch's.
    CHECK(options.reply_timeout.count() == 5.0);

    config::WatchSpec expected;
    expected.name = "det1";
    expected.file = "/data/scan-*.h5";
    expected.keys = {"/entry/keys/uid", "/entry/keys/uid_1"};
    expected.datasets = {"/entry/data/data"};
    expected.finished = "/entry/finished";
    expected.timeout = config::Seconds(2.5);
    expected.encoding = config::Encoding::chunk;
    expected.from = config::From::latest;
    CHECK(config::parse_watch_spec(spec) == expected);
    CHECK(proto::to_json(spec) == proto::to_json(config::to_value(expected)));
}

TEST_CASE("start takes interleaved datasets and a plain number of seconds") {
    const auto options = parse({"start", "det2", "--file", "/d/x.h5", "--keys", "/k",
                                "--interleaved", "frames=/d0,/d1", "--timeout", "3"});
    const auto parsed = config::parse_watch_spec(start_spec(options));
    REQUIRE(parsed.interleaved.size() == 1);
    CHECK(parsed.interleaved[0].first == "frames");
    CHECK(parsed.interleaved[0].second == std::vector<std::string>{"/d0", "/d1"});
    CHECK(parsed.datasets.empty());
    CHECK(parsed.timeout.count() == 3.0);
}

TEST_CASE("a bad start spec is refused locally with the daemon's validator message") {
    CHECK(usage_error({"start", "det1", "--file", "scan.h5", "--keys", "/k", "--datasets", "/d"}) ==
          validator_message("{name: det1, file: scan.h5, keys: [/k], datasets: [/d]}"));
    CHECK(usage_error({"start", "det1", "--file", "/scan.h5", "--keys", "/k"}) ==
          validator_message("{name: det1, file: /scan.h5, keys: [/k]}"));
    CHECK(usage_error({"start", "det1", "--file", "/scan.h5", "--keys", "/k", "--datasets", "/d",
                       "--encoding", "zip"}) ==
          validator_message(
              "{name: det1, file: /scan.h5, keys: [/k], datasets: [/d], encoding: zip}"));
    CHECK(
        usage_error({"start", "_det", "--file", "/scan.h5", "--keys", "/k", "--datasets", "/d"}) ==
        validator_message("{name: _det, file: /scan.h5, keys: [/k], datasets: [/d]}"));
    CHECK(usage_error({"start", "det1", "--file", "/scan.h5", "--keys", "/k", "--datasets", "/d",
                       "--timeout", "soon"})
              .find("watch.timeout") != std::string::npos);
}

TEST_CASE("start -f reads a YAML spec, and its errors name the line and key") {
    swmrd::test::TempDir dir;
    const auto good = dir / "good.yaml";
    swmrd::test::write_text(good, "name: det1\nfile: /data/scan.h5\nkeys: [/entry/keys/uid]\n"
                                  "datasets: [/entry/data/data]\ntimeout: 20s\n");
    const auto parsed = config::parse_watch_spec(start_spec(parse({"start", "-f", good.string()})));
    CHECK(parsed.name == "det1");
    CHECK(parsed.timeout.count() == 20.0);

    const auto bad = dir / "bad.yaml";
    swmrd::test::write_text(bad, "name: det1\nfile: /data/scan.h5\nkeys: [/k]\n"
                                 "datasets: [/d]\ntimeot: 20s\n");
    const auto message = usage_error({"start", "-f", bad.string()});
    CHECK(message.find("timeot") != std::string::npos);
    CHECK(message.find("line 5") != std::string::npos);

    CHECK(usage_error({"start", "-f", (dir / "missing.yaml").string()}) ==
          "cannot read the spec file " + (dir / "missing.yaml").string());
    CHECK(usage_error({"start", "det1", "-f", good.string()}).find("start -f FILE takes") == 0);
}

TEST_CASE("top takes --interval and --count, and no request") {
    const auto defaults = parse({"top"});
    REQUIRE(defaults.top);
    CHECK_FALSE(defaults.request);
    CHECK(defaults.top->interval.count() == 1.0);
    CHECK_FALSE(defaults.top->count);

    const auto set =
        parse({"--timeout", "2", "top", "--interval", "0.2", "--count", "3", "-c", "tcp://h:1"});
    REQUIRE(set.top);
    CHECK(set.top->interval.count() == doctest::Approx(0.2));
    CHECK(set.top->count == 3u);
    CHECK(set.reply_timeout.count() == 2.0);
    CHECK(set.endpoint == "tcp://h:1");
    CHECK(parse({"top", "--interval", "500ms"}).top->interval.count() == 0.5);

    CHECK(usage_error({"top", "--interval", "0"}).find("--interval wants a positive duration") ==
          0);
    CHECK(usage_error({"top", "--count", "0"}) == "--count wants a positive integer, not '0'");
    CHECK(usage_error({"top", "extra"}) == "top takes no argument, not 'extra'");
    CHECK(usage_error({"top", "--json"}) == "unknown option '--json' for top");
    CHECK(usage_error({"--json", "top"}).find("--json does not apply to top") == 0);
}

TEST_CASE("each command has its own help") {
    const auto top = parse({"top", "--help"});
    CHECK(top.help);
    CHECK(top.help_text.find("--interval") != std::string::npos);
    CHECK(top.help_text.find("--count") != std::string::npos);
    CHECK(top.help_text.find("daemon not answering") != std::string::npos);
    const auto start = parse({"start", "--help"});
    for (const char* option : {"--spec-file", "--file", "--keys", "--datasets", "--interleaved",
                               "--finished", "--timeout", "--encoding", "--from"}) {
        CAPTURE(option);
        CHECK(start.help_text.find(option) != std::string::npos);
    }
    const auto usage = ctl_usage();
    for (const char* command : {"ping", "list", "status", "runs", "start", "stop", "top"}) {
        CAPTURE(command);
        CHECK(usage.find("\n  " + std::string(command) + " ") != std::string::npos);
    }
}

TEST_CASE(
    "repeated options: --interleaved and --keys add up, a repeated value option's last wins") {
    const auto options = parse({"-c", "tcp://a:1", "start", "det", "--file", "/d/x.h5", "--keys",
                                "/k1", "--keys", "/k2", "--interleaved", "a=/d0,/d1",
                                "--interleaved", "b=/e0,/e1", "-c", "tcp://b:2"});
    const auto parsed = config::parse_watch_spec(start_spec(options));
    CHECK(parsed.keys == std::vector<std::string>{"/k1", "/k2"});
    REQUIRE(parsed.interleaved.size() == 2);
    CHECK(parsed.interleaved[1].first == "b");
    CHECK(parse({"--timeout", "1", "--timeout", "2", "list"}).reply_timeout.count() == 2.0);
}
