#include "files/directory_events.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

namespace fs = std::filesystem;
using swmrd::daemon::DirectoryEvents;
using swmrd::daemon::FilesystemEvents;
using swmrd::daemon::folder_to_watch;
using swmrd::daemon::WatchWakeup;

TEST_CASE("the folder a watch's files appear in") {
    CHECK(folder_to_watch("/data/scan.h5") == "/data");
    CHECK(folder_to_watch("/data/x/scan-*.h5") == "/data/x");
    CHECK(folder_to_watch("/scan.h5") == "/");
    CHECK(folder_to_watch("/data/*/scan.h5").empty()); // a glob folder: polling only
}

TEST_CASE("a file created in the folder wakes the wait; a stop wakes it too") {
    const auto dir =
        fs::temp_directory_path() / ("swmrd-events-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    {
        FilesystemEvents inotify;
        WatchWakeup wakeup;
        DirectoryEvents events(inotify, dir.string(), wakeup);
        REQUIRE(events.active());
        CHECK_FALSE(events.wait(std::chrono::milliseconds(0))); // nothing yet

        std::ofstream(dir / "scan.h5") << "x";
        // The event comes on the events thread: the long timeout is only a hang guard.
        CHECK(events.wait(std::chrono::seconds(30)));

        wakeup.stop();
        std::ofstream(dir / "scan2.h5") << "x";
        CHECK_FALSE(events.wait(std::chrono::seconds(30))); // the stop comes first
    }
    fs::remove_all(dir);
}

TEST_CASE("watches of one folder share one kernel watch, for as long as one follows it") {
    const auto dir =
        fs::temp_directory_path() / ("swmrd-events-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    {
        FilesystemEvents inotify;
        WatchWakeup first_wakeup, second_wakeup;
        std::optional<DirectoryEvents> first;
        first.emplace(inotify, dir.string(), first_wakeup);
        DirectoryEvents second(inotify, dir.string(), second_wakeup);
        CHECK(inotify.watches() == 1);

        std::ofstream(dir / "scan.h5") << "x";
        CHECK(first->wait(std::chrono::seconds(30)));
        CHECK(second.wait(std::chrono::seconds(30)));

        // One lets go: the other still hears of the folder.
        first.reset();
        CHECK(inotify.watches() == 1);
        std::ofstream(dir / "scan2.h5") << "x";
        CHECK(second.wait(std::chrono::seconds(30)));
    }
    fs::remove_all(dir);
}

TEST_CASE("a folder that does not exist leaves only the timeout") {
    FilesystemEvents inotify;
    WatchWakeup wakeup;
    DirectoryEvents events(inotify, "/nonexistent/swmrd/folder", wakeup);
    CHECK_FALSE(events.active());
    CHECK(events.error() == ENOENT);
    CHECK_FALSE(events.wait(std::chrono::milliseconds(1)));
    CHECK(inotify.watches() == 0);
}
