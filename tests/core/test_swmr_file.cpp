// SwmrFile: opening for SWMR reading, and the opening races that are only transient.

#include "temp_dir.hpp"

#include "support/helpers.hpp"
#include "support/scripted_writer.hpp"
#include "support/test_file.hpp"

#include <swmrd/core/h5_error.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;
using namespace std::chrono_literals;

TEST_CASE("swmr file: opens a complete file and finds its datasets") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/entry/data/data", H5T_STD_I32LE, {{2}}, {1, 2});
    }
    auto file = SwmrFile::try_open(dir.file("f.h5"));
    REQUIRE(file);
    CHECK(file->path() == dir.file("f.h5"));
    CHECK(file->has_dataset("/entry/data/data"));
    CHECK(file->has_dataset("entry/data/data"));
    CHECK_FALSE(file->has_dataset("/entry/data")); // a group
    CHECK_FALSE(file->has_dataset("/entry/data/other"));
    CHECK_FALSE(file->has_dataset("/no/such/group/data"));
    CHECK_FALSE(file->has_dataset("/"));
}

TEST_CASE("swmr file: names the file it really opened, through links, and opens apart") {
    TempDir dir;
    {
        TestFile f(dir.file("real.h5"));
        f.write("/d", H5T_STD_I32LE, {{2}}, {1, 2});
    }
    std::filesystem::create_symlink(dir.file("real.h5"), dir.file("link.h5"));
    const auto real = std::filesystem::canonical(dir.file("real.h5")).string();
    auto through_link = SwmrFile::try_open(dir.file("link.h5"));
    REQUIRE(through_link);
    CHECK(through_link->path() == dir.file("link.h5"));
    CHECK(through_link->opened_path() == real);
    // A second handle of the same file through another driver, as the fetch channel opens.
    auto apart = SwmrFile::try_open(dir.file("real.h5"), nullptr, true);
    REQUIRE(apart);
    CHECK(apart->opened_path() == real);
    CHECK(apart->has_dataset("/d"));
}

TEST_CASE("swmr file: a file that does not exist yet is transient") {
    TempDir dir;
    std::string why;
    CHECK_FALSE(SwmrFile::try_open(dir.file("later.h5"), &why));
    CHECK(why.find("does not exist yet") != std::string::npos);
}

TEST_CASE("swmr file: an empty file is transient") {
    TempDir dir;
    std::ofstream(dir.file("empty.h5")).close();
    std::string why;
    CHECK_FALSE(SwmrFile::try_open(dir.file("empty.h5"), &why));
    CHECK(why.find("empty") != std::string::npos);
}

TEST_CASE("swmr file: a file whose writer has not started SWMR mode is transient") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("key /k 0 u");
    writer.send("flush /k");

    std::string why;
    CHECK_FALSE(SwmrFile::try_open(path, &why));
    INFO(why);
    // Readers take no file lock (it could make the writer's H5Fstart_swmr_write fail), so
    // what HDF5 sees is the writer's unfinished file: not in SWMR mode, or not all written.
    CHECK((why.find("not already open for SWMR writing") != std::string::npos ||
           why.find("truncated file") != std::string::npos));

    writer.send("swmr");
    auto file = SwmrFile::try_open(path, &why);
    REQUIRE(file);
    CHECK(file->has_dataset("/k"));
    CHECK(writer.close() == 0);
}

TEST_CASE("swmr file: readers trying all along never make the writer's switch to SWMR fail") {
    // With file locks, a reader's brief shared lock during the writer's H5Fstart_swmr_write
    // (which unlocks and locks again) failed the writer: "unable to lock file".
    for (int attempt = 0; attempt < 20; ++attempt) {
        CAPTURE(attempt);
        TempDir dir;
        const auto path = dir.file("f.h5");
        std::atomic<bool> done{false};
        std::atomic<int> tries{0};
        std::thread reader([&] {
            while (!done.load()) {
                std::string why;
                try {
                    if (SwmrFile::try_open(path, &why))
                        break;
                } catch (const std::exception&) {
                }
                ++tries;
            }
        });
        ScriptedWriter writer(dir.path());
        writer.send("create " + path);
        writer.send("key /k 0 u");
        writer.send("flush /k");
        CHECK_NOTHROW(writer.send("swmr"));
        done = true;
        reader.join();
        CHECK(writer.close() == 0);
        CHECK(tries.load() > 0);
    }
}

TEST_CASE("swmr file: open() retries until the writer starts SWMR mode") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    std::thread later([&] {
        std::this_thread::sleep_for(100ms);
        writer.send("create " + path);
        writer.send("key /k 0 u");
        std::this_thread::sleep_for(100ms);
        writer.send("swmr");
    });
    // The deadline is only a hang guard: the file appears, is locked, then opens.
    auto file = SwmrFile::open(path, Clock::now() + 60s);
    later.join();
    CHECK(file.has_dataset("/k"));
    CHECK(writer.close() == 0);
}
