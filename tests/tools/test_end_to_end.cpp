// swmrctl and swmrcat against a real swmrd, with swmr-sim writing a real SWMR file.

#include "daemon_fixture.hpp"

#include "swmr-sim/pattern.hpp"
#include "swmrcat/array.hpp"
#include "swmrcat/numpy_format.hpp"

#include <doctest/doctest.h>

#include <csignal>

using namespace swmrd::test;
using namespace swmrd::tools::test;

namespace {

const std::string keys = "/entry/keys/uid";
const std::string data = "/entry/data/data";
const std::string finished = "/entry/finished";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::vector<std::string> start_args(const std::string& name, const std::string& file) {
    return {"start",      name, "--file",     file,     "--keys",    keys,
            "--datasets", data, "--finished", finished, "--timeout", "20s"};
}

// Frame `index` of swmr-sim's first data dataset, (1, 1, 5, 10) int64, as NumPy prints it.
std::string expected_frame_text(std::uint64_t index) {
    std::vector<std::int64_t> values(50);
    for (std::size_t j = 0; j < values.size(); ++j)
        values[j] = static_cast<std::int64_t>(swmrd::sim::pattern_value(0, index, j, 8));
    swmrd::cat::Array array{*swmrd::cat::parse_dtype("<i8"), {1, 1, 5, 10}, values};
    return swmrd::cat::numpy_str(array);
}

} // namespace

TEST_CASE("swmrctl drives a real daemon: ping, start, list, status, stop, --json") {
    DaemonFixture daemon;
    INFO("swmrd's log:\n" << daemon.log());
    const auto file = (daemon.dir() / "scan.h5").string();

    auto r = daemon.swmrctl({"ping"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("swmrd ") == 0);
    CHECK(contains(r.out, "at " + daemon.control() + ": protocol 1, up "));

    r = daemon.swmrctl({"--json", "ping"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("{\"ok\": true") == 0);
    CHECK(contains(r.out, "\"protocol\": 1"));

    r = daemon.swmrctl(start_args("det1", file));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "started watch det1\n");

    r = daemon.swmrctl({"list"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("NAME  STATE") == 0);
    CHECK(contains(r.out, "\ndet1  "));
    CHECK(contains(r.out, file));

    r = daemon.swmrctl({"status", "det1"});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "name:         det1\n"));
    CHECK(contains(r.out, "source:       control\n"));
    CHECK(contains(r.out, "file:         " + file + "\n"));

    r = daemon.swmrctl({"list", "--json"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("{\"ok\": true, \"watches\": [{\"name\": \"det1\"") == 0);

    r = daemon.swmrctl({"--json", "status", "det1"});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "\"source\": \"control\""));

    r = daemon.swmrctl({"stop", "det1"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "stopped watch det1 after 0 frames\n");

    r = daemon.swmrctl({"list"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "no watches\n");

    CHECK(daemon.stop() == 0);
}

TEST_CASE("swmrctl exits 1 with the daemon's error code and message") {
    DaemonFixture daemon;
    INFO("swmrd's log:\n" << daemon.log());
    const auto file = (daemon.dir() / "scan.h5").string();

    auto r = daemon.swmrctl({"status", "nosuch"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("swmrctl: not_found: ") == 0);

    REQUIRE(daemon.swmrctl(start_args("det1", file)).exit_code == 0);
    r = daemon.swmrctl(start_args("det1", file));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("swmrctl: exists: ") == 0);

    r = daemon.swmrctl(start_args("det2", "/elsewhere/scan.h5"));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("swmrctl: forbidden: ") == 0);

    // --json still prints the reply map, and the exit code still tells the error.
    r = daemon.swmrctl({"--json", "stop", "nosuch"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("{\"ok\": false, \"error\": {\"code\": \"not_found\"") == 0);
    CHECK(r.err.find("swmrctl: not_found: ") == 0);

    CHECK(daemon.stop() == 0);
}

TEST_CASE("swmrctl refuses a bad start spec locally with exit 2, sending nothing") {
    DaemonFixture daemon;
    INFO("swmrd's log:\n" << daemon.log());
    auto r = daemon.swmrctl(
        {"start", "det1", "--file", "relative.h5", "--keys", keys, "--datasets", data});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("swmrctl: watch.file: ") == 0);
    r = daemon.swmrctl({"list"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "no watches\n");
    CHECK(daemon.stop() == 0);
}

TEST_CASE("swmrctl gives up on an unreachable daemon with exit 3, naming the endpoint") {
    TempDir dir;
    // Port 1 (tcpmux) has no listener here; the test only needs a refused connection.
    const auto r =
        run_process({SWMRD_TEST_SWMRCTL, "--timeout", "300ms", "-c", "tcp://127.0.0.1:1", "ping"},
                    dir.path(), {}, std::chrono::seconds(30));
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "swmrctl: no reply from tcp://127.0.0.1:1 within 300ms: swmrd is not running "
                   "there or cannot be reached\n");
    // The default endpoint comes from the environment.
    const auto from_env =
        run_process({SWMRD_TEST_SWMRCTL, "--timeout", "200ms", "list"}, dir.path(),
                    {"SWMRD_CONTROL=tcp://127.0.0.1:1"}, std::chrono::seconds(30));
    CHECK(from_env.exit_code == 3);
    CHECK(contains(from_env.err, "tcp://127.0.0.1:1"));
}

TEST_CASE("swmrcat prints a live run: its start, every frame's slice metadata and data, its end") {
    DaemonFixture daemon;
    INFO("swmrd's log:\n" << daemon.log());
    const auto file = (daemon.dir() / "scan.h5").string();
    REQUIRE(daemon.swmrctl(start_args("det1", file)).exit_code == 0);

    ChildProcess cat(
        {SWMRD_TEST_SWMRCAT, "-p", daemon.publish(), "--watch", "det1", "--exit-on-end", "--stats"},
        daemon.dir());
    // The first heartbeat proves the subscription took effect: nothing of the run is missed.
    REQUIRE(wait_until([&] { return contains(cat.err(), "connected to swmrd"); }));

    // The user guide's example: a 2x2 grid scan of a 5x10 int64 detector, keys (2, 2, 1, 1).
    const auto sim = run_process({SWMRD_TEST_SWMR_SIM, "--file", file, "--scan-shape", "2x2",
                                  "--frame-shape", "5x10", "--dtype", "<i8", "--key-trailing-ones",
                                  "2", "--rate", "20", "--quiet"},
                                 daemon.dir());
    INFO("swmr-sim: " << sim.err);
    CHECK(sim.exit_code == 0);

    const auto result = cat.wait();
    INFO("swmrcat stderr:\n" << result.err);
    INFO("swmrcat stdout:\n" << result.out);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("det1 start: " + file + ", scan shape (None, 2), first index 0") == 0);
    const char* slices[] = {
        "(slice(0, 1, None), slice(0, 1, None))", "(slice(0, 1, None), slice(1, 2, None))",
        "(slice(1, 2, None), slice(0, 1, None))", "(slice(1, 2, None), slice(1, 2, None))"};
    for (std::uint64_t i = 0; i < 4; ++i) {
        CHECK(contains(result.out, "det1 frame " + std::to_string(i) + ": " + slices[i] + "\n" +
                                       data + " <i8 (1, 1, 5, 10)\n" + expected_frame_text(i) +
                                       "\n"));
    }
    CHECK(contains(result.out, "det1 end: " + file + ", finished, 4 frames, last index 3\n"));
    CHECK(contains(result.err, "swmrcat: 4 frames in "));
    CHECK(contains(result.err, ", no gaps in seq"));
    CHECK_FALSE(contains(result.err, "missed"));
    CHECK(daemon.stop() == 0);
}

TEST_CASE("swmrcat --count exits after N frames, and SIGINT ends it cleanly with its stats") {
    DaemonFixture daemon;
    INFO("swmrd's log:\n" << daemon.log());
    const auto file = (daemon.dir() / "scan.h5").string();
    REQUIRE(daemon.swmrctl(start_args("det1", file)).exit_code == 0);

    ChildProcess counted({SWMRD_TEST_SWMRCAT, "-p", daemon.publish(), "--watch", "det1", "--count",
                          "3", "--quiet-frames"},
                         daemon.dir());
    ChildProcess interrupted(
        {SWMRD_TEST_SWMRCAT, "-p", daemon.publish(), "--watch", "other", "--stats"}, daemon.dir());
    REQUIRE(wait_until([&] { return contains(counted.err(), "connected to swmrd"); }));
    REQUIRE(wait_until([&] { return contains(interrupted.err(), "connected to swmrd"); }));

    const auto sim = run_process({SWMRD_TEST_SWMR_SIM, "--file", file, "--scan-shape", "6",
                                  "--frame-shape", "2", "--dtype", ">f4", "--quiet"},
                                 daemon.dir());
    CHECK(sim.exit_code == 0);

    const auto result = counted.wait();
    INFO("swmrcat stderr:\n" << result.err);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.out, "det1 frame 0: (slice(0, 1, None),)\n"));
    CHECK(contains(result.out, "det1 frame 2: (slice(2, 3, None),)\n"));
    CHECK_FALSE(contains(result.out, "det1 frame 3:"));
    // --quiet-frames: no values.
    CHECK_FALSE(contains(result.out, "["));

    interrupted.signal(SIGINT);
    const auto stopped = interrupted.wait();
    CHECK(stopped.exit_code == 0);
    CHECK(stopped.out.empty());
    CHECK(contains(stopped.err, "swmrcat: 0 frames in "));
    CHECK(daemon.stop() == 0);
}
