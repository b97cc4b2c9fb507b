// The core reading while swmr-sim writes, as separate processes: every frame read equals
// what was written (so no fill value and no stale data ever comes out), in index order,
// each once, and the run ends the way the writer ended it.

#include "process.hpp"
#include "temp_dir.hpp"

#include "support/frames.hpp"
#include "support/helpers.hpp"
#include "support/paths.hpp"

#include <swmrd/core/data_source.hpp>
#include <swmrd/core/frame_reader.hpp>
#include <swmrd/core/key_follower.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <thread>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;
using namespace std::chrono_literals;

namespace {

struct SimScan {
    std::vector<std::string> args; // swmr-sim options after --file
    std::string dtype = "<u2";
    std::uint64_t frame_elements = 16; // 4x4 by default
    std::size_t datasets = 1;
};

struct Outcome {
    std::uint64_t frames = 0;
    std::optional<EndReason> end;
    std::vector<std::string> mismatches; // the first few frames that differ
    std::uint64_t progress_polls = 0;    // > 1: the reader ran while the writer wrote
};

void check_frame(Outcome& outcome, std::span<const std::byte> bytes, const std::string& dtype,
                 std::uint64_t dataset, std::uint64_t index, std::uint64_t elements) {
    std::string why;
    if (!frame_matches(bytes, dtype, dataset, index, elements, &why) &&
        outcome.mismatches.size() < 5)
        outcome.mismatches.push_back(why);
}

std::vector<std::string> data_paths(std::size_t datasets) {
    std::vector<std::string> paths{"/entry/data/data"};
    for (std::size_t d = 1; d < datasets; ++d)
        paths.push_back("/entry/data/data_" + std::to_string(d));
    return paths;
}

std::vector<std::string> key_paths(std::size_t keys) {
    std::vector<std::string> paths{"/entry/keys/uid"};
    for (std::size_t k = 1; k < keys; ++k)
        paths.push_back("/entry/keys/uid_" + std::to_string(k));
    return paths;
}

// As the daemon reads: poll the keys, then every new frame of each dataset in one read
// (runs over whole rows of a grid included), at most `max_batch` frames at a time.
Outcome read_batched(const SwmrFile& file, const SimScan& scan, std::size_t keys, Seconds timeout,
                     std::uint64_t max_batch = 4096,
                     const std::function<Clock::time_point()>& now = Clock::now) {
    KeyFollower follower(file, KeyFollowerOptions{key_paths(keys), "/entry/finished", timeout});
    std::vector<FrameReader> readers;
    for (const auto& path : data_paths(scan.datasets))
        readers.emplace_back(file, path, follower.scan_shape().rank());
    Outcome outcome;
    std::vector<std::byte> buffer;
    for (;;) {
        const auto poll = follower.poll(now());
        if (poll.readable > outcome.frames) {
            ++outcome.progress_polls;
            while (outcome.frames < poll.readable) {
                const auto first = outcome.frames;
                const auto count = std::min(poll.readable - first, max_batch);
                for (std::size_t d = 0; d < readers.size(); ++d) {
                    const auto frame_bytes = readers[d].info().frame_bytes;
                    buffer.resize(count * frame_bytes);
                    readers[d].read(first, count, buffer);
                    for (std::uint64_t k = 0; k < count; ++k)
                        check_frame(outcome,
                                    std::span<const std::byte>(buffer).subspan(k * frame_bytes,
                                                                               frame_bytes),
                                    scan.dtype, d, first + k, scan.frame_elements);
                }
                outcome.frames += count;
            }
        } else if (poll.end) {
            outcome.end = poll.end;
            return outcome;
        } else {
            std::this_thread::sleep_for(1ms);
        }
    }
}

// As a library user reads: DataSource, one frame map at a time.
Outcome read_data_source(const SwmrFile& file, const SimScan& scan, Seconds timeout,
                         const std::vector<std::uint64_t>& row_length = {}) {
    DataSourceOptions options;
    options.keys = key_paths(1);
    options.datasets = data_paths(scan.datasets);
    options.finished = "/entry/finished";
    options.timeout = timeout;
    options.poll_interval = 1ms;
    DataSource source(file, options);
    Outcome outcome;
    while (auto frame = source.next()) {
        if (frame->index != outcome.frames && outcome.mismatches.size() < 5)
            outcome.mismatches.push_back("frame " + std::to_string(frame->index) +
                                         " came out at position " + std::to_string(outcome.frames));
        // A grid growing by rows: the slice is the position in rows of `row_length`.
        const auto i = frame->index;
        const auto expected = row_length.empty()
                                  ? std::vector<SliceRange>{{i, i + 1}}
                                  : slices_of(unravel(i, {i / row_length[0] + 1, row_length[0]}));
        if (frame->slice_metadata != expected && outcome.mismatches.size() < 5)
            outcome.mismatches.push_back("frame " + std::to_string(i) + ": wrong slice");
        for (std::size_t d = 0; d < scan.datasets; ++d)
            check_frame(outcome, frame->data.at(data_paths(scan.datasets)[d]).bytes, scan.dtype, d,
                        i, scan.frame_elements);
        ++outcome.frames;
    }
    outcome.end = source.end_reason();
    return outcome;
}

// Starts swmr-sim on a new file, runs `read` on it while it writes, and checks its exit.
template <class Read> Outcome with_sim(const SimScan& scan, Read&& read) {
    TempDir dir;
    const auto path = dir.file("scan.h5");
    std::vector<std::string> argv{sim_path, "--file", path, "--quiet"};
    argv.insert(argv.end(), scan.args.begin(), scan.args.end());
    ChildProcess sim(argv, dir.path());
    auto file = open_file(path);
    auto outcome = read(file);
    const auto exit = sim.wait();
    CHECK_MESSAGE(exit.exit_code == 0, exit.err);
    return outcome;
}

void check_clean(const Outcome& outcome) {
    INFO("polls with new frames: " << outcome.progress_polls);
    for (const auto& mismatch : outcome.mismatches)
        FAIL_CHECK(mismatch);
}

} // namespace

TEST_CASE("concurrent: a slow 1-D writer, read frame by frame") {
    const SimScan scan{{"--scan-shape", "40", "--rate", "200"}};
    const auto outcome =
        with_sim(scan, [&](const SwmrFile& file) { return read_data_source(file, scan, 20s); });
    check_clean(outcome);
    CHECK(outcome.frames == 40);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::finished);
}

TEST_CASE("concurrent: an unthrottled 1-D writer, read in batches") {
    const SimScan scan{
        {"--scan-shape", "3000", "--frame-shape", "8x8", "--datasets", "2", "--keys", "2"},
        "<u2",
        64,
        2};
    const auto outcome =
        with_sim(scan, [&](const SwmrFile& file) { return read_batched(file, scan, 2, 20s, 700); });
    check_clean(outcome);
    CHECK(outcome.frames == 3000);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::finished);
}

TEST_CASE("concurrent: a slow grid growing by rows, read frame by frame") {
    const SimScan scan{{"--scan-shape", "5x6", "--rate", "300", "--dtype", ">f4"}, ">f4"};
    const auto outcome = with_sim(
        scan, [&](const SwmrFile& file) { return read_data_source(file, scan, 20s, {6}); });
    check_clean(outcome);
    CHECK(outcome.frames == 30);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::finished);
}

TEST_CASE("concurrent: an unthrottled grid, batches spanning rows") {
    const SimScan scan{
        {"--scan-shape", "100x25", "--frame-shape", "3x5", "--dtype", "i8", "--flush-every", "7"},
        "<i8",
        15};
    const auto outcome =
        with_sim(scan, [&](const SwmrFile& file) { return read_batched(file, scan, 1, 20s, 97); });
    check_clean(outcome);
    CHECK(outcome.frames == 2500);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::finished);
}

TEST_CASE("concurrent: a fixed grid ends complete") {
    const SimScan scan{{"--scan-shape", "12x10", "--fixed", "--frame-shape", "scalar", "--dtype",
                        "u4", "--rate", "1000"},
                       "<u4",
                       1};
    const auto outcome =
        with_sim(scan, [&](const SwmrFile& file) { return read_batched(file, scan, 1, 20s); });
    check_clean(outcome);
    CHECK(outcome.frames == 120);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::complete);
}

TEST_CASE("concurrent: a writer that dies ends in a timeout with exactly its frames") {
    TempDir dir;
    const auto path = dir.file("dies.h5");
    const SimScan scan{{}};
    ChildProcess sim({sim_path, "--file", path, "--quiet", "--scan-shape", "50", "--die-after",
                      "17", "--rate", "500"},
                     dir.path());
    auto file = open_file(path);
    // The follower's clock stands still while the writer lives and runs once it is gone: the
    // timeout can only end the run after the writer died, however slow the machine.
    const auto start = Clock::now();
    auto clock = start;
    const auto outcome = read_batched(file, scan, 1, 10s, 4096, [&] {
        if (!sim.running() || Clock::now() - start > 120s) // the second test: a hang guard
            clock += 1s;
        return clock;
    });
    const auto exit = sim.wait();
    CHECK_MESSAGE(exit.exit_code == 0, exit.err);
    check_clean(outcome);
    CHECK(outcome.frames == 17);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::timeout);
}

TEST_CASE("concurrent: the finished flag right after the last key delivers every frame") {
    // Keys flushed in groups of 13: the last group and the flag land together.
    const SimScan scan{{"--scan-shape", "400", "--flush-every", "13", "--frame-shape", "2x2",
                        "--dtype", "u1", "--rate", "2000"},
                       "|u1",
                       4};
    const auto outcome =
        with_sim(scan, [&](const SwmrFile& file) { return read_batched(file, scan, 1, 20s); });
    check_clean(outcome);
    CHECK(outcome.frames == 400);
    REQUIRE(outcome.end);
    CHECK(*outcome.end == EndReason::finished);
}

TEST_CASE("concurrent: interleaved datasets written by one writer") {
    TempDir dir;
    const auto path = dir.file("interleaved.h5");
    ChildProcess sim({sim_path, "--file", path, "--quiet", "--scan-shape", "90", "--interleave",
                      "3", "--rate", "1000"},
                     dir.path());
    auto file = open_file(path);
    DataSourceOptions options;
    options.keys = {"/entry/keys/uid"};
    options.interleaved = {
        {"frames", {"/entry/data/data_0", "/entry/data/data_1", "/entry/data/data_2"}}};
    options.finished = "/entry/finished";
    options.poll_interval = 1ms;
    DataSource source(file, options);
    std::uint64_t count = 0;
    while (auto frame = source.next()) {
        const auto i = frame->index;
        CHECK(i == count++);
        CHECK(frame->slice_metadata == std::vector<SliceRange>{{i, i + 1}});
        std::string why;
        CHECK_MESSAGE(frame_matches(frame->data.at("frames").bytes, "<u2", i % 3, i, 16, &why),
                      why);
    }
    const auto exit = sim.wait();
    CHECK_MESSAGE(exit.exit_code == 0, exit.err);
    CHECK(count == 90);
    CHECK(*source.end_reason() == EndReason::finished);
}

TEST_CASE("concurrent: LZ4 frames decoded by the plugin while they are written") {
    const SimScan scan{
        {"--scan-shape", "500", "--frame-shape", "32x32", "--compression", "lz4"}, "<u2", 1024};
    const auto outcome =
        with_sim(scan, [&](const SwmrFile& file) { return read_batched(file, scan, 1, 20s, 50); });
    check_clean(outcome);
    CHECK(outcome.frames == 500);
    CHECK(*outcome.end == EndReason::finished);
}
