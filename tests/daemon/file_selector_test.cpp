#include "file_selector.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using swmrd::daemon::FileSelector;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("swmrd-selector-" + std::to_string(std::random_device{}()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

void touch(const fs::path& path) {
    std::ofstream(path) << "x";
}

void age(const fs::path& path, std::chrono::hours hours) {
    fs::last_write_time(path, fs::file_time_type::clock::now() - hours);
}

} // namespace

TEST_CASE("a file watch runs the file at its path once, and again when it is replaced") {
    TempDir dir;
    const auto path = dir.path / "scan.h5";
    FileSelector selector(path.string(), false, std::chrono::seconds(10));
    CHECK_FALSE(selector.next());

    touch(path);
    auto first = selector.next();
    REQUIRE(first);
    CHECK(first->path == path.string());
    selector.done(*first);
    CHECK_FALSE(selector.next());

    // Replaced by another file: another inode, even if the old one's number were reused.
    const auto staging = dir.path / "staging.h5";
    touch(staging);
    fs::rename(staging, path);
    auto second = selector.next();
    REQUIRE(second);
    CHECK(second->identity != first->identity);
}

TEST_CASE("a pattern watch skips history, takes a file still being written, then each new one") {
    TempDir dir;
    touch(dir.path / "scan-1.h5");
    age(dir.path / "scan-1.h5", std::chrono::hours(2));
    touch(dir.path / "scan-2.h5"); // newest, modified just now: still being written
    touch(dir.path / "other.txt");

    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10));
    auto current = selector.next();
    REQUIRE(current);
    CHECK(current->path == (dir.path / "scan-2.h5").string());
    selector.done(*current);
    CHECK_FALSE(selector.next());

    touch(dir.path / "scan-3.h5");
    auto next = selector.next();
    REQUIRE(next);
    CHECK(next->path == (dir.path / "scan-3.h5").string());
}

TEST_CASE("a pattern watch whose newest match is old waits for a new one") {
    TempDir dir;
    touch(dir.path / "scan-1.h5");
    age(dir.path / "scan-1.h5", std::chrono::hours(1));
    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10));
    CHECK_FALSE(selector.next());
    touch(dir.path / "scan-2.h5");
    auto next = selector.next();
    REQUIRE(next);
    CHECK(next->path == (dir.path / "scan-2.h5").string());
}

TEST_CASE("directories never match") {
    TempDir dir;
    fs::create_directories(dir.path / "scan-dir.h5");
    FileSelector pattern((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10));
    CHECK_FALSE(pattern.next());
    FileSelector plain((dir.path / "scan-dir.h5").string(), false, std::chrono::seconds(10));
    CHECK_FALSE(plain.next());
}
