// DataSource: frame maps with swmr_tools' slice metadata, for plain and interleaved datasets.

#include "temp_dir.hpp"

#include "support/frames.hpp"
#include "support/helpers.hpp"
#include "support/test_file.hpp"

#include "swmr-sim/pattern.hpp"

#include <swmrd/core/data_source.hpp>
#include <swmrd/core/h5_error.hpp>

#include <doctest/doctest.h>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;

namespace {

std::vector<FrameMap> drain(DataSource& source) {
    std::vector<FrameMap> frames;
    while (auto frame = source.next())
        frames.push_back(std::move(*frame));
    return frames;
}

// Frames i of an interleaved stack of `n`, held by dataset `k`: pattern(k, i, j).
std::vector<std::int64_t> interleaved_values(std::uint64_t k, std::uint64_t n, std::uint64_t frames,
                                             std::uint64_t elements) {
    std::vector<std::int64_t> values;
    for (std::uint64_t i = k; i < frames; i += n)
        for (std::uint64_t j = 0; j < elements; ++j)
            values.push_back(static_cast<std::int64_t>(swmrd::sim::pattern_value(k, i, j, 2)));
    return values;
}

} // namespace

TEST_CASE("data source: every frame of every dataset with its slice, index and maxshape") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/keys/k", H5T_STD_I32LE, {{5}, {unlimited}}, {1, 2, 3, 4, 5});
        f.write("/finished", H5T_STD_I32LE, {{}}, {1});
        f.write("/data/image", H5T_STD_U16LE, {{5, 2, 3}, {unlimited, 2, 3}},
                pattern_frames(0, 5, 6, 2));
        f.write("/data/scalar", H5T_STD_U16LE, {{5}, {unlimited}}, pattern_frames(1, 5, 1, 2));
    }
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/keys/k"};
    options.datasets = {"/data/image", "/data/scalar"};
    options.finished = "/finished";
    DataSource source(file, options);
    CHECK(source.scan_shape().max == std::vector<std::optional<std::uint64_t>>{std::nullopt});
    CHECK_FALSE(source.end_reason());

    const auto frames = drain(source);
    REQUIRE(frames.size() == 5);
    for (std::uint64_t i = 0; i < 5; ++i) {
        CAPTURE(i);
        const auto& frame = frames[i];
        CHECK(frame.index == i);
        CHECK(frame.slice_metadata == std::vector<SliceRange>{{i, i + 1}});
        CHECK(frame.maxshape.max == std::vector<std::optional<std::uint64_t>>{std::nullopt});
        REQUIRE(frame.data.size() == 2);
        const auto& image = frame.data.at("/data/image");
        CHECK(image.dtype == "<u2");
        CHECK(image.shape == std::vector<std::uint64_t>{1, 2, 3});
        CHECK(frame_matches(image.bytes, "<u2", 0, i, 6));
        const auto& scalar = frame.data.at("/data/scalar");
        CHECK(scalar.shape == std::vector<std::uint64_t>{1});
        CHECK(frame_matches(scalar.bytes, "<u2", 1, i, 1));
        CHECK(scalar.values<std::uint16_t>().size() == 1);
    }
    REQUIRE(source.end_reason());
    CHECK(*source.end_reason() == EndReason::finished);
    CHECK_FALSE(source.next());
}

TEST_CASE("data source: interleaved datasets, frame i from dataset i % N at i / N") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{7}, {7}}, ones(7));
        f.write("/d0", H5T_STD_U16LE, {{3, 4}, {unlimited, 4}}, interleaved_values(0, 3, 7, 4));
        f.write("/d1", H5T_STD_U16LE, {{2, 4}, {unlimited, 4}}, interleaved_values(1, 3, 7, 4));
        f.write("/d2", H5T_STD_U16LE, {{2, 4}, {unlimited, 4}}, interleaved_values(2, 3, 7, 4));
    }
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/k"};
    options.interleaved = {{"frames", {"/d0", "/d1", "/d2"}}};
    DataSource source(file, options);
    const auto frames = drain(source);
    REQUIRE(frames.size() == 7);
    for (std::uint64_t i = 0; i < 7; ++i) {
        CAPTURE(i);
        CHECK(frames[i].index == i);
        // The frame's own index, not its row in its dataset.
        CHECK(frames[i].slice_metadata == std::vector<SliceRange>{{i, i + 1}});
        const auto& array = frames[i].data.at("frames");
        CHECK(array.shape == std::vector<std::uint64_t>{1, 4});
        std::string why;
        CHECK_MESSAGE(frame_matches(array.bytes, "<u2", i % 3, i, 4, &why), why);
    }
    CHECK(*source.end_reason() == EndReason::complete);
}

TEST_CASE("data source: interleaved in a 2-D scan keeps the dataset's later slices") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{4, 2}}, ones(8));
        f.write("/a", H5T_STD_U16LE, {{2, 2, 3}}, interleaved_values(0, 2, 8, 3));
        f.write("/b", H5T_STD_U16LE, {{2, 2, 3}}, interleaved_values(1, 2, 8, 3));
    }
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/k"};
    options.interleaved = {{"ab", {"/a", "/b"}}};
    DataSource source(file, options);
    const auto frames = drain(source);
    REQUIRE(frames.size() == 8);
    for (std::uint64_t i = 0; i < 8; ++i) {
        CAPTURE(i);
        // swmr_tools: (slice(i, i+1), *dataset_slice[1:]), the dataset read at i // 2.
        const std::uint64_t column = (i / 2) % 2;
        CHECK(frames[i].slice_metadata ==
              std::vector<SliceRange>{{i, i + 1}, {column, column + 1}});
        CHECK(frame_matches(frames[i].data.at("ab").bytes, "<u2", i % 2, i, 3));
    }
}

TEST_CASE("data source: with a plain dataset first, the slices are that dataset's") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{4}, {unlimited}}, ones(4));
        f.write("/plain", H5T_STD_U16LE, {{4, 2}, {unlimited, 2}}, pattern_frames(0, 4, 2, 2));
        f.write("/x0", H5T_STD_U16LE, {{2, 2}, {unlimited, 2}}, interleaved_values(0, 2, 4, 2));
        f.write("/x1", H5T_STD_U16LE, {{2, 2}, {unlimited, 2}}, interleaved_values(1, 2, 4, 2));
    }
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/k"};
    options.datasets = {"/plain"};
    options.interleaved = {{"x", {"/x0", "/x1"}}};
    options.timeout = Seconds(0.05);
    options.poll_interval = std::chrono::milliseconds(1);
    DataSource source(file, options);
    const auto frames = drain(source);
    REQUIRE(frames.size() == 4);
    for (std::uint64_t i = 0; i < 4; ++i) {
        CHECK(frames[i].slice_metadata == std::vector<SliceRange>{{i, i + 1}});
        CHECK(frame_matches(frames[i].data.at("/plain").bytes, "<u2", 0, i, 2));
        CHECK(frame_matches(frames[i].data.at("x").bytes, "<u2", i % 2, i, 2));
    }
    REQUIRE(source.end_reason());
    CHECK(*source.end_reason() == EndReason::timeout);
}

TEST_CASE("data source: interleaved groups in the order given; the first one's slice, even of "
          "one dataset") {
    // Settles what core and the daemon once did differently, as swmr_tools does: groups keep
    // the order they are given in (the first decides the slice, not the first by name), and a
    // group of one dataset still puts the frame's own index in its first dimension.
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/k", H5T_STD_I32LE, {{4, 2}}, ones(8));
        f.write("/z0", H5T_STD_U16LE, {{4, 2, 3}}, pattern_frames(0, 8, 3, 2));
        f.write("/a0", H5T_STD_U16LE, {{2, 4, 3}}, pattern_frames(1, 8, 3, 2));
    }
    auto file = open_file(dir.file("f.h5"));
    DataSourceOptions options;
    options.keys = {"/k"};
    options.interleaved = {{"z", {"/z0"}}, {"a", {"/a0"}}};
    DataSource source(file, options);
    const auto frames = drain(source);
    REQUIRE(frames.size() == 8);
    for (std::uint64_t i = 0; i < 8; ++i) {
        CAPTURE(i);
        // z0's position of i is (i / 2, i % 2); its first entry becomes (i, i + 1).
        CHECK(frames[i].slice_metadata == std::vector<SliceRange>{{i, i + 1}, {i % 2, i % 2 + 1}});
        CHECK(frame_matches(frames[i].data.at("z").bytes, "<u2", 0, i, 3));
        CHECK(frame_matches(frames[i].data.at("a").bytes, "<u2", 1, i, 3));
    }
}
