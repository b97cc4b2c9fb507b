// The daemon's side of its reader processes: the shared arena, the wire format's decoding of
// what a reader answers (a reader is as untrusted as the files it reads), and a real
// swmrd-reader answering, failing, hanging and dying.
#include "reader/payload_block.hpp"
#include "reader/reader_process.hpp"
#include "reader/reader_wire.hpp"
#include "reader/shared_arena.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace swmrd;
using namespace swmrd::reader;

TEST_CASE("an arena hands out disjoint blocks and takes them back in any order") {
    auto arena = SharedArena::create(1 << 20);
    const auto a = arena->allocate(1000);
    const auto b = arena->allocate(5000);
    const auto c = arena->allocate(64);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(*a + 1000 <= *b);
    CHECK(*b + 5000 <= *c);
    arena->release(*b, 5000);
    // First fit from the lowest address: the hole left by b is used again.
    const auto d = arena->allocate(4000);
    REQUIRE(d);
    CHECK(*d == *b);
    arena->release(*a, 1000);
    arena->release(*c, 64);
    arena->release(*d, 4000);
    CHECK(arena->used() == 0);
    // Everything coalesced: the whole arena is one block again.
    const auto whole = arena->allocate(arena->size());
    REQUIRE(whole);
    CHECK(*whole == 0);
    CHECK_FALSE(arena->allocate(1));
}

TEST_CASE("a payload block carved from an arena gives its bytes back to both") {
    auto arena = SharedArena::create(1 << 20);
    daemon::InflightBudget budget(1 << 20);
    REQUIRE(budget.try_acquire(4096));
    auto* block = daemon::PayloadBlock::create(4096, budget, arena);
    CHECK(arena->contains(block->bytes().data(), 4096));
    CHECK(arena->used() >= 4096);
    auto message = block->message(0, 4096);
    block->release_owner();
    CHECK(budget.held() == 4096);
    message = zmq::message_t();
    CHECK(budget.held() == 0);
    CHECK(arena->used() == 0);
}

TEST_CASE("a full arena is an error naming the sizes, and costs the budget nothing") {
    auto arena = SharedArena::create(4096);
    daemon::InflightBudget budget(1 << 20);
    REQUIRE(budget.try_acquire(8192));
    daemon::Reservation reservation(budget, 8192);
    CHECK_THROWS_WITH_AS(daemon::PayloadBlock::create(8192, budget, arena),
                         doctest::Contains("no room for 8192 bytes"), std::runtime_error);
}

TEST_CASE("layouts and slices survive the wire, their sizes recomputed, never trusted") {
    Layout layout;
    layout.scan_shape.max = {3, std::nullopt};
    layout.parts = {{"/data", false, 1}};
    core::DatasetInfo info;
    info.path = "/data";
    info.dtype = "<u2";
    info.item_size = 2;
    info.scan_rank = 2;
    info.frame_shape = {5, 10};
    info.filters = {{32008, "bitshuffle", {0, 2, 2, 0, 2}, true, "bitshuffle"}};
    info.one_frame_per_chunk = true;
    layout.members = {{info}};
    layout.missing_filters = {{std::nullopt}};
    Writer out;
    write_layout(out, layout);
    Reader in(out.bytes());
    const auto back = read_layout(in);
    CHECK(in.done());
    CHECK(back.scan_shape.max == layout.scan_shape.max);
    const auto& member = back.members.at(0).at(0);
    CHECK(member.frame_bytes == 100);
    CHECK(member.block_shape == std::vector<std::uint64_t>{1, 1, 5, 10});
    CHECK(member.filters.at(0).cd_values == std::vector<unsigned>{0, 2, 2, 0, 2});

    Writer slices;
    write_slices(slices, {{{1, 2}, {0, 1}}, {{1, 2}, {1, 2}}});
    Reader slices_in(slices.bytes());
    CHECK(read_slices(slices_in).at(1).at(1) == core::SliceRange{1, 2});
}

TEST_CASE("a reply that lies is refused: counts past its end, frames too large to count") {
    Writer counts;
    counts.u64(1u << 30); // a billion dimensions in a few bytes
    Reader in(counts.bytes());
    CHECK_THROWS_AS(read_layout(in), WireError);

    Layout layout;
    layout.scan_shape.max = {4};
    layout.parts = {{"/data", false, 1}};
    core::DatasetInfo info;
    info.path = "/data";
    info.dtype = "|u1";
    info.item_size = 1;
    info.scan_rank = 1;
    info.frame_shape = {(1ull << 52) + 1, 4096};
    layout.members = {{info}};
    layout.missing_filters = {{std::nullopt}};
    Writer out;
    write_layout(out, layout);
    Reader overflowing(out.bytes());
    CHECK_THROWS_WITH_AS(read_layout(overflowing), doctest::Contains("too large to count"),
                         WireError);
    Reader truncated(std::string_view(out.bytes()).substr(0, out.bytes().size() - 3));
    CHECK_THROWS_AS(read_layout(truncated), WireError);
}

namespace {

ReaderSettings quick_settings(std::chrono::milliseconds patience = std::chrono::seconds(5)) {
    ReaderSettings settings;
    settings.arena_size = 1 << 20;
    settings.answer_within = patience;
    return settings;
}

std::string temp_file(const std::string& contents) {
    char path[] = "/tmp/swmrd-reader-test-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()));
    close(fd);
    return path;
}

} // namespace

TEST_CASE("a reader answers: HDF5's refusal is its error, and the reader goes on") {
    ReaderProcess process(quick_settings());
    const auto not_hdf5 = temp_file("this is not an HDF5 file at all");
    CHECK_THROWS_WITH_AS(process.try_open(not_hdf5, nullptr), doctest::Contains(not_hdf5.c_str()),
                         ReaderError);
    CHECK(process.usable());
    std::string why;
    CHECK_FALSE(process.try_open("/nonexistent/scan.h5", &why));
    CHECK(process.usable());
    unlink(not_hdf5.c_str());
}

TEST_CASE("a reader killed by a signal ends the call, saying which signal") {
    ReaderProcess process(quick_settings());
    std::string why;
    CHECK_FALSE(process.try_open("/nonexistent/scan.h5", &why)); // it is up and answering
    // The reader is the only child this test has started since; find it by its parent.
    bool killed = false;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto after = line.rfind(')');
        if (after == std::string::npos)
            continue;
        std::istringstream fields(line.substr(after + 2));
        char state;
        long parent;
        fields >> state >> parent;
        std::ifstream cmdline(entry.path() / "cmdline");
        std::string command((std::istreambuf_iterator<char>(cmdline)), {});
        if (parent == getpid() && command.find("swmrd-reader") != std::string::npos &&
            state != 'Z') {
            // SIGKILL: a sanitizer's handler would catch a SIGSEGV and exit its own way.
            kill(std::stoi(name), SIGKILL);
            killed = true;
        }
    }
    REQUIRE(killed);
    CHECK_THROWS_WITH_AS(process.try_open("/nonexistent/scan.h5", &why),
                         doctest::Contains("killed by signal 9"), ReaderError);
    CHECK_FALSE(process.usable());
}

TEST_CASE("a call gives up at once when its wake descriptor turns readable") {
    ReaderProcess process(quick_settings());
    const int wake = eventfd(1, EFD_CLOEXEC); // readable from the start
    process.set_wake_fd(wake);
    CHECK_THROWS_WITH_AS(process.try_open("/nonexistent/scan.h5", nullptr),
                         doctest::Contains("stopped"), ReaderError);
    CHECK_FALSE(process.usable());
    close(wake);
}

TEST_CASE("a reader that does not answer in time is killed, and the call says so") {
    // A stand-in reader that never answers, as one stuck in a read would not.
    const auto script = temp_file("#!/bin/sh\nexec sleep 60\n");
    REQUIRE(chmod(script.c_str(), 0700) == 0);
    const std::string real = std::getenv("SWMRD_READER") ? std::getenv("SWMRD_READER") : "";
    setenv("SWMRD_READER", script.c_str(), 1);
    ReaderProcess process(quick_settings(std::chrono::milliseconds(300)));
    if (real.empty())
        unsetenv("SWMRD_READER");
    else
        setenv("SWMRD_READER", real.c_str(), 1);
    CHECK_THROWS_WITH_AS(process.try_open("/nonexistent/scan.h5", nullptr),
                         doctest::Contains("did not answer within 0.3 s"), ReaderError);
    CHECK_FALSE(process.usable());
    unlink(script.c_str());
}
