#include "directory_events.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <sys/eventfd.h>
#include <unistd.h>

namespace fs = std::filesystem;
using swmrd::daemon::DirectoryEvents;
using swmrd::daemon::folder_to_watch;

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
    const int stop = eventfd(0, EFD_NONBLOCK);
    {
        DirectoryEvents events(dir.string());
        REQUIRE(events.active());
        CHECK_FALSE(events.wait(std::chrono::milliseconds(0), stop)); // nothing yet

        std::ofstream(dir / "scan.h5") << "x";
        // The event is already queued: the long timeout is only a hang guard.
        CHECK(events.wait(std::chrono::seconds(30), stop));

        const std::uint64_t one = 1;
        REQUIRE(write(stop, &one, sizeof one) == sizeof one);
        CHECK_FALSE(events.wait(std::chrono::seconds(30), stop));
    }
    close(stop);
    fs::remove_all(dir);
}

TEST_CASE("a folder that does not exist leaves only the timeout") {
    DirectoryEvents events("/nonexistent/swmrd/folder");
    CHECK_FALSE(events.active());
    const int stop = eventfd(0, EFD_NONBLOCK);
    CHECK_FALSE(events.wait(std::chrono::milliseconds(1), stop));
    close(stop);
}
