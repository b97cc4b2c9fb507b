// The HTTP endpoint's parts that need no daemon: the metrics text, frame values as numbers,
// the latency histogram and calls handed to the control loop.

#include "base/control_loop_calls.hpp"
#include "base/latency_histogram.hpp"
#include "http/frame_values.hpp"
#include "http/metrics_exposition.hpp"

#include <doctest/doctest.h>

#include <poll.h>

#include <atomic>
#include <cstring>
#include <limits>
#include <string>
#include <thread>

using namespace swmrd::daemon;
using namespace std::chrono_literals;

namespace {

std::string bytes_of(const void* data, std::size_t size) {
    return std::string(static_cast<const char*>(data), size);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the latency histogram puts each observation in the first bucket that holds it") {
    LatencyHistogram histogram;
    histogram.observe(30us);  // <= 50 µs
    histogram.observe(50us);  // <= 50 µs: bounds are inclusive, as Prometheus' `le`
    histogram.observe(700us); // <= 1 ms
    histogram.observe(20s);   // past the last bound: +Inf
    const auto snapshot = histogram.snapshot();
    CHECK(snapshot.count == 4);
    CHECK(snapshot.counts[0] == 2);
    CHECK(snapshot.counts[4] == 1);
    CHECK(snapshot.counts.back() == 1);
    CHECK(snapshot.sum_seconds == doctest::Approx(20.00078));
}

TEST_CASE("metrics: counters, labels, the cumulative histogram and +Inf") {
    auto counters = std::make_shared<WatchCounters>();
    counters->frames_total = 7;
    counters->bytes_total = 700;
    counters->runs_by_reason[static_cast<std::size_t>(swmrd::proto::EndReason::timeout)] = 2;
    counters->readable_to_sent.observe(80us);
    counters->readable_to_sent.observe(3ms);
    DaemonFigures figures;
    figures.version = "1.2.3";
    swmrd::proto::WatchStatus status;
    status.name = "det\"1";
    status.state = swmrd::proto::WatchState::streaming;
    status.source = "config";
    status.file = "/data/scan-*.h5";
    status.frames = 3;
    status.dropped = 1;
    figures.watches.push_back({status, counters, {"/entry/data/data"}});
    figures.subscribers = 2;
    const auto text = metrics_exposition(figures);
    CHECK(contains(text, "# TYPE swmrd_frames_sent_total counter\n"));
    CHECK(contains(text, "swmrd_frames_sent_total{watch=\"det\\\"1\"} 7\n")); // quotes escaped
    CHECK(contains(text, "swmrd_runs_total{watch=\"det\\\"1\",reason=\"timeout\"} 2\n"));
    CHECK(contains(text, "swmrd_runs_total{watch=\"det\\\"1\",reason=\"finished\"} 0\n"));
    CHECK(contains(text, "swmrd_watch_state{watch=\"det\\\"1\",state=\"streaming\"} 1\n"));
    CHECK(contains(text, "swmrd_watch_state{watch=\"det\\\"1\",state=\"idle\"} 0\n"));
    CHECK(contains(text, "swmrd_frames_dropped_total{watch=\"det\\\"1\"} 1\n"));
    CHECK(contains(text, "swmrd_subscribers 2\n"));
    CHECK(contains(text, "# TYPE swmrd_readable_to_sent_seconds histogram\n"));
    CHECK(contains(text,
                   "swmrd_readable_to_sent_seconds_bucket{watch=\"det\\\"1\",le=\"5e-05\"} 0\n"));
    CHECK(contains(text,
                   "swmrd_readable_to_sent_seconds_bucket{watch=\"det\\\"1\",le=\"0.0001\"} 1\n"));
    CHECK(contains(text,
                   "swmrd_readable_to_sent_seconds_bucket{watch=\"det\\\"1\",le=\"0.005\"} 2\n"));
    CHECK(contains(text,
                   "swmrd_readable_to_sent_seconds_bucket{watch=\"det\\\"1\",le=\"+Inf\"} 2\n"));
    CHECK(contains(text, "swmrd_readable_to_sent_seconds_count{watch=\"det\\\"1\"} 2\n"));
    // No fetch channel, no fetch metrics.
    CHECK_FALSE(contains(text, "swmrd_fetch_requests_total"));
}

TEST_CASE("frame values: every dtype, both byte orders") {
    const std::uint16_t little[] = {1, 65535};
    CHECK(values_as_json("<u2", bytes_of(little, sizeof little)) == nlohmann::json({1, 65535}));
    const unsigned char big[] = {0x01, 0x02, 0xff, 0xfe};
    CHECK(values_as_json(">u2", bytes_of(big, sizeof big)) == nlohmann::json({258, 65534}));
    CHECK(values_as_json(">i2", bytes_of(big, sizeof big)) == nlohmann::json({258, -2}));
    const double reals[] = {1.5, -0.25};
    CHECK(values_as_json("<f8", bytes_of(reals, sizeof reals)) == nlohmann::json({1.5, -0.25}));
    const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                             std::numeric_limits<float>::infinity()};
    CHECK(values_as_json("<f4", bytes_of(special, sizeof special)) ==
          nlohmann::json({nullptr, nullptr}));               // JSON has neither
    const std::uint16_t halves[] = {0x3c00, 0xc000, 0x0001}; // 1, -2, the smallest subnormal
    const auto half = values_as_json("<f2", bytes_of(halves, sizeof halves));
    CHECK(half[0] == 1.0);
    CHECK(half[1] == -2.0);
    CHECK(half[2].get<double>() == doctest::Approx(5.960464477539063e-08));
    const unsigned char flags[] = {0, 1, 2};
    CHECK(values_as_json("|b1", bytes_of(flags, sizeof flags)) ==
          nlohmann::json({false, true, true}));
    const std::int64_t wide[] = {-5};
    CHECK(values_as_json("<i8", bytes_of(wide, sizeof wide)) == nlohmann::json({-5}));
    CHECK_THROWS_AS(values_as_json("<u2", std::string(3, '\0')), std::invalid_argument);
    CHECK_THROWS_AS(values_as_json("<c8", std::string(8, '\0')), std::invalid_argument);
    CHECK_THROWS_AS(values_as_json("x", ""), std::invalid_argument);
}

TEST_CASE("control loop calls run on the loop's thread, and time out when it does not run") {
    ControlLoopCalls calls;
    std::atomic<bool> done{false};
    std::thread::id ran_on;
    std::thread loop([&] {
        while (!done.load()) {
            pollfd ready{calls.fd(), POLLIN, 0};
            if (::poll(&ready, 1, 10) > 0)
                calls.run_pending();
        }
    });
    const auto result = calls.call<int>(
        [&] {
            ran_on = std::this_thread::get_id();
            return 42;
        },
        5000ms);
    CHECK(result == 42);
    CHECK(ran_on == loop.get_id());
    CHECK_THROWS_AS(calls.call<int>([]() -> int { throw std::runtime_error("no"); }, 5000ms),
                    std::runtime_error);
    done = true;
    loop.join();

    // Nobody runs the loop now: the caller gets nullopt in time, and the call never runs.
    bool ran = false;
    CHECK_FALSE(calls.call<int>(
        [&] {
            ran = true;
            return 1;
        },
        20ms));
    calls.run_pending();
    CHECK_FALSE(ran);
}
