// KeyFollower on real files: every rule of swmr_tools' DataSource rules (docs/protocol.md, "When a
// frame is readable") about keys and the end of a run. Static files are written complete and
// closed; the rules that need the file to change between two polls use core_script_writer in SWMR
// mode.

#include "temp_dir.hpp"

#include "support/helpers.hpp"
#include "support/paths.hpp"
#include "support/scripted_writer.hpp"
#include "support/test_file.hpp"

#include <swmrd/core/h5_error.hpp>
#include <swmrd/core/key_follower.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;
using namespace std::chrono_literals;

namespace {

KeyPoll poll_once(const std::string& path, std::vector<std::string> keys) {
    auto file = open_file(path);
    KeyFollower follower(file, keys_options(std::move(keys)));
    return follower.poll();
}

} // namespace

TEST_CASE("key follower: readable frames are the leading run of the keys, and a gap stops it") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/gap", H5T_STD_I32LE, {{6}, {unlimited}}, {3, 9, 0, 4, 5, 6});
        f.write("/none", H5T_STD_I32LE, {{3}, {unlimited}}, {0, 1, 1});
        f.write("/negative", H5T_STD_I64LE, {{3}, {unlimited}}, {-1, -7, 0});
        f.write("/unsigned8", H5T_STD_U8LE, {{4}, {unlimited}}, {255, 1, 2, 0});
    }
    CHECK(poll_once(dir.file("f.h5"), {"/gap"}).readable == 2);
    CHECK(poll_once(dir.file("f.h5"), {"/none"}).readable == 0);
    CHECK(poll_once(dir.file("f.h5"), {"/negative"}).readable == 2);
    CHECK(poll_once(dir.file("f.h5"), {"/unsigned8"}).readable == 3);
}

TEST_CASE("key follower: several keys make frames readable where all of them are non-zero") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/a", H5T_STD_I32LE, {{6}, {unlimited}}, {1, 1, 1, 1, 0, 1});
        f.write("/b", H5T_STD_I32LE, {{6}, {unlimited}}, {1, 1, 1, 0, 1, 1});
        f.write("/c", H5T_STD_I32LE, {{6}, {unlimited}}, {1, 1, 1, 1, 1, 1});
    }
    CHECK(poll_once(dir.file("f.h5"), {"/a", "/c"}).readable == 4);
    CHECK(poll_once(dir.file("f.h5"), {"/a", "/b"}).readable == 3);
    CHECK(poll_once(dir.file("f.h5"), {"/c", "/b", "/a"}).readable == 3);
}

TEST_CASE("key follower: a shorter key counts as zero past its end") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/long", H5T_STD_I32LE, {{6}, {unlimited}}, ones(6));
        f.write("/short", H5T_STD_I32LE, {{3}, {unlimited}}, ones(3));
        // Flattened over their own current extents: 12 points and 8 points.
        f.write("/grid_long", H5T_STD_I32LE, {{3, 4}, {unlimited, 4}}, ones(12));
        f.write("/grid_short", H5T_STD_I32LE, {{2, 4}, {unlimited, 4}}, ones(8));
    }
    CHECK(poll_once(dir.file("f.h5"), {"/long", "/short"}).readable == 3);
    CHECK(poll_once(dir.file("f.h5"), {"/short", "/long"}).readable == 3);
    CHECK(poll_once(dir.file("f.h5"), {"/grid_long", "/grid_short"}).readable == 8);
}

TEST_CASE("key follower: the scan rank leaves out trailing dimensions of max size 1") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k4", H5T_STD_I64LE, {{2, 2, 1, 1}}, {1, 2, 3, 4});
        f.write("/inner_one", H5T_STD_I32LE, {{3, 1, 2, 1}}, ones(6));
        f.write("/grows_one", H5T_STD_I32LE, {{2, 1}, {unlimited, unlimited}, {1, 1}}, ones(2));
    }
    auto file = open_file(dir.file("f.h5"));
    KeyFollower k4(file, keys_options({"/k4"}));
    CHECK(k4.scan_shape().max == std::vector<std::optional<std::uint64_t>>{2, 2});
    CHECK(k4.poll().readable == 4);

    // Only trailing ones go: a 1 inside the shape is a scan dimension.
    KeyFollower inner(file, keys_options({"/inner_one"}));
    CHECK(inner.scan_shape().max == std::vector<std::optional<std::uint64_t>>{3, 1, 2});
    // A dimension of size 1 that may grow is a scan dimension too.
    KeyFollower grows(file, keys_options({"/grows_one"}));
    CHECK(grows.scan_shape().rank() == 2);
}

TEST_CASE("key follower: unlimited dimensions have no size in the scan shape and never complete") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{3, 4}, {unlimited, 4}}, ones(12));
    }
    auto file = open_file(dir.file("f.h5"));
    KeyFollower follower(file, keys_options({"/k"}));
    CHECK(follower.scan_shape().max == std::vector<std::optional<std::uint64_t>>{std::nullopt, 4});
    CHECK_FALSE(follower.scan_shape().total());
    const auto first = follower.poll();
    CHECK(first.readable == 12);
    CHECK_FALSE(first.end);
    CHECK_FALSE(follower.poll().end);
}

TEST_CASE("key follower: a fixed scan shape fully readable is complete at once") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/full", H5T_STD_I32LE, {{2, 3}}, ones(6));
        f.write("/partial", H5T_STD_I32LE, {{2, 3}}, {1, 1, 1, 1, 1, 0});
    }
    auto file = open_file(dir.file("f.h5"));
    KeyFollower full(file, keys_options({"/full"}));
    const auto result = full.poll();
    CHECK(result.readable == 6);
    REQUIRE(result.end);
    CHECK(*result.end == EndReason::complete);

    KeyFollower partial(file, keys_options({"/partial"}));
    CHECK(partial.poll().readable == 5);
    CHECK_FALSE(partial.poll().end);
}

TEST_CASE("key follower: the finished flag ends the run at the first poll a grace after it") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{4}, {unlimited}}, ones(4));
        f.write("/finished", H5T_STD_I32LE, {{}}, {1});
        f.write("/not_finished", H5T_STD_I32LE, {{}}, {0});
        f.write_double("/minus_zero", H5T_IEEE_F64LE, {{1}}, {-0.0});
        f.write_double("/nan", H5T_IEEE_F32BE, {{1}}, {std::nan("")});
    }
    auto file = open_file(dir.file("f.h5"));
    // Timeout 10 s: the grace is 0.5 s.
    auto options = keys_options({"/k"}, "/finished");
    options.timeout = 10s;
    KeyFollower follower(file, options);
    const auto t0 = Clock::now();
    // New frames: the flag is not looked at.
    const auto first = follower.poll(t0);
    CHECK(first.readable == 4);
    CHECK_FALSE(first.end);
    // No new frame, flag set: seen; the keys are polled again until the grace has passed.
    CHECK_FALSE(follower.poll(t0 + 1ms).end);
    CHECK_FALSE(follower.poll(t0 + 100ms).end);
    CHECK_FALSE(follower.poll(t0 + 500ms).end);
    const auto last = follower.poll(t0 + 502ms);
    REQUIRE(last.end);
    CHECK(*last.end == EndReason::finished);
    CHECK(last.readable == 4);
    // Over is over.
    CHECK(*follower.poll(t0 + 600ms).end == EndReason::finished);

    // A value, not bytes: -0.0 is not set, NaN is.
    for (const char* unset : {"/not_finished", "/minus_zero"}) {
        options.finished = unset;
        KeyFollower waiting(file, options);
        for (auto at : {0ms, 1ms, 2000ms, 5000ms})
            CHECK_FALSE(waiting.poll(t0 + at).end);
    }
    options.finished = "/nan";
    KeyFollower nan(file, options);
    nan.poll(t0);
    nan.poll(t0 + 1ms);
    CHECK(nan.poll(t0 + 1s).end == EndReason::finished);
}

TEST_CASE("key follower: a finished dataset that does not hold one value is ignored, warned of") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{2}, {unlimited}}, ones(2));
        f.write("/finished", H5T_STD_I32LE, {{2}}, {1, 1});
    }
    auto file = open_file(dir.file("f.h5"));
    auto options = keys_options({"/k"}, "/finished");
    options.timeout = 2s;
    KeyFollower follower(file, options);
    const auto t0 = Clock::now();
    CHECK(follower.poll(t0).readable == 2);
    CHECK_FALSE(follower.warning());
    CHECK_FALSE(follower.poll(t0 + 1ms).end);
    CHECK_FALSE(follower.poll(t0 + 1s).end);
    REQUIRE(follower.warning());
    CHECK(*follower.warning() ==
          "finished dataset /finished in " + dir.file("f.h5") +
              " holds 2 values (shape (2,)), not one: it is ignored, and the run ends by its "
              "timeout");
    CHECK(follower.poll(t0 + 2s).end == EndReason::timeout);
}

TEST_CASE("key follower: a key that lands after the finished flag still comes out") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("key /k 3 u");
    writer.send("finished /finished");
    writer.send("swmr");
    writer.send("set /k 0 1");
    writer.send("set /k 1 2");
    writer.send("flush /k");

    auto file = open_file(path);
    auto options = keys_options({"/k"}, "/finished");
    options.timeout = 10s;
    KeyFollower follower(file, options);
    const auto t0 = Clock::now();
    CHECK(follower.poll(t0).readable == 2);

    // The writer sets the flag before the last key reaches the file.
    writer.send("set /finished 0 1");
    writer.send("flush /finished");
    const auto flag_seen = follower.poll(t0 + 1ms);
    CHECK(flag_seen.readable == 2);
    CHECK_FALSE(flag_seen.end);

    writer.send("set /k 2 3");
    writer.send("flush /k");
    // Within the grace of timeout / 20 (0.5 s) after the flag: the late key comes out.
    const auto extra = follower.poll(t0 + 300ms);
    CHECK(extra.readable == 3);
    CHECK_FALSE(extra.end);

    const auto last = follower.poll(t0 + 600ms);
    REQUIRE(last.end);
    CHECK(*last.end == EndReason::finished);
    CHECK(last.readable == 3);
    CHECK(writer.close() == 0);
}

TEST_CASE("key follower: keys of every numeric type, either byte order; written means non-zero") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        const std::vector<std::int64_t> values{3, 1, 0, 2};
        for (hid_t type : {H5T_STD_I8LE, H5T_STD_U8LE, H5T_STD_I16BE, H5T_STD_U16LE, H5T_STD_I32BE,
                           H5T_STD_U32BE, H5T_STD_I64BE, H5T_STD_U64LE})
            f.write("/int" + std::to_string(H5Tget_size(type)) +
                        (H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "s") +
                        (H5Tget_order(type) == H5T_ORDER_BE ? "be" : "le"),
                    type, {{4}, {unlimited}}, values);
        f.write_double("/f64", H5T_IEEE_F64LE, {{4}, {unlimited}}, {0.5, 1e-300, 0.0, 2});
        f.write_double("/f32be", H5T_IEEE_F32BE, {{4}, {unlimited}}, {1, 1, -0.0, 1});
        f.write_double("/nan", H5T_IEEE_F64BE, {{4}, {unlimited}}, {std::nan(""), 1, 0, 1});
        // h5py's bool: an enum of FALSE = 0 and TRUE = 1.
        const hid_t boolean = H5Tenum_create(H5T_NATIVE_INT8);
        const std::int8_t off = 0;
        const std::int8_t on = 1;
        H5Tenum_insert(boolean, "FALSE", &off);
        H5Tenum_insert(boolean, "TRUE", &on);
        f.write_typed("/bool", boolean, {{4}, {unlimited}});
        H5Tclose(boolean);
        // swmr_tools' own mock scans: float64 keys made with np.zeros, set to 1 frame by frame.
        f.write_double("/zeros", H5T_IEEE_F64LE, {{2, 3, 1}, {2, 3, 1}}, {1, 1, 1, 1, 0, 0});
    }
    write_bytes(dir.file("f.h5"), "/bool", {1, 1, 0, 1});
    for (const char* key : {"/int1sle", "/int1ule", "/int2sbe", "/int2ule", "/int4sbe", "/int4ube",
                            "/int8sbe", "/int8ule", "/f64", "/f32be", "/nan", "/bool"})
        CHECK_MESSAGE(poll_once(dir.file("f.h5"), {key}).readable == 2, key);
    CHECK(poll_once(dir.file("f.h5"), {"/zeros"}).readable == 4);
    // Several keys of different types together.
    CHECK(poll_once(dir.file("f.h5"), {"/f64", "/int2sbe", "/bool"}).readable == 2);
}

TEST_CASE("key follower: several keys multiply as swmr_tools multiplies them") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/long", H5T_STD_I32LE, {{6}, {unlimited}}, {1, 1, 1, 1, 1, 1});
        f.write("/short", H5T_STD_I32LE, {{3}, {unlimited}}, {1, 1, 1});
        f.write_double("/nan_past", H5T_IEEE_F64LE, {{5}, {unlimited}}, {1, 1, 1, std::nan(""), 0});
    }
    // A shorter key counts as zero past its end…
    CHECK(poll_once(dir.file("f.h5"), {"/long", "/short"}).readable == 3);
    CHECK(poll_once(dir.file("f.h5"), {"/short", "/long"}).readable == 3);
    // …but NaN times that zero is NaN, which is non-zero.
    CHECK(poll_once(dir.file("f.h5"), {"/nan_past", "/short"}).readable == 4);
}

TEST_CASE("key follower: a consumer that was busy restarts the timeout when it waits again") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("key /k 4 u");
    writer.send("swmr");
    writer.send("set /k 0 1");
    writer.send("flush /k");

    auto file = open_file(path);
    KeyFollower follower(file, KeyFollowerOptions{{"/k"}, std::nullopt, Seconds(10.0)});
    const auto t0 = Clock::now();
    CHECK(follower.poll(t0).readable == 1);
    // Busy with that frame for 30 s, longer than the timeout, then waiting again.
    follower.restart_timeout(t0 + 30s);
    CHECK_FALSE(follower.poll(t0 + 31s).end);
    CHECK_FALSE(follower.poll(t0 + 39s).end);
    const auto late = follower.poll(t0 + 40s);
    REQUIRE(late.end);
    CHECK(*late.end == EndReason::timeout);
    CHECK(writer.close() == 0);
}

TEST_CASE("key follower: the timeout counts from the last new frame") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("key /k 4 u");
    writer.send("swmr");
    writer.send("set /k 0 1");
    writer.send("flush /k");

    auto file = open_file(path);
    KeyFollower follower(file, KeyFollowerOptions{{"/k"}, std::nullopt, Seconds(10.0)});
    const auto t0 = Clock::now();
    CHECK(follower.poll(t0).readable == 1);
    CHECK_FALSE(follower.poll(t0 + 8s).end);

    writer.send("set /k 1 2");
    writer.send("flush /k");
    CHECK(follower.poll(t0 + 9s).readable == 2); // the clock restarts here
    CHECK_FALSE(follower.poll(t0 + 18s).end);
    const auto late = follower.poll(t0 + 19s);
    REQUIRE(late.end);
    CHECK(*late.end == EndReason::timeout);
    CHECK(late.readable == 2);

    // Final: a key written after the end changes nothing.
    writer.send("set /k 2 3");
    writer.send("flush /k");
    CHECK(follower.poll(t0 + 20s).readable == 2);
    CHECK(writer.close() == 0);
}

TEST_CASE("key follower: every poll refreshes the keys, so growth and new values show") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("key /k 0x3 ux3");
    writer.send("swmr");

    auto file = open_file(path);
    KeyFollower follower(file, keys_options({"/k"}));
    CHECK(follower.scan_shape().max == std::vector<std::optional<std::uint64_t>>{std::nullopt, 3});
    CHECK(follower.poll().readable == 0);

    std::uint64_t written = 0;
    for (int row = 0; row < 4; ++row) {
        writer.send("extend /k " + std::to_string(row + 1) + "x3");
        for (int col = 0; col < 3; ++col) {
            ++written;
            writer.send("set /k " + std::to_string(written - 1) + " " + std::to_string(written));
            writer.send("flush /k");
            CHECK(follower.poll().readable == written);
        }
    }
    CHECK(writer.close() == 0);
}

TEST_CASE("key follower: readable never decreases, even if a key is zeroed again") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("key /k 5 u");
    writer.send("swmr");
    for (int i = 0; i < 3; ++i)
        writer.send("set /k " + std::to_string(i) + " 7");
    writer.send("flush /k");

    auto file = open_file(path);
    KeyFollower follower(file, keys_options({"/k"}));
    CHECK(follower.poll().readable == 3);
    writer.send("set /k 1 0");
    writer.send("set /k 3 7");
    writer.send("flush /k");
    CHECK(follower.poll().readable == 4);
    CHECK(writer.close() == 0);
}

TEST_CASE("key follower: long keys are read across window boundaries, in one and two dims") {
    TempDir dir;
    auto flat = ones(10000);
    flat[7777] = 0;
    auto grid = ones(100 * 37);
    grid[2345] = 0;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/flat", H5T_STD_I32LE, {{10000}, {unlimited}, {1000}}, flat);
        f.write("/grid", H5T_STD_I32LE, {{100, 37}, {unlimited, 37}, {7, 37}}, grid);
        f.write("/full", H5T_STD_U16LE, {{200000}, {200000}, {4096}}, ones(200000));
    }
    CHECK(poll_once(dir.file("f.h5"), {"/flat"}).readable == 7777);
    CHECK(poll_once(dir.file("f.h5"), {"/grid"}).readable == 2345);
    const auto full = poll_once(dir.file("f.h5"), {"/full"});
    CHECK(full.readable == 200000);
    CHECK(*full.end == EndReason::complete);
}

TEST_CASE("key follower: wait_for_more returns on new frames or at the end of the run") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{3}, {unlimited}}, ones(3));
    }
    auto file = open_file(dir.file("f.h5"));
    KeyFollower follower(file, KeyFollowerOptions{{"/k"}, std::nullopt, Seconds(0.05)});
    const auto more = follower.wait_for_more(0, 1ms);
    CHECK(more.readable == 3);
    CHECK_FALSE(more.end);
    const auto end = follower.wait_for_more(3, 1ms);
    CHECK(end.readable == 3);
    REQUIRE(end.end);
    CHECK(*end.end == EndReason::timeout);
    CHECK(std::string(to_string(*end.end)) == "timeout");
}
