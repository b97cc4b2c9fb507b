// Data values, dtypes, filters, raw chunks and the timing options, checked by the
// independent reader against the Python twin of the pattern.

#include "sim_fixture.hpp"
#include "swmr-sim/pattern.hpp"

#include <chrono>
#include <sstream>

using swmrd::sim::test::SimFixture;
using swmrd::test::read_text;

TEST_CASE("pattern: the Python twin used by the reader equals pattern.hpp") {
    SimFixture fx;
    struct Case {
        std::uint64_t dataset, index, element;
        std::size_t item_size;
    };
    const Case cases[] = {{0, 0, 0, 1},       {0, 1, 5, 1},         {3, 77, 1000, 1},
                          {0, 0, 0, 2},       {1, 399, 1048575, 2}, {2, 12345, 17, 2},
                          {0, 49999, 7, 4},   {5, 1, 16777212, 4},  {1, 7, 3, 8},
                          {7, 1000000, 99, 8}};
    std::vector<std::string> args{"pattern"};
    std::string expected;
    for (const auto& c : cases) {
        for (auto value : {c.dataset, c.index, c.element, std::uint64_t{c.item_size}}) {
            args.push_back(std::to_string(value));
        }
        expected +=
            std::to_string(swmrd::sim::pattern_value(c.dataset, c.index, c.element, c.item_size)) +
            "\n";
    }
    CHECK(fx.check(args) == expected);
    CHECK(swmrd::sim::key_value(0) == 1);
}

TEST_CASE("dtypes: every type in both byte orders holds the pattern") {
    SimFixture fx;
    std::vector<std::string> describe{"describe"};
    std::vector<std::string> frames{"frames", "--frames",       "6", "--data", "/entry/data/data",
                                    "--keys", "/entry/keys/uid"};
    std::string expected_describe;
    std::string expected_frames;
    for (const std::string kind : {"u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f4", "f8"}) {
        for (const std::string order : {"<", ">"}) {
            const auto dtype = order + kind;
            const auto path = fx.file((order == "<" ? "le_" : "be_") + kind + ".h5");
            // 300 elements: 1- and 2-byte patterns wrap within the frame.
            fx.sim_ok({"--file", path, "--quiet", "--dtype", dtype, "--scan-shape", "6",
                       "--frame-shape", "20x15"});
            describe.push_back(path);
            frames.push_back(path);
            const auto numpy_name = kind.ends_with('1') ? "|" + kind : dtype;
            expected_describe +=
                "/entry/data/data shape=(6,20,15) maxshape=(None,20,15) dtype=" + numpy_name +
                " chunks=(1,20,15)\n"
                "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
                "/entry/keys/uid shape=(6) maxshape=(None) dtype=<i4 "
                "chunks=(6)\n";
            expected_frames += "ok keys /entry/keys/uid set=6\n"
                               "ok data /entry/data/data frames=6\n";
        }
    }
    CHECK(fx.check(describe) == expected_describe);
    CHECK(fx.check(frames) == expected_frames);
}

TEST_CASE("compression: lz4 blosc and deflate through the filter pipeline") {
    SimFixture fx;
    std::vector<std::string> frames{"frames", "--frames",       "5", "--data", "/entry/data/data",
                                    "--keys", "/entry/keys/uid"};
    std::string expected_frames;
    for (const std::string compression : {"lz4", "blosc", "deflate"}) {
        const auto path = fx.file(compression + ".h5");
        fx.sim_ok({"--file", path, "--quiet", "--compression", compression, "--scan-shape", "5",
                   "--frame-shape", "32x32", "--dtype", "u4"});
        const auto filter = compression == "lz4" ? "32004" : compression == "blosc" ? "32001" : "1";
        CAPTURE(compression);
        CHECK(fx.check({"describe", path}) ==
              "/entry/data/data shape=(5,32,32) maxshape=(None,32,32) dtype=<u4 chunks=(1,32,32) "
              "filters=" +
                  std::string(filter) +
                  "\n"
                  "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
                  "/entry/keys/uid shape=(5) maxshape=(None) dtype=<i4 chunks=(5)\n");
        frames.push_back(path);
        expected_frames += "ok keys /entry/keys/uid set=5\n"
                           "ok data /entry/data/data frames=5\n";
    }
    // h5py decodes every file: the values went through the real filters.
    CHECK(fx.check(frames) == expected_frames);
}

TEST_CASE("direct chunk filter: an unregistered filter with raw frame bytes in the chunks") {
    SimFixture fx;
    const auto path = fx.file("direct.h5");
    // 32008 (Bitshuffle) with no plugin loaded: accepted because the filter is optional.
    fx.sim_ok({"--file", path, "--quiet", "--direct-chunk-filter", "32008:0,2", "--dtype", ">u4",
               "--scan-shape", "3x4", "--frames", "7", "--frame-shape", "5x6"},
              {SimFixture::no_plugins});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(2,4,5,6) maxshape=(None,4,5,6) dtype=>u4 chunks=(1,1,5,6) "
          "filters=32008\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(2,4) maxshape=(None,4) dtype=<i4 chunks=(3,4)\n");
    CHECK(fx.check({"chunks", "--scan-rank", "2", "--frames", "7", "--data", "/entry/data/data",
                    path}) == "filter 32008 flags=1 cd_values=0,2\n"
                              "ok chunks /entry/data/data frames=7\n");
    CHECK(fx.check({"frames", "--frames", "7", "--keys", "/entry/keys/uid", path}) ==
          "ok keys /entry/keys/uid set=7\n");
}

TEST_CASE("direct chunk filter: without cd_values on a 1-D scan") {
    SimFixture fx;
    const auto path = fx.file("direct1d.h5");
    fx.sim_ok({"--file", path, "--quiet", "--direct-chunk-filter", "32008", "--scan-shape", "4",
               "--frame-shape", "8x8", "--dtype", "i2"},
              {SimFixture::no_plugins});
    CHECK(fx.check({"chunks", "--frames", "4", "--data", "/entry/data/data", path}) ==
          "filter 32008 flags=1 cd_values=\n"
          "ok chunks /entry/data/data frames=4\n");
}

namespace {

struct KeyTime {
    std::uint64_t index;
    double seconds;
};

std::vector<KeyTime> parse_key_times(const std::string& text) {
    std::vector<KeyTime> lines;
    std::istringstream in(text);
    KeyTime line{};
    while (in >> line.index >> line.seconds) {
        lines.push_back(line);
    }
    return lines;
}

std::vector<std::uint64_t> indices_of(const std::vector<KeyTime>& lines) {
    std::vector<std::uint64_t> indices;
    for (const auto& line : lines) {
        indices.push_back(line.index);
    }
    return indices;
}

} // namespace

TEST_CASE("key-times: one line per key flush with flush-every") {
    SimFixture fx;
    const auto path = fx.file("keytimes.h5");
    const auto times = fx.file("keytimes.txt");
    fx.sim_ok({"--file", path, "--quiet", "--flush-every", "3", "--key-times", times});
    const auto text = read_text(times);
    const auto lines = parse_key_times(text);
    CAPTURE(text);
    // Flushes after frames 3, 6 and 9, and the last at the end.
    CHECK(indices_of(lines) == std::vector<std::uint64_t>{2, 5, 8, 9});
    REQUIRE(lines.size() == 4);
    CHECK(lines.front().seconds > 1.5e9); // unix time, not a steady clock
    for (std::size_t i = 1; i < lines.size(); ++i) {
        CHECK(lines[i].seconds >= lines[i - 1].seconds);
    }
    CHECK(fx.check({"frames", "--frames", "10", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=10\n"
                                                 "ok data /entry/data/data frames=10\n");
}

TEST_CASE("flush-every larger than the scan flushes once at the end") {
    SimFixture fx;
    const auto path = fx.file("bigflush.h5");
    const auto times = fx.file("bigflush.txt");
    fx.sim_ok({"--file", path, "--quiet", "--flush-every", "1000", "--key-times", times,
               "--scan-shape", "3x5", "--frame-shape", "scalar"});
    CHECK(indices_of(parse_key_times(read_text(times))) == std::vector<std::uint64_t>{14});
    CHECK(fx.check({"frames", "--frames", "15", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=15\n"
                                                 "ok data /entry/data/data frames=15\n");
}

TEST_CASE("die-after: exit 0 with N frames keyed and finished left at 0") {
    SimFixture fx;
    const auto path = fx.file("died.h5");
    const auto times = fx.file("died.txt");
    const auto result = fx.sim_ok({"--file", path, "--frames", "10", "--die-after", "4",
                                   "--flush-every", "3", "--key-times", times});
    CHECK(result.out.find("stopped after 4 frames") != std::string::npos);
    // The flush every 3 frames, then the one before dying.
    CHECK(indices_of(parse_key_times(read_text(times))) == std::vector<std::uint64_t>{2, 3});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(4,4,4) maxshape=(None,4,4) dtype=<u2 chunks=(1,4,4)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=0\n"
          "/entry/keys/uid shape=(4) maxshape=(None) dtype=<i4 chunks=(10)\n");
    CHECK(fx.check({"frames", "--frames", "4", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=4\n"
                                                 "ok data /entry/data/data frames=4\n");
}

TEST_CASE("die-after on a fixed grid leaves the other keys at 0") {
    SimFixture fx;
    const auto path = fx.file("died_grid.h5");
    fx.sim_ok({"--file", path, "--quiet", "--fixed", "--scan-shape", "3x4", "--die-after", "5",
               "--keys", "2", "--key-trailing-ones", "1"});
    CHECK(fx.check({"frames", "--frames", "5", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid,/entry/keys/uid_1", path}) ==
          "ok keys /entry/keys/uid set=5\n"
          "ok keys /entry/keys/uid_1 set=5\n"
          "ok data /entry/data/data frames=5\n");
    CHECK(fx.check({"describe", path})
              .find("/entry/finished shape=() maxshape=() dtype=<i4 "
                    "value=0\n") != std::string::npos);
}

TEST_CASE("rate: frames are paced, the run lasts at least (frames - 1) / rate") {
    SimFixture fx;
    const auto start = std::chrono::steady_clock::now();
    fx.sim_ok({"--file", fx.file("rate.h5"), "--quiet", "--rate", "50", "--scan-shape", "6"});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    // A lower bound only: a slow machine makes it longer, never shorter.
    CHECK(elapsed >= std::chrono::milliseconds(100));
}
