#include "file_events.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <sys/eventfd.h>
#include <unistd.h>

namespace fs = std::filesystem;
using swmrd::daemon::FileEvents;
using namespace std::chrono_literals;

TEST_CASE("a write to the followed file wakes the wait, once per burst; a stop wakes it too") {
    const auto dir =
        fs::temp_directory_path() / ("swmrd-file-events-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    std::ofstream(dir / "a.h5") << "a";
    std::ofstream(dir / "b.h5") << "b";
    const int stop = eventfd(0, EFD_NONBLOCK);
    {
        FileEvents events;
        REQUIRE(events.follow((dir / "a.h5").string()));
        CHECK_FALSE(events.wait(0us, stop)); // nothing yet

        {
            std::ofstream a(dir / "a.h5", std::ios::app);
            for (int write = 0; write < 5; ++write)
                a << "more" << std::flush; // several writes: one frame's flush
        }
        // The events are already queued: the long timeout is only a hang guard.
        CHECK(events.wait(30s, stop));
        CHECK_FALSE(events.wait(0us, stop)); // the burst was one wake-up

        // Following another file: writes to the first no longer count.
        REQUIRE(events.follow((dir / "b.h5").string()));
        std::ofstream(dir / "a.h5", std::ios::app) << "unseen";
        CHECK_FALSE(events.wait(1000us, stop));
        std::ofstream(dir / "b.h5", std::ios::app) << "seen";
        CHECK(events.wait(30s, stop));

        const std::uint64_t one = 1;
        REQUIRE(write(stop, &one, sizeof one) == sizeof one);
        std::ofstream(dir / "b.h5", std::ios::app) << "after the stop";
        CHECK_FALSE(events.wait(30s, stop)); // the stop comes first
    }
    close(stop);
    fs::remove_all(dir);
}

TEST_CASE("a file that cannot be followed: every wait times out") {
    FileEvents events;
    CHECK_FALSE(events.follow("/nonexistent/swmrd/scan.h5"));
    const int stop = eventfd(0, EFD_NONBLOCK);
    CHECK_FALSE(events.wait(1000us, stop));
    close(stop);
}
