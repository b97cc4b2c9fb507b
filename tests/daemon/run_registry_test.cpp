// RunRegistry on its own: what it keeps, in which order, for how long, and what it says of
// a run's file once that file is deleted, replaced or truncated (real files in a temp dir).

#include "files/file_identity.hpp"
#include "runs/run_registry.hpp"

#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace swmrd::daemon;
using swmrd::proto::EndReason;
using swmrd::proto::RunState;

namespace {

void write_bytes(const std::string& path, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << std::string(size, 'x');
}

RunRecord record_of(const std::string& watch, const std::string& run, const std::string& file) {
    RunRecord record;
    record.run = run;
    record.spec.name = watch;
    record.file = file;
    if (const auto found = identify(file))
        record.identity = found->identity;
    return record;
}

} // namespace

TEST_CASE("runs are listed oldest first, streaming then ended with their figures") {
    swmrd::test::TempDir dir;
    const auto file = dir.file("scan.h5");
    write_bytes(file, 100);
    RunRegistry runs(10);
    CHECK_FALSE(runs.knows_watch("det"));

    runs.started(record_of("det", "r1", file));
    REQUIRE(runs.knows_watch("det"));
    auto listed = runs.runs("det");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].state == RunState::streaming);
    CHECK_FALSE(listed[0].reason);
    CHECK(listed[0].fetchable);

    runs.ended("r1", EndReason::finished, 7, 6);
    listed = runs.runs("det");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].state == RunState::ended);
    CHECK(listed[0].reason == EndReason::finished);
    CHECK(listed[0].frames == 7);
    CHECK(listed[0].last_index == 6);
    CHECK(listed[0].ended.has_value());
}

TEST_CASE("a watch keeps its last `history` runs; other watches keep theirs") {
    swmrd::test::TempDir dir;
    RunRegistry runs(2);
    // (Names spelled out: GCC 12 misreads "d" + std::to_string(i) here, -Wrestrict.)
    for (const std::string run : {"d0", "d1", "d2", "d3"}) {
        const auto file = dir.file(run + ".h5");
        write_bytes(file, 10);
        runs.started(record_of("det", run, file));
        runs.ended(run, EndReason::finished, 1, 0);
    }
    const auto other = dir.file("other.h5");
    write_bytes(other, 10);
    runs.started(record_of("cam", "c0", other));

    const auto kept = runs.runs("det");
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].run == "d2");
    CHECK(kept[1].run == "d3");
    CHECK_FALSE(runs.find("det", "d0"));
    CHECK(runs.find("det", "d3"));
    CHECK(runs.runs("cam").size() == 1);
    CHECK_FALSE(runs.find("cam", "d3")); // a run is found under its own watch only
}

TEST_CASE("a run's file deleted, replaced or truncated is gone, and says which") {
    swmrd::test::TempDir dir;
    const auto file = dir.file("scan.h5");
    write_bytes(file, 1000);
    RunRegistry runs(10);
    runs.started(record_of("det", "r1", file));
    runs.ended("r1", EndReason::finished, 3, 2);
    RunSeal seal;
    seal.size = 1000;
    runs.seal("r1", seal);
    CHECK_FALSE(RunRegistry::gone(*runs.find("det", "r1")));

    SUBCASE("truncated") {
        write_bytes(file, 10); // same inode, shorter: written anew in place
        const auto why = RunRegistry::gone(*runs.find("det", "r1"));
        REQUIRE(why);
        CHECK(why->find("was truncated (from 1000 to 10 bytes) since run r1") != std::string::npos);
    }
    SUBCASE("replaced") {
        const auto other = dir.file("other.h5");
        write_bytes(other, 2000);
        std::filesystem::rename(other, file);
        const auto why = RunRegistry::gone(*runs.find("det", "r1"));
        REQUIRE(why);
        CHECK(why->find("was replaced by another file") != std::string::npos);
    }
    SUBCASE("deleted") {
        std::filesystem::remove(file);
        const auto why = RunRegistry::gone(*runs.find("det", "r1"));
        REQUIRE(why);
        CHECK(*why == file + " was deleted since run r1 read it");
        CHECK_FALSE(runs.runs("det").at(0).fetchable);
    }
}

TEST_CASE("a new run of the same file supersedes the earlier ones: they are not fetchable") {
    swmrd::test::TempDir dir;
    const auto file = dir.file("scan.h5");
    write_bytes(file, 100);
    RunRegistry runs(10);
    runs.started(record_of("det", "r1", file));
    runs.ended("r1", EndReason::finished, 5, 4);
    runs.started(record_of("det", "r2", file)); // the watch ran it again: written anew

    const auto first = runs.find("det", "r1");
    REQUIRE(first);
    CHECK(RunRegistry::gone(*first));
    const auto listed = runs.runs("det");
    REQUIRE(listed.size() == 2);
    CHECK_FALSE(listed[0].fetchable);
    CHECK(listed[1].fetchable);
}
