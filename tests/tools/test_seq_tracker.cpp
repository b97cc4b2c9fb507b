// Gaps in seq are found and counted per run; nothing is missed silently.

#include "swmrcat/seq_tracker.hpp"
#include "swmrcat/stats.hpp"

#include <doctest/doctest.h>

using namespace swmrd;
using namespace swmrd::cat;

namespace {

proto::Envelope env(const std::string& watch, const std::string& run, std::uint64_t seq) {
    return {watch, run, seq, 0.0};
}

} // namespace

TEST_CASE("a run seen in order has no gaps") {
    SeqTracker tracker;
    CHECK_FALSE(tracker.observe(env("det1", "a", 0), "start"));
    CHECK_FALSE(tracker.observe(env("det1", "a", 1), "frame"));
    CHECK_FALSE(tracker.observe(env("det1", "a", 2), "frame"));
    CHECK_FALSE(tracker.observe(env("det1", "a", 3), "end"));
    CHECK_FALSE(tracker.observe(env("det1", "b", 0), "start"));
    CHECK(tracker.total_gaps() == 0);
    CHECK(tracker.gaps().empty());
}

TEST_CASE("a jump in seq is a gap, counted with the messages it missed") {
    SeqTracker tracker;
    tracker.observe(env("det1", "a", 0), "start");
    tracker.observe(env("det1", "a", 1), "frame");
    const auto note = tracker.observe(env("det1", "a", 5), "frame");
    REQUIRE(note);
    CHECK(*note == "missed 3 messages of det1 run a: seq jumped from 1 to 5");
    tracker.observe(env("det1", "a", 7), "end");
    REQUIRE(tracker.gaps().size() == 1);
    CHECK(tracker.gaps()[0].watch == "det1");
    CHECK(tracker.gaps()[0].run == "a");
    CHECK(tracker.gaps()[0].gaps == 2);
    CHECK(tracker.gaps()[0].missed == 4);
}

TEST_CASE("joining the first run half-way is noted but is not a gap") {
    SeqTracker tracker;
    const auto note = tracker.observe(env("det1", "a", 4), "frame");
    REQUIRE(note);
    CHECK(note->find("joined det1 run a at seq 4") == 0);
    CHECK(tracker.total_gaps() == 0);
}

TEST_CASE("a missed end and a missed start of the next run are gaps") {
    SeqTracker tracker;
    tracker.observe(env("det1", "a", 0), "start");
    tracker.observe(env("det1", "a", 1), "frame");
    const auto note = tracker.observe(env("det1", "b", 2), "frame");
    REQUIRE(note);
    CHECK(*note == "missed the end of det1 run a; missed the first 2 messages of det1 run b");
    REQUIRE(tracker.gaps().size() == 2);
    CHECK(tracker.gaps()[0].run == "a");
    CHECK(tracker.gaps()[1].run == "b");
    CHECK(tracker.gaps()[1].missed == 2);
}

TEST_CASE("watches are followed separately, heartbeats on their own count") {
    SeqTracker tracker;
    tracker.observe(env("det1", "a", 0), "start");
    tracker.observe(env("_daemon", "i1", 10), "heartbeat");
    tracker.observe(env("det2", "c", 0), "start");
    CHECK_FALSE(tracker.observe(env("det1", "a", 1), "frame"));
    CHECK_FALSE(tracker.observe(env("_daemon", "i1", 11), "heartbeat"));
    const auto restart = tracker.observe(env("_daemon", "i2", 0), "heartbeat");
    REQUIRE(restart);
    CHECK(*restart == "swmrd restarted: new instance i2");
    CHECK(tracker.total_gaps() == 0);
}

TEST_CASE("stats count frames and list the runs with gaps") {
    const auto t0 = Stats::Clock::time_point{};
    Stats stats(t0);
    stats.count_frame(1000000);
    stats.count_frame(1000000);
    SeqTracker tracker;
    tracker.observe(env("det1", "a", 0), "start");
    tracker.observe(env("det1", "a", 3), "frame");
    CHECK(stats.frames() == 2);
    CHECK(stats.final_lines(t0 + std::chrono::seconds(2), tracker) ==
          "2 frames in 2.0 s, 1.0 frames/s, 1.00 MB/s, 1 gaps in seq\n"
          "gaps in det1 run a: 1, at least 2 messages missed\n");
    CHECK(stats.interval_line(t0 + std::chrono::seconds(1)) ==
          "2 frames in 1.0 s, 2.0 frames/s, 2.00 MB/s; 2 frames since the start");
    CHECK(stats.interval_line(t0 + std::chrono::seconds(2)) ==
          "0 frames in 1.0 s, 0.0 frames/s, 0.00 MB/s; 2 frames since the start");
}
