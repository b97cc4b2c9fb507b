#include "base/wall_clock.hpp"
#include "files/file_selector.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using swmrd::daemon::Candidate;
using swmrd::daemon::FileSelector;
using swmrd::daemon::FileState;
using swmrd::daemon::WatchedFolders;
using swmrd::daemon::WatchWakeup;

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

// When a watch started after the files already there were written: later than now, as their
// birth times come from the kernel's coarse clock (a tick behind), and the watch counts
// files born within two ticks of its start as created since.
std::int64_t started_later() {
    return swmrd::daemon::unix_time_now_ns() + 50'000'000;
}

// What a watch shares with the others (inotify, folder listings) and where it waits.
struct Shared {
    WatchedFolders folders;
    WatchWakeup wakeup;
};

// The selector's next file once the folder's events have come (they come on the events
// thread); the long patience is only a hang guard.
std::optional<Candidate> next_after_events(FileSelector& selector, WatchWakeup& wakeup) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto found = selector.next();
    while (!found && std::chrono::steady_clock::now() < deadline) {
        wakeup.wait(WatchWakeup::folder, std::chrono::milliseconds(100));
        found = selector.next();
    }
    return found;
}

} // namespace

TEST_CASE("a file watch runs the file at its path once, and again when it is replaced") {
    TempDir dir;
    Shared shared;
    const auto path = dir.path / "scan.h5";
    FileSelector selector(path.string(), false, std::chrono::seconds(10), shared.folders,
                          shared.wakeup);
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
    Shared shared;
    touch(dir.path / "scan-1.h5");
    age(dir.path / "scan-1.h5", std::chrono::hours(2));
    touch(dir.path / "scan-2.h5"); // newest, modified just now: still being written
    touch(dir.path / "other.txt");

    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10),
                          shared.folders, shared.wakeup, started_later());
    auto current = selector.next();
    REQUIRE(current);
    CHECK(current->path == (dir.path / "scan-2.h5").string());
    selector.mark(*current, FileState::done);
    CHECK_FALSE(selector.next());

    touch(dir.path / "scan-3.h5");
    auto next = next_after_events(selector, shared.wakeup);
    REQUIRE(next);
    CHECK(next->path == (dir.path / "scan-3.h5").string());
}

TEST_CASE("a pattern watch whose newest match is old waits for a new one") {
    TempDir dir;
    Shared shared;
    touch(dir.path / "scan-1.h5");
    age(dir.path / "scan-1.h5", std::chrono::hours(1));
    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10),
                          shared.folders, shared.wakeup, started_later());
    CHECK_FALSE(selector.next());
    touch(dir.path / "scan-2.h5");
    auto next = next_after_events(selector, shared.wakeup);
    REQUIRE(next);
    CHECK(next->path == (dir.path / "scan-2.h5").string());
}

TEST_CASE("directories never match") {
    TempDir dir;
    Shared shared;
    fs::create_directories(dir.path / "scan-dir.h5");
    FileSelector pattern((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10),
                         shared.folders, shared.wakeup, started_later());
    CHECK_FALSE(pattern.next());
    FileSelector plain((dir.path / "scan-dir.h5").string(), false, std::chrono::seconds(10),
                       shared.folders, shared.wakeup);
    CHECK_FALSE(plain.next());
}

TEST_CASE("a file whose run failed is tried again once it changes, after a pause") {
    TempDir dir;
    Shared shared;
    const auto path = dir.path / "scan.h5";
    touch(path);
    FileSelector selector(path.string(), false, std::chrono::seconds(10), shared.folders,
                          shared.wakeup);
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
    Shared shared;
    const auto path = dir.path / "scan.h5";
    touch(path);
    FileSelector selector(path.string(), false, std::chrono::seconds(10), shared.folders,
                          shared.wakeup, 0, std::chrono::milliseconds(5));
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
    Shared shared;
    const auto path = dir.path / "scan.h5";
    std::ofstream(path) << "a long first scan";
    FileSelector selector(path.string(), false, std::chrono::seconds(10), shared.folders,
                          shared.wakeup);
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
    Shared shared;
    for (int i = 0; i < 50; ++i) {
        touch(dir.path / ("scan-" + std::to_string(i) + ".h5"));
        age(dir.path / ("scan-" + std::to_string(i) + ".h5"), std::chrono::hours(1));
    }
    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10),
                          shared.folders, shared.wakeup, started_later());
    CHECK_FALSE(selector.next());
    const auto after_first = selector.files_examined();
    CHECK(after_first == 50);
    for (int i = 0; i < 10; ++i)
        CHECK_FALSE(selector.next());
    CHECK(selector.files_examined() == after_first); // nothing new: no file looked at

    // A done file written anew in place, which the folder's events report.
    std::ofstream(dir.path / "scan-7.h5", std::ios::trunc) << "";
    auto rewritten = next_after_events(selector, shared.wakeup);
    REQUIRE(rewritten);
    CHECK(rewritten->path == (dir.path / "scan-7.h5").string());
    // The name the events reported, once per burst of them; none of the other 49.
    CHECK(selector.files_examined() - after_first <= 2);
}

TEST_CASE("watches of one folder share its listing: a few dozen bytes a file, looked at once") {
    TempDir dir;
    Shared shared;
    constexpr int files = 5000;
    for (int i = 0; i < files; ++i)
        touch(dir.path / ("scan-" + std::to_string(100000 + i) + ".h5")); // 16-byte names
    std::vector<std::unique_ptr<FileSelector>> watches;
    std::vector<std::unique_ptr<WatchWakeup>> wakeups;
    for (const auto* pattern : {"scan-*.h5", "scan-1*.h5", "*.h5", "scan-*.h5"}) {
        wakeups.push_back(std::make_unique<WatchWakeup>());
        watches.push_back(std::make_unique<FileSelector>((dir.path / pattern).string(), true,
                                                         std::chrono::seconds(10), shared.folders,
                                                         *wakeups.back(), started_later()));
        CHECK(watches.back()->next()); // the newest file, just written
    }
    const auto figures = shared.folders.figures();
    CHECK(figures.listings == 1);
    CHECK(figures.files == files);
    CHECK(figures.kernel_watches == 1);
    // Per file: its entry (48 bytes) and its name, whatever the number of watches.
    CHECK(figures.memory_bytes <= files * (48 + 16) + 1024);
    // Each file was looked at once, by the shared listing, not once per watch.
    CHECK(watches.front()->files_examined() <= files + 4);

    // A new file: every watch whose pattern it matches meets it.
    for (auto& watch : watches)
        if (auto current = watch->next())
            watch->mark(*current, FileState::done);
    touch(dir.path / "scan-1999999.h5");
    for (std::size_t i = 0; i < watches.size(); ++i) {
        CAPTURE(i);
        auto next = next_after_events(*watches[i], *wakeups[i]);
        REQUIRE(next);
        CHECK(next->path == (dir.path / "scan-1999999.h5").string());
    }
    watches.clear();
    CHECK(shared.folders.figures().listings == 0); // let go with the last watch of it
}

TEST_CASE("a file forgotten (rewritten under its run) is met again as a new file") {
    TempDir dir;
    Shared shared;
    const auto path = dir.path / "scan.h5";
    std::ofstream(path) << "first scan";
    for (const bool pattern : {false, true}) {
        FileSelector selector(pattern ? (dir.path / "scan*.h5").string() : path.string(), pattern,
                              std::chrono::seconds(10), shared.folders, shared.wakeup);
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

TEST_CASE("a pattern with glob characters in its folders is listed whole, as often as it looks") {
    TempDir dir;
    Shared shared;
    fs::create_directories(dir.path / "a");
    fs::create_directories(dir.path / "b");
    touch(dir.path / "a" / "scan-1.h5");
    age(dir.path / "a" / "scan-1.h5", std::chrono::hours(1));
    FileSelector selector((dir.path / "*" / "scan-*.h5").string(), true, std::chrono::seconds(10),
                          shared.folders, shared.wakeup, started_later());
    CHECK_FALSE(selector.next());
    touch(dir.path / "b" / "scan-2.h5");
    // No events for such a pattern: the listing is read again when the watch looks.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto next = selector.next();
    while (!next && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        next = selector.next();
    }
    REQUIRE(next);
    CHECK(next->path == (dir.path / "b" / "scan-2.h5").string());
}

TEST_CASE("files created after the watch started, before its first look, are runs, oldest first") {
    // A large folder on a slow filesystem is first listed seconds after the watch started.
    TempDir dir;
    Shared shared;
    touch(dir.path / "scan-0.h5");
    age(dir.path / "scan-0.h5", std::chrono::hours(1));
    // Born well before the watch started, past the coarse clock's ticks.
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    const auto started = swmrd::daemon::unix_time_now_ns();
    touch(dir.path / "scan-1.h5");
    touch(dir.path / "scan-2.h5");
    fs::last_write_time(dir.path / "scan-2.h5",
                        fs::last_write_time(dir.path / "scan-1.h5") + std::chrono::seconds(1));
    FileSelector selector((dir.path / "scan-*.h5").string(), true, std::chrono::seconds(10),
                          shared.folders, shared.wakeup, started);
    for (const auto* name : {"scan-1.h5", "scan-2.h5"}) {
        auto next = selector.next();
        REQUIRE(next);
        CHECK(next->path == (dir.path / name).string());
        selector.mark(*next, FileState::done);
    }
    CHECK_FALSE(selector.next()); // scan-0 is history
}
