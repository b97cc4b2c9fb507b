#include "file_selector.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using swmrd::daemon::FileSelector;
using swmrd::daemon::FileState;

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
    selector.mark(*first, FileState::done);
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
    selector.mark(*current, FileState::done);
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

TEST_CASE("a file whose run failed is tried again once it changes, after a pause") {
    TempDir dir;
    const auto path = dir.path / "scan.h5";
    touch(path);
    FileSelector selector(path.string(), false, std::chrono::seconds(10));
    auto first = selector.next();
    REQUIRE(first);
    selector.mark(*first, FileState::failed);
    CHECK(selector.state_of(path.string()) == FileState::failed);
    CHECK_FALSE(selector.next()); // within the pause after a failure

    std::ofstream(path, std::ios::app) << "more";
    CHECK_FALSE(selector.next()); // changed, but within the pause after a failure
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::optional<swmrd::daemon::Candidate> again;
    while (!again && std::chrono::steady_clock::now() < deadline) {
        again = selector.next();
        if (!again)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(again);
    CHECK(again->identity == first->identity);
}

TEST_CASE("an unchanged failed file gets three more tries, then waits for a change") {
    // A transient read error on a scan already complete: the file will not change again.
    TempDir dir;
    const auto path = dir.path / "scan.h5";
    touch(path);
    FileSelector selector(path.string(), false, std::chrono::seconds(10),
                          std::chrono::milliseconds(5));
    const auto next_within = [&](std::chrono::milliseconds patience) {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        std::optional<swmrd::daemon::Candidate> found;
        while (!(found = selector.next()) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return found;
    };
    auto candidate = selector.next();
    REQUIRE(candidate);
    for (int retry = 1; retry <= 3; ++retry) {
        selector.mark(*candidate, FileState::failed);
        CAPTURE(retry);
        candidate = next_within(std::chrono::seconds(10)); // pauses of 5, 10, 20 ms
        REQUIRE(candidate);
    }
    selector.mark(*candidate, FileState::failed);
    // Its fourth failure: the pause (80 ms) passes and it is still not tried…
    CHECK_FALSE(next_within(std::chrono::milliseconds(300)));
    // …until it changes.
    std::ofstream(path, std::ios::app) << "more";
    CHECK(next_within(std::chrono::seconds(10)));
}

TEST_CASE("a done file is run again only when it is truncated and written anew") {
    TempDir dir;
    const auto path = dir.path / "scan.h5";
    std::ofstream(path) << "a long first scan";
    FileSelector selector(path.string(), false, std::chrono::seconds(10));
    auto first = selector.next();
    REQUIRE(first);
    selector.mark(*first, FileState::running);
    CHECK_FALSE(selector.next());
    selector.mark(*first, FileState::done);
    std::ofstream(path, std::ios::app) << " grew after its run";
    CHECK_FALSE(selector.next());
    std::ofstream(path, std::ios::trunc) << "new";
    CHECK(selector.next());
}

TEST_CASE("a pattern watch looks again only at new names and names events report") {
    TempDir dir;
    for (int i = 0; i < 50; ++i) {
        touch(dir.path / ("scan-" + std::to_string(i) + ".h5"));
        age(dir.path / ("scan-" + std::to_string(i) + ".h5"), std::chrono::hours(1));
    }
    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10));
    CHECK_FALSE(selector.next());
    const auto after_first = selector.files_examined();
    CHECK(after_first == 50);
    for (int i = 0; i < 10; ++i)
        CHECK_FALSE(selector.next());
    CHECK(selector.files_examined() == after_first); // nothing new: no file looked at

    // A done file written anew in place, which an event reports.
    std::ofstream(dir.path / "scan-7.h5", std::ios::trunc) << "";
    CHECK_FALSE(selector.next()); // no event yet: not looked at
    selector.changed({"scan-7.h5"});
    auto rewritten = selector.next();
    REQUIRE(rewritten);
    CHECK(rewritten->path == (dir.path / "scan-7.h5").string());
    CHECK(selector.files_examined() == after_first + 1);
}

TEST_CASE("a file forgotten (rewritten under its run) is met again as a new file") {
    TempDir dir;
    const auto path = dir.path / "scan.h5";
    std::ofstream(path) << "first scan";
    for (const bool pattern : {false, true}) {
        FileSelector selector(pattern ? (dir.path / "scan*.h5").string() : path.string(),
                              pattern, std::chrono::seconds(10));
        auto first = selector.next();
        REQUIRE(first);
        selector.mark(*first, FileState::running);
        // Written anew in place, to a size no smaller: only the run that read it can tell.
        std::ofstream(path, std::ios::trunc) << "second scan";
        CHECK_FALSE(selector.next());
        selector.forget(first->path);
        auto again = selector.next();
        REQUIRE(again);
        CHECK(again->path == first->path);
    }
}
