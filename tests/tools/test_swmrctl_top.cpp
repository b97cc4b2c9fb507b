// swmrctl top's screen: rates from the change of the counters between refreshes, and the
// text of a refresh.

#include "swmrctl/top.hpp"

#include <swmrd/proto/msgpack_value.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

using namespace swmrd;
using namespace swmrd::ctl::top;

namespace {

proto::WatchStatus status(const std::string& name, const std::string& run, std::uint64_t frames,
                          std::uint64_t bytes) {
    proto::WatchStatus s;
    s.name = name;
    s.file = "/data/scan-*.h5";
    s.source = "config";
    s.state = proto::WatchState::streaming;
    s.current_file = "/data/scan-00042.h5";
    s.run = run;
    s.frames = frames;
    s.bytes = bytes;
    s.last_index = static_cast<std::int64_t>(frames) - 1;
    return s;
}

WatchSample sample(proto::WatchStatus s) {
    return WatchSample{std::move(s), std::nullopt, std::nullopt};
}

proto::Value unsigned_value(std::uint64_t n) {
    proto::Value value;
    value.data = n;
    return value;
}

proto::Map& map_of(proto::Value& value) {
    return std::get<proto::Map>(value.data);
}

proto::Value& value_at(proto::Value& map, const std::string& key) {
    for (auto& entry : map_of(map))
        if (entry.first == key)
            return entry.second;
    throw std::out_of_range(key);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("rates come from the change of frames and bytes over the time between refreshes") {
    const auto rates =
        rates_between(status("d", "r1", 100, 1'000'000), status("d", "r1", 150, 1'800'000), 0.5);
    REQUIRE(rates);
    CHECK(rates->frames_per_second == doctest::Approx(100.0));
    CHECK(rates->bytes_per_second == doctest::Approx(1.6e6));
    CHECK_FALSE(rates_between(status("d", "r1", 1, 1), status("d", "r1", 2, 2), 0.0));
}

TEST_CASE("a new run restarts the counters: its frames count, all of them since the last refresh") {
    const auto rates = rates_between(status("d", "r1", 500, 5000), status("d", "r2", 20, 200), 2.0);
    REQUIRE(rates);
    CHECK(rates->frames_per_second == doctest::Approx(10.0));
    CHECK(rates->bytes_per_second == doctest::Approx(100.0));
    // Counters never go back within a run; if they seem to, nothing was sent.
    CHECK(
        rates_between(status("d", "r1", 9, 90), status("d", "r1", 5, 50), 1.0)->frames_per_second ==
        0.0);
}

TEST_CASE("the tracker gives rates from the second refresh of each watch on") {
    RateTracker tracker;
    auto first = tracker.refresh({sample(status("a", "r", 10, 100))}, 100.0);
    REQUIRE(first.size() == 1);
    CHECK_FALSE(first[0].rates);

    auto second = tracker.refresh(
        {sample(status("a", "r", 30, 300)), sample(status("b", "s", 5, 50))}, 102.0);
    REQUIRE(second.size() == 2);
    REQUIRE(second[0].rates);
    CHECK(second[0].rates->frames_per_second == doctest::Approx(10.0));
    CHECK_FALSE(second[1].rates); // b is new

    // A refresh the daemon did not answer leaves the tracker as it was: the next rate spans
    // both intervals.
    auto third = tracker.refresh({sample(status("a", "r", 70, 700))}, 106.0);
    CHECK(third[0].rates->frames_per_second == doctest::Approx(10.0));
}

TEST_CASE("cells: file base names truncated from the front, rates, progress") {
    CHECK(file_cell(std::nullopt, 28) == "-");
    CHECK(file_cell(std::string("/data/x/scan-42.h5"), 28) == "scan-42.h5");
    CHECK(file_cell(std::string("/data/a-very-long-detector-file-name-00042.h5"), 12) ==
          "..e-00042.h5");
    CHECK(file_cell(std::string("/data/a-very-long-detector-file-name-00042.h5"), 12).size() == 12);
    CHECK(rate_cell(std::nullopt, false) == "-");
    CHECK(rate_cell(Rates{12.34, 1'640'000.0}, false) == "12.3");
    CHECK(rate_cell(Rates{12.34, 1'640'000.0}, true) == "1.64");

    auto s = sample(status("d", "r", 40, 0));
    CHECK(progress_cell(s) == "-");
    s.scan_frames = 100;
    CHECK(progress_cell(s) == "40/100 40%");
    s.scan_frames = 0; // an unbounded scan
    CHECK(progress_cell(s) == "-");
}

TEST_CASE("a refresh renders a table with every watch, and its errors") {
    RateTracker tracker;
    tracker.refresh({sample(status("det1", "r", 100, 1'000'000))}, 10.0);
    auto failed = status("det2", "q", 3, 30);
    failed.state = proto::WatchState::failed;
    failed.current_file.reset();
    failed.dropped = 2;
    failed.lost = 1;
    failed.error = "not an HDF5 file";
    Screen screen;
    screen.endpoint = "tcp://127.0.0.1:5555";
    screen.clock = "12:00:00";
    screen.rows =
        tracker.refresh({sample(status("det1", "r", 200, 3'000'000)), sample(failed)}, 11.0);
    const auto text = render(screen);
    CAPTURE(text);
    CHECK(text == "swmrd at tcp://127.0.0.1:5555: 2 watches, 12:00:00 (every 1s)\n"
                  "NAME  STATE      FILE           FRAMES/S  MB/S  FRAMES  DROPPED  LOST\n"
                  "det1  streaming  scan-00042.h5     100.0  2.00     200        0     0\n"
                  "det2  failed     -                     -     -       3        2     1\n"
                  "error in det2: not an HDF5 file\n");
    CHECK_FALSE(contains(text, "\x1b"));
}

TEST_CASE("subscribers and progress columns appear when the status has them") {
    // A `list` reply whose status maps carry keys protocol v1 does not define (yet), from a
    // daemon with three subscribers.
    proto::ListReply list{{status("det1", "r", 25, 250)}, 3};
    const auto wire = proto::encode_reply(list);
    auto raw = proto::decode_value(wire.data(), wire.size());
    auto& first_status = std::get<proto::Array>(value_at(raw, "watches").data).at(0);
    map_of(first_status).emplace_back("scan_frames", unsigned_value(100));

    const auto samples = samples_of(list, raw);
    REQUIRE(samples.size() == 1);
    CHECK(samples[0].scan_frames == 100u);
    CHECK(samples[0].subscribers == 3u);

    Screen screen;
    screen.endpoint = std::string("e"); // (operator=(const char*) here trips GCC 12's -Wrestrict)
    screen.clock = std::string("c");
    screen.rows = RateTracker().refresh(samples, 1.0);
    const auto text = render(screen);
    CAPTURE(text);
    CHECK(contains(text, "LOST  SUBS    PROGRESS\n"));
    CHECK(contains(text, "     0     3  25/100 25%\n"));

    // Without them, neither column.
    const auto plain = samples_of(list, proto::Value{});
    CHECK_FALSE(plain[0].subscribers);
    CHECK_FALSE(contains(render(Screen{"e", config::Seconds(1), "c", std::nullopt,
                                       RateTracker().refresh(plain, 1.0)}),
                         "SUBS"));
}

TEST_CASE("a daemon that does not answer, and one with no watches") {
    Screen screen;
    screen.endpoint = "tcp://127.0.0.1:1";
    screen.interval = config::Seconds(0.2);
    screen.clock = "12:00:00";
    screen.problem = "daemon not answering (no reply within 5s)";
    CHECK(render(screen) == "swmrd at tcp://127.0.0.1:1, 12:00:00 (every 200ms)\n"
                            "daemon not answering (no reply within 5s)\n");
    screen.problem.reset();
    CHECK(render(screen) == "swmrd at tcp://127.0.0.1:1: 0 watches, 12:00:00 (every 200ms)\n"
                            "no watches\n");
}
