#include "files/file_events.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using swmrd::daemon::FileEvents;
using swmrd::daemon::FilesystemEvents;
using swmrd::daemon::WatchWakeup;
using namespace std::chrono_literals;

TEST_CASE("a write to the followed file wakes the wait, once per burst; a stop wakes it too") {
    const auto dir =
        fs::temp_directory_path() / ("swmrd-file-events-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    std::ofstream(dir / "a.h5") << "a";
    std::ofstream(dir / "b.h5") << "b";
    {
        FilesystemEvents inotify;
        WatchWakeup wakeup;
        FileEvents events(inotify, wakeup);
        REQUIRE(events.follow((dir / "a.h5").string()));
        CHECK_FALSE(events.wait(0us)); // nothing yet

        {
            std::ofstream a(dir / "a.h5", std::ios::app);
            for (int write = 0; write < 5; ++write)
                a << "more" << std::flush; // several writes: one frame's flush
        }
        // The events come on the events thread: the long timeout is only a hang guard.
        CHECK(events.wait(30s));

        // Following another file: writes to the first no longer count.
        REQUIRE(events.follow((dir / "b.h5").string()));
        CHECK(inotify.watches() == 1); // the first file's kernel watch is let go
        std::ofstream(dir / "a.h5", std::ios::app) << "unseen";
        CHECK_FALSE(events.wait(100ms));
        std::ofstream(dir / "b.h5", std::ios::app) << "seen";
        CHECK(events.wait(30s));

        wakeup.stop();
        std::ofstream(dir / "b.h5", std::ios::app) << "after the stop";
        CHECK_FALSE(events.wait(30s)); // the stop comes first
    }
    fs::remove_all(dir);
}

TEST_CASE("many watches follow their files through one inotify instance") {
    // The kernel allows 128 instances per user by default: one per watch ran out.
    const auto dir =
        fs::temp_directory_path() / ("swmrd-file-events-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    {
        FilesystemEvents inotify;
        REQUIRE(inotify.error() == 0);
        constexpr int watches = 300;
        std::vector<std::unique_ptr<WatchWakeup>> wakeups;
        std::vector<std::unique_ptr<FileEvents>> followers;
        for (int i = 0; i < watches; ++i) {
            const auto path = dir / ("scan-" + std::to_string(i) + ".h5");
            std::ofstream(path) << "x";
            wakeups.push_back(std::make_unique<WatchWakeup>());
            followers.push_back(std::make_unique<FileEvents>(inotify, *wakeups.back()));
            REQUIRE(followers.back()->follow(path.string()));
        }
        CHECK(inotify.watches() == watches);
        std::ofstream(dir / "scan-299.h5", std::ios::app) << "more";
        CHECK(followers.back()->wait(30s));
        CHECK_FALSE(followers.front()->wait(0us));
    }
    fs::remove_all(dir);
}

TEST_CASE("a file that cannot be followed: every wait times out") {
    FilesystemEvents inotify;
    WatchWakeup wakeup;
    FileEvents events(inotify, wakeup);
    CHECK_FALSE(events.follow("/nonexistent/swmrd/scan.h5"));
    CHECK_FALSE(events.wait(1000us));
}
