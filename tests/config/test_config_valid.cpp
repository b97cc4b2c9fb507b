#include "temp_dir.hpp"

#include "swmrd/config/daemon_config.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace swmrd::config;

TEST_CASE("a full config parses into every field") {
    const auto config = parse_config(R"(
control: tcp://127.0.0.1:6000
publish: [tcp://*:6001, ipc:///run/swmrd/data.sock, inproc://local]
allowed_roots: [/data, /scratch/beamline]
delivery: drop
max_inflight: 64MiB
max_message: 16MiB
max_wait: 2s
max_connections: 16
heartbeat: 500ms
log: {level: debug}
watches:
  - name: det1
    file: /data/scan-*.h5
    keys: [/entry/keys/uid]
    datasets: [/entry/data/data, /entry/data/sum]
    finished: /entry/finished
    timeout: 2min
    encoding: chunk
    from: latest
  - name: odin.2-b
    file: /data/odin/run.h5
    keys: [/entry/uid, /entry/uid2]
    interleaved:
      frames: [/entry/data_1, /entry/data_2]
      sums: [/entry/sum_1]
)");
    CHECK(config.control == "tcp://127.0.0.1:6000");
    CHECK(config.publish ==
          std::vector<std::string>{"tcp://*:6001", "ipc:///run/swmrd/data.sock", "inproc://local"});
    CHECK(config.allowed_roots == std::vector<std::string>{"/data", "/scratch/beamline"});
    CHECK(config.delivery == Delivery::drop);
    CHECK(config.max_inflight == 64ull << 20);
    CHECK(config.max_message == 16ull << 20);
    CHECK(config.max_wait.count() == 2.0);
    CHECK(config.max_connections == 16);
    CHECK(config.heartbeat.count() == doctest::Approx(0.5));
    CHECK(config.log.level == "debug");
    REQUIRE(config.watches.size() == 2);

    const auto& det1 = config.watches[0];
    CHECK(det1.name == "det1");
    CHECK(det1.file == "/data/scan-*.h5");
    CHECK(det1.is_pattern());
    CHECK(det1.keys == std::vector<std::string>{"/entry/keys/uid"});
    CHECK(det1.datasets == std::vector<std::string>{"/entry/data/data", "/entry/data/sum"});
    CHECK(det1.interleaved.empty());
    CHECK(det1.finished == std::optional<std::string>("/entry/finished"));
    CHECK(det1.timeout.count() == 120.0);
    CHECK(det1.encoding == Encoding::chunk);
    CHECK(det1.from == From::latest);

    const auto& odin = config.watches[1];
    CHECK(odin.name == "odin.2-b");
    CHECK_FALSE(odin.is_pattern());
    CHECK(odin.keys == std::vector<std::string>{"/entry/uid", "/entry/uid2"});
    CHECK(odin.datasets.empty());
    REQUIRE(odin.interleaved.size() == 2);
    CHECK(odin.interleaved[0].first == "frames");
    CHECK(odin.interleaved[0].second == std::vector<std::string>{"/entry/data_1", "/entry/data_2"});
    CHECK(odin.interleaved[1].first == "sums");
    CHECK(odin.interleaved[1].second == std::vector<std::string>{"/entry/sum_1"});
    CHECK_FALSE(odin.finished.has_value());
    CHECK(odin.timeout.count() == 10.0);
    CHECK(odin.encoding == Encoding::raw);
    CHECK(odin.from == From::start);
}

TEST_CASE("the example config of deploy/swmrd.yaml equals the defaults plus its watch") {
    const auto config = parse_config(R"(
control: tcp://127.0.0.1:5555        # REP endpoint
publish: [tcp://127.0.0.1:5556]      # PUB endpoints
allowed_roots: [/data]               # files a control `start` may open; none: refused
delivery: lossless                   # lossless: wait for slow subscribers; drop: drop and count
max_inflight: 512MiB                 # frame bytes held for sending, at most
heartbeat: 1s
log: {level: info}
watches:
  - name: det1
    file: /data/scan-*.h5
    keys: [/entry/keys/uid]
    datasets: [/entry/data/data]
    finished: /entry/finished
    timeout: 10s
)");
    DaemonConfig expected;
    expected.allowed_roots = {"/data"};
    WatchSpec det1;
    det1.name = "det1";
    det1.file = "/data/scan-*.h5";
    det1.keys = {"/entry/keys/uid"};
    det1.datasets = {"/entry/data/data"};
    det1.finished = "/entry/finished";
    expected.watches = {det1};
    CHECK(config == expected);
}

TEST_CASE("a minimal config takes every default") {
    const auto config = parse_config("watches: []\n");
    CHECK(config == DaemonConfig{});
    CHECK(config.control == "tcp://127.0.0.1:5555");
    CHECK(config.publish == std::vector<std::string>{"tcp://127.0.0.1:5556"});
    CHECK(config.allowed_roots.empty());
    CHECK(config.delivery == Delivery::lossless);
    CHECK(config.max_inflight == 512ull << 20);
    CHECK(config.max_message == 512ull << 20);
    CHECK(config.max_wait.count() == 60.0);
    CHECK(config.max_connections == 1024);
    CHECK(config.heartbeat.count() == 1.0);
    CHECK(config.log.level == "info");
    CHECK(config.watches.empty());
}

TEST_CASE("an empty file, and keys left empty, take the defaults") {
    CHECK(parse_config("") == DaemonConfig{});
    CHECK(parse_config("# all defaults\n") == DaemonConfig{});
    CHECK(parse_config("allowed_roots:\nwatches:\n") == DaemonConfig{});
}

TEST_CASE("a watch with only its required keys takes the defaults") {
    const auto config = parse_config(R"(
watches:
  - {name: d, file: /d.h5, keys: [/k], datasets: [/x]}
)");
    REQUIRE(config.watches.size() == 1);
    const auto& spec = config.watches[0];
    CHECK_FALSE(spec.finished.has_value());
    CHECK(spec.timeout.count() == 10.0);
    CHECK(spec.encoding == Encoding::raw);
    CHECK(spec.from == From::start);
}

TEST_CASE("publish may be a single endpoint") {
    const auto config = parse_config("publish: tcp://*:7000\n");
    CHECK(config.publish == std::vector<std::string>{"tcp://*:7000"});
}

TEST_CASE("durations in the config in every unit") {
    const auto heartbeat = [](const std::string& text) {
        return parse_config("heartbeat: " + text + "\n").heartbeat.count();
    };
    CHECK(heartbeat("2") == 2.0);
    CHECK(heartbeat("0.25") == 0.25);
    CHECK(heartbeat("250us") == doctest::Approx(250e-6));
    CHECK(heartbeat("250ms") == doctest::Approx(0.25));
    CHECK(heartbeat("3s") == 3.0);
    CHECK(heartbeat("2min") == 120.0);
    CHECK(heartbeat("1h") == 3600.0);
    CHECK(heartbeat("\"5\"") == 5.0);
}

TEST_CASE("sizes in the config in every unit") {
    const auto max_inflight = [](const std::string& text) {
        return parse_config("max_inflight: " + text + "\n").max_inflight;
    };
    CHECK(max_inflight("1048576") == 1048576);
    CHECK(max_inflight("100B") == 100);
    CHECK(max_inflight("64KiB") == 64ull << 10);
    CHECK(max_inflight("512MiB") == 512ull << 20);
    CHECK(max_inflight("2GiB") == 2ull << 30);
    CHECK(max_inflight("1TiB") == 1ull << 40);
    CHECK(max_inflight("500KB") == 500'000);
    CHECK(max_inflight("10MB") == 10'000'000);
    CHECK(max_inflight("4GB") == 4'000'000'000ull);
    CHECK(max_inflight("1e9") == 1'000'000'000ull);
}

TEST_CASE("every log level and delivery mode is accepted") {
    for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        CAPTURE(level);
        CHECK(parse_config(std::string("log: {level: ") + level + "}\n").log.level == level);
    }
    CHECK(parse_config("delivery: lossless\n").delivery == Delivery::lossless);
    CHECK(parse_config("delivery: drop\n").delivery == Delivery::drop);
}

TEST_CASE("load_config reads a file") {
    const swmrd::config::test::TempDir dir;
    const auto path = dir.path() / "swmrd.yaml";
    std::ofstream(path) << "control: tcp://127.0.0.1:5999\n"
                           "watches:\n"
                           "  - {name: d, file: /d.h5, keys: [/k], datasets: [/x]}\n";
    const auto config = load_config(path.string());
    CHECK(config.control == "tcp://127.0.0.1:5999");
    REQUIRE(config.watches.size() == 1);
    CHECK(config.watches[0].name == "d");
}

TEST_CASE("control and publish may share a wildcard-port endpoint: each bind gets its own port") {
    const auto config = swmrd::config::parse_config(
        "control: tcp://127.0.0.1:*\npublish: [tcp://127.0.0.1:*]\n", "test.yaml");
    CHECK(config.control == "tcp://127.0.0.1:*");
    CHECK(config.publish == std::vector<std::string>{"tcp://127.0.0.1:*"});
}
