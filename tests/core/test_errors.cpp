// One test per error the core reports, each asserting on the message a person would read.

#include "process.hpp"
#include "temp_dir.hpp"

#include "support/helpers.hpp"
#include "support/paths.hpp"
#include "support/test_file.hpp"

#include <swmrd/core/data_source.hpp>
#include <swmrd/core/frame_reader.hpp>
#include <swmrd/core/h5_error.hpp>
#include <swmrd/core/key_follower.hpp>
#include <swmrd/core/result_writer.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

#include <algorithm>
#include <filesystem>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;
using namespace std::chrono_literals;

namespace {

// A file with a 1-D key /k of 4 points, 4x3 data /d, and /finished.
void write_basic(const std::string& path) {
    TestFile f(path);
    f.write("/k", H5T_STD_I32LE, {{4}, {unlimited}}, ones(4));
    f.write("/d", H5T_STD_U16LE, {{4, 3}, {unlimited, 3}}, std::vector<std::int64_t>(12, 5));
    f.write("/finished", H5T_STD_I32LE, {{}}, {0});
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const H5Error& error) {
        return error.what();
    }
    FAIL("no H5Error thrown");
    return {};
}

} // namespace

TEST_CASE("errors: keys of different scan rank name both keys and their ranks") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/flat", H5T_STD_I32LE, {{4}}, ones(4));
        f.write("/grid", H5T_STD_I32LE, {{2, 2, 1}}, ones(4));
    }
    auto file = open_file(dir.file("f.h5"));
    const auto message = error_of([&] { KeyFollower(file, keys_options({"/flat", "/grid"})); });
    CHECK(message == "key datasets must have the same scan rank: /flat has scan rank 1, /grid "
                     "has scan rank 2 (max shape (2, 2, 1)) in " +
                         dir.file("f.h5"));
}

TEST_CASE("errors: a dataset of rank below the scan rank") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{2, 2}}, ones(4));
        f.write("/d", H5T_STD_U16LE, {{4}}, ones(4));
    }
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/k"};
    options.datasets = {"/d"};
    CHECK(error_of([&] { DataSource(file, options); }) ==
          "dataset /d in " + dir.file("f.h5") +
              " has rank 1 (shape (4,)), below the scan rank 2 of the keys");
}

TEST_CASE("errors: a missing key dataset") {
    TempDir dir;
    write_basic(dir.file("f.h5"));
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] {
              KeyFollower(file, keys_options({"/k", "/entry/keys/uid"}));
          }) == "key dataset /entry/keys/uid not found in " + dir.file("f.h5"));
}

TEST_CASE("errors: a missing data dataset") {
    TempDir dir;
    write_basic(dir.file("f.h5"));
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/k"};
    options.datasets = {"/d", "/entry/data/data"};
    CHECK(error_of([&] { DataSource(file, options); }) ==
          "dataset /entry/data/data not found in " + dir.file("f.h5"));
    options.datasets = {"/d"};
    options.interleaved = {{"stack", {"/d", "/d1"}}};
    CHECK(error_of([&] { DataSource(file, options); }) ==
          "dataset /d1 not found in " + dir.file("f.h5"));
}

TEST_CASE("errors: a missing finished dataset") {
    TempDir dir;
    write_basic(dir.file("f.h5"));
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] { KeyFollower(file, keys_options({"/k"}, "/entry/finished")); }) ==
          "finished dataset /entry/finished not found in " + dir.file("f.h5"));
}

TEST_CASE("errors: a group where a dataset is expected") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/entry/k", H5T_STD_I32LE, {{4}}, ones(4));
    }
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] { KeyFollower(file, keys_options({"/entry"})); }) ==
          "key dataset /entry in " + dir.file("f.h5") + " is not a dataset");
}

TEST_CASE("errors: a key that is not numeric") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        const hid_t text = H5Tcopy(H5T_C_S1);
        H5Tset_size(text, 8);
        f.write_typed("/k", text, {{2}});
        H5Tclose(text);
    }
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] { KeyFollower(file, keys_options({"/k"})); }) ==
          "key dataset /k in " + dir.file("f.h5") +
              " is not numeric (its type is string): keys must be numbers, 0 until their frame "
              "is written");
}

TEST_CASE("errors: a finished dataset that is not numeric") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{2}}, ones(2));
        const hid_t text = H5Tcopy(H5T_C_S1);
        H5Tset_size(text, 4);
        f.write_typed("/finished", text, {{}});
        H5Tclose(text);
    }
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] { KeyFollower(file, keys_options({"/k"}, "/finished")); }) ==
          "finished dataset /finished in " + dir.file("f.h5") +
              " is not numeric (its type is string): it must hold a number, non-zero once the "
              "file is complete");
}

TEST_CASE("errors: no key, no dataset") {
    TempDir dir;
    write_basic(dir.file("f.h5"));
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] { KeyFollower(file, keys_options({})); }) ==
          "no key dataset given for " + dir.file("f.h5") + ": at least one is needed");
    DataSourceOptions options;
    options.keys = {"/k"};
    CHECK(error_of([&] { DataSource(file, options); }) ==
          "no dataset given for " + dir.file("f.h5") + ": at least one is needed");
}

TEST_CASE("errors: a compound dataset is an unsupported type") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        const hid_t compound = H5Tcreate(H5T_COMPOUND, 8);
        H5Tinsert(compound, "x", 0, H5T_NATIVE_INT32);
        H5Tinsert(compound, "y", 4, H5T_NATIVE_FLOAT);
        f.write_typed("/d", compound, {{4}});
        H5Tclose(compound);
    }
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] { FrameReader(file, "/d", 1); }) ==
          "dataset /d in " + dir.file("f.h5") +
              " has an unsupported type (compound): only integers of 1, 2, 4 or 8 bytes, IEEE "
              "floats of 2, 4 or 8 bytes and bools can be read");
}

TEST_CASE("errors: a string dataset is an unsupported type") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        const hid_t fixed = H5Tcopy(H5T_C_S1);
        H5Tset_size(fixed, 16);
        f.write_typed("/fixed", fixed, {{4}});
        H5Tclose(fixed);
        const hid_t variable = H5Tcopy(H5T_C_S1);
        H5Tset_size(variable, H5T_VARIABLE);
        f.write_typed("/variable", variable, {{4}});
        H5Tclose(variable);
    }
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] {
              FrameReader(file, "/fixed", 1);
          }).find("dataset /fixed in " + dir.file("f.h5") + " has an unsupported type (string)") !=
          std::string::npos);
    CHECK(error_of([&] {
              FrameReader(file, "/variable", 1);
          }).find("has an unsupported type (string)") != std::string::npos);
}

TEST_CASE("errors: other unsupported types: variable length, long double") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        const hid_t vlen = H5Tvlen_create(H5T_NATIVE_INT32);
        f.write_typed("/vlen", vlen, {{4}});
        H5Tclose(vlen);
        f.write_typed("/long_double", H5T_NATIVE_LDOUBLE, {{4}});
    }
    auto file = open_file(dir.file("f.h5"));
    CHECK(error_of([&] {
              FrameReader(file, "/vlen", 1);
          }).find("/vlen in " + dir.file("f.h5") + " has an unsupported type (variable length)") !=
          std::string::npos);
    CHECK(error_of([&] { FrameReader(file, "/long_double", 1); })
              .find("has an unsupported type (128-bit float (long double, which has no portable "
                    "NumPy dtype))") != std::string::npos);
}

TEST_CASE("errors: a raw read needing the Bitshuffle plugin this HDF5 lacks, while its chunks "
          "still read") {
    const WithoutFilterPlugins no_plugins(32008);
    TempDir dir;
    const auto path = dir.file("eiger.h5");
    const auto chunks_path = dir.file("chunks.bin");
    const auto python = run_process(
        {python_path, std::string(scripts_dir) + "/make_bitshuffle.py", path, chunks_path},
        dir.path());
    REQUIRE_MESSAGE(python.exit_code == 0, python.err);

    auto file = open_file(path);
    FrameReader reader(file, "/entry/data/data", 1);
    REQUIRE(reader.missing_filter());
    CHECK(reader.missing_filter()->id == 32008);
    CHECK(reader.missing_filter()->name == "Bitshuffle");
    std::vector<std::byte> out(reader.info().frame_bytes);
    CHECK(error_of([&] { reader.read(0, 1, out); }) ==
          "cannot read the frames of dataset /entry/data/data in " + path +
              ": it is compressed with filter 32008 (Bitshuffle), whose HDF5 plugin is not "
              "installed on this host; install the plugin (Debian package bitshuffle), or use "
              "`encoding: chunk` to send the "
              "stored chunks as they are");

    // The stored chunks come out byte for byte, plugin or not.
    std::ifstream in(chunks_path, std::ios::binary);
    const std::vector<char> stored((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        REQUIRE(at + 8 <= stored.size());
        std::uint64_t size = 0;
        std::memcpy(&size, stored.data() + at, 8);
        at += 8;
        REQUIRE(reader.stored_chunk_size(i) == size);
        std::vector<std::byte> chunk(size);
        reader.read_chunk(i, chunk);
        CHECK(std::memcmp(chunk.data(), stored.data() + at, size) == 0);
        at += size;
    }
}

TEST_CASE("errors: a file that is not HDF5") {
    TempDir dir;
    const auto path = dir.file("notes.h5");
    std::ofstream(path) << "this is a text file, not HDF5\n";
    CHECK(error_of([&] { SwmrFile::try_open(path); }) ==
          path + " is not an HDF5 file (no HDF5 signature in it)");
    CHECK(error_of([&] { SwmrFile::open(path, Clock::now() + 30s); }) ==
          path + " is not an HDF5 file (no HDF5 signature in it)");
}

TEST_CASE("errors: a missing file past the deadline names the file and why") {
    TempDir dir;
    const auto path = dir.file("never.h5");
    CHECK(error_of([&] { SwmrFile::open(path, Clock::now() + 50ms); }) ==
          "cannot open " + path +
              " for SWMR reading before the deadline: the file does not exist yet");
}

TEST_CASE("errors: a failed HDF5 call carries the walked error stack") {
    TempDir dir;
    const auto path = dir.file("no-such-folder") + "/results.h5";
    try {
        ResultFile::create(path);
        FAIL("no error");
    } catch (const H5Error& error) {
        const std::string message = error.what();
        INFO(message);
        // What the core was doing, then HDF5's stack from the API call down to the cause.
        CHECK(message.rfind("creating result file " + path + ": H5Fcreate(): ", 0) == 0);
        CHECK(message.find("No such file or directory") != std::string::npos);
        REQUIRE(error.stack().size() >= 2);
        CHECK(error.stack().front().rfind("H5Fcreate(): ", 0) == 0);
        CHECK(message.find(error.stack().back()) != std::string::npos);
    }
}

TEST_CASE("errors: reading past the extent or into a short buffer") {
    TempDir dir;
    write_basic(dir.file("f.h5"));
    auto file = open_file(dir.file("f.h5"));
    FrameReader reader(file, "/d", 1);
    std::vector<std::byte> out(4 * reader.info().frame_bytes);
    CHECK(error_of([&] { reader.read(2, 4, out); }) ==
          "frame 5 lies past the extent (4,) of dataset /d in " + dir.file("f.h5") +
              " in its scan dimensions");
    std::vector<std::byte> small(1);
    CHECK(error_of([&] { reader.read(0, 1, small); }) == "reading 1 frames of dataset /d in " +
                                                             dir.file("f.h5") +
                                                             " needs 6 bytes, the buffer has 1");
}

TEST_CASE("errors: a confined file refuses links out of it, and follows those within it") {
    TempDir dir;
    const auto outside = dir.file("outside.h5");
    const auto linked = dir.file("linked.h5");
    const auto python = run_process(
        {python_path, std::string(scripts_dir) + "/make_linked.py", outside, linked}, dir.path());
    REQUIRE_MESSAGE(python.exit_code == 0, python.err);

    auto file = open_file(linked);
    // Not confined: links are followed, as HDF5 does by default.
    CHECK(FrameReader(file, "/external", 1).info().frame_shape == std::vector<std::uint64_t>{3});
    CHECK(FrameReader(file, "/virtual", 1).info().frame_shape == std::vector<std::uint64_t>{3});

    file.confine_to_this_file();
    CHECK(FrameReader(file, "/inside", 1).info().frame_shape == std::vector<std::uint64_t>{3});
    CHECK(FrameReader(file, "/group/soft_inside", 1).info().dtype == "<i8");

    CHECK(FrameReader(file, "/virtual_self", 1).info().frame_shape ==
          std::vector<std::uint64_t>{3});

    const auto external = error_of([&] { FrameReader(file, "/external", 1); });
    CHECK(external == "dataset /external in " + linked +
                          " leads through an external link (/external) to " + outside +
                          ", which is not followed: a watch started by control reads only the "
                          "file it was given (a watch started by control stays inside the "
                          "allowed roots)");
    const auto soft = error_of([&] { FrameReader(file, "/group/soft", 1); });
    CHECK(soft.find("dataset /group/soft in " + linked +
                    " leads through an external link (/ext)") == 0);
    const auto relative = error_of([&] { FrameReader(file, "/soft_relative", 1); });
    CHECK(relative.find("dataset /soft_relative in " + linked +
                        " leads through an external link (/ext)") == 0);
    const auto virtual_dataset = error_of([&] { FrameReader(file, "/virtual", 1); });
    CHECK(virtual_dataset == "dataset /virtual in " + linked + " is a virtual dataset that maps " +
                                 outside +
                                 ", which is not read: a watch started by control reads only "
                                 "the file it was given (a watch started by control stays "
                                 "inside the allowed roots)");
    CHECK(error_of([&] { FrameReader(file, "/external_storage", 1); }) ==
          "dataset /external_storage in " + linked + " stores its values in the external file " +
              outside +
              ".raw, which is not read: a watch started by control reads only the "
              "file it was given (a watch started by control stays inside the "
              "allowed roots)");
    const auto key = error_of([&] {
        KeyFollower(file, KeyFollowerOptions{{"/external"}, std::nullopt, Seconds(1.0)});
    });
    CHECK(key.find("key dataset /external in " + linked + " leads through an external link") == 0);
}

TEST_CASE("errors: a confined file follows links and virtual sources to the files it allows") {
    TempDir dir;
    const auto outside = dir.file("outside.h5");
    const auto linked = dir.file("linked.h5");
    const auto python = run_process(
        {python_path, std::string(scripts_dir) + "/make_linked.py", outside, linked}, dir.path());
    REQUIRE_MESSAGE(python.exit_code == 0, python.err);

    std::vector<std::string> asked;
    auto file = open_file(linked);
    file.confine([&](const std::string& path, std::string* why) {
        asked.push_back(path);
        if (path == outside)
            return true;
        *why = "not this one";
        return false;
    });
    CHECK(FrameReader(file, "/external", 1).info().frame_shape == std::vector<std::uint64_t>{3});
    CHECK(FrameReader(file, "/group/soft", 1).info().frame_shape == std::vector<std::uint64_t>{3});
    CHECK(FrameReader(file, "/virtual", 1).info().frame_shape == std::vector<std::uint64_t>{3});
    CHECK(std::find(asked.begin(), asked.end(), outside) != asked.end());
    CHECK(error_of([&] { FrameReader(file, "/external_storage", 1); })
              .find("stores its values in the external file " + outside +
                    ".raw, which is not read: not this one") != std::string::npos);
    auto raw_allowed = open_file(linked);
    raw_allowed.confine(
        [&](const std::string& path, std::string*) { return path == outside + ".raw"; });
    FrameReader external_storage(raw_allowed, "/external_storage", 1);
    std::vector<std::byte> values(4 * 3 * 8);
    external_storage.read(0, 4, values);
    std::int64_t last = 0;
    std::memcpy(&last, values.data() + 11 * 8, 8);
    CHECK(last == 11);

    // A prefix from the environment would have HDF5 look elsewhere first: refused, saying so.
    auto prefixed = open_file(linked);
    prefixed.confine([](const std::string&, std::string*) { return true; });
    setenv("HDF5_VDS_PREFIX", dir.path().c_str(), 1);
    CHECK(error_of([&] {
              FrameReader(prefixed, "/virtual", 1);
          }).find("the daemon's environment sets HDF5_VDS_PREFIX") != std::string::npos);
    unsetenv("HDF5_VDS_PREFIX");
    setenv("HDF5_EXTFILE_PREFIX", dir.path().c_str(), 1);
    CHECK(error_of([&] {
              FrameReader(prefixed, "/external_storage", 1);
          }).find("the daemon's environment sets HDF5_EXTFILE_PREFIX") != std::string::npos);
    unsetenv("HDF5_EXTFILE_PREFIX");
    CHECK(FrameReader(prefixed, "/virtual", 1).info().frame_shape == std::vector<std::uint64_t>{3});

    auto refusing = open_file(linked);
    refusing.confine([](const std::string&, std::string* why) {
        *why = "it lies outside /nowhere";
        return false;
    });
    CHECK(error_of([&] { FrameReader(refusing, "/external", 1); }) ==
          "dataset /external in " + linked + " leads through an external link (/external) to " +
              outside +
              ", which is not followed: it lies outside /nowhere (a watch started by control "
              "stays inside the allowed roots)");
    // A target that is not there is never looked for elsewhere.
    std::filesystem::remove(outside);
    auto missing = open_file(linked);
    missing.confine([](const std::string&, std::string*) { return true; });
    CHECK(error_of([&] { FrameReader(missing, "/external", 1); }).find("it does not exist") !=
          std::string::npos);
}
