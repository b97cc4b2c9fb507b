// The swmr_tools user guide's example: a 2x2 grid scan of 5x10 int64 frames in two
// datasets, keys 1..4 of shape (2, 2, 1, 1). Written by h5py exactly as the guide does, and
// by swmr-sim while the core reads it.

#include "process.hpp"
#include "temp_dir.hpp"

#include "support/frames.hpp"
#include "support/helpers.hpp"
#include "support/paths.hpp"

#include <swmrd/core/data_source.hpp>
#include <swmrd/core/result_writer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;

namespace {

const std::vector<std::vector<SliceRange>> guide_slices{
    {{0, 1}, {0, 1}}, {{0, 1}, {1, 2}}, {{1, 2}, {0, 1}}, {{1, 2}, {1, 2}}};
const std::vector<std::uint64_t> guide_frame_shape{1, 1, 5, 10};

std::vector<std::byte> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::transform(chars.begin(), chars.end(), bytes.begin(),
                   [](char c) { return static_cast<std::byte>(c); });
    return bytes;
}

std::vector<FrameMap> read_all(DataSource& source) {
    std::vector<FrameMap> frames;
    while (auto frame = source.next())
        frames.push_back(std::move(*frame));
    return frames;
}

} // namespace

TEST_CASE("user guide: the example file written by h5py, read and results written back") {
    TempDir dir;
    const auto path = dir.file("example.h5");
    const auto python = run_process(
        {python_path, std::string(scripts_dir) + "/user_guide_example.py", path}, dir.path());
    REQUIRE_MESSAGE(python.exit_code == 0, python.err);
    const auto data_1 = read_bytes(path + ".data_1");
    const auto data_2 = read_bytes(path + ".data_2");
    REQUIRE(data_1.size() == 4 * 50 * 8);

    auto file = open_file(path);
    DataSourceOptions options;
    options.keys = {"/keys/keys_1"};
    options.datasets = {"/data/data_1", "/data/data_2"};
    DataSource source(file, options);
    CHECK(source.scan_shape().max == std::vector<std::optional<std::uint64_t>>{2, 2});
    const auto frames = read_all(source);

    REQUIRE(frames.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        CHECK(frames[i].slice_metadata == guide_slices[i]);
        CHECK(frames[i].maxshape.max == std::vector<std::optional<std::uint64_t>>{2, 2});
        const auto& frame_1 = frames[i].data.at("/data/data_1");
        const auto& frame_2 = frames[i].data.at("/data/data_2");
        CHECK(frame_1.dtype == "<i8");
        CHECK(frame_1.shape == guide_frame_shape);
        CHECK(frame_2.shape == guide_frame_shape);
        const auto offset = static_cast<std::ptrdiff_t>(i * 400);
        CHECK(std::equal(frame_1.bytes.begin(), frame_1.bytes.end(), data_1.begin() + offset,
                         data_1.begin() + offset + 400));
        CHECK(std::equal(frame_2.bytes.begin(), frame_2.bytes.end(), data_2.begin() + offset,
                         data_2.begin() + offset + 400));
    }
    CHECK(*source.end_reason() == EndReason::complete);

    // "Writing Data": one processed value per point, placed at the frame's slice.
    const auto result_of = [](const FrameMap& frame) {
        const auto values = frame.data.at("/data/data_1").values<std::int64_t>();
        const std::int64_t sum = std::accumulate(values.begin(), values.end(), std::int64_t{0});
        Array result{"<i8", {}, std::vector<std::byte>(8)};
        std::memcpy(result.bytes.data(), &sum, 8);
        return result;
    };
    const auto results_path = dir.file("results.h5");
    {
        auto results_file = ResultFile::create(results_path);
        auto results = ResultDataset::create(results_file, "/result", frames[0].maxshape,
                                             result_of(frames[0]));
        for (std::size_t i = 1; i < 4; ++i)
            results.append(result_of(frames[i]), frames[i].slice_metadata);
    }
    auto check_file = open_file(results_path);
    FrameReader sums(check_file, "/result", 2);
    CHECK(sums.info().block_shape == std::vector<std::uint64_t>{1, 1});
    std::vector<std::byte> stored(4 * 8);
    sums.read(0, 4, stored);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(std::equal(stored.begin() + static_cast<std::ptrdiff_t>(i * 8),
                         stored.begin() + static_cast<std::ptrdiff_t>(i * 8 + 8),
                         result_of(frames[i]).bytes.begin()));
    }
}

TEST_CASE("user guide: the same scan written by swmr-sim while the core reads it") {
    TempDir dir;
    const auto path = dir.file("example.h5");
    ChildProcess sim({sim_path, "--file", path, "--scan-shape", "2x2", "--fixed", "--frame-shape",
                      "5x10", "--dtype", "i8", "--datasets", "2", "--key-trailing-ones", "2",
                      "--rate", "20", "--quiet"},
                     dir.path());
    auto file = open_file(path);
    DataSourceOptions options;
    options.keys = {"/entry/keys/uid"};
    options.datasets = {"/entry/data/data", "/entry/data/data_1"};
    options.finished = "/entry/finished";
    DataSource source(file, options);
    CHECK(source.scan_shape().max == std::vector<std::optional<std::uint64_t>>{2, 2});
    const auto frames = read_all(source);
    const auto exit = sim.wait();
    CHECK_MESSAGE(exit.exit_code == 0, exit.err);

    REQUIRE(frames.size() == 4);
    for (std::uint64_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        CHECK(frames[i].index == i);
        CHECK(frames[i].slice_metadata == guide_slices[i]);
        CHECK(frames[i].maxshape.max == std::vector<std::optional<std::uint64_t>>{2, 2});
        for (std::uint64_t d = 0; d < 2; ++d) {
            const auto& frame =
                frames[i].data.at(d == 0 ? "/entry/data/data" : "/entry/data/data_1");
            CHECK(frame.dtype == "<i8");
            CHECK(frame.shape == guide_frame_shape);
            std::string why;
            CHECK_MESSAGE(frame_matches(frame.bytes, "<i8", d, i, 50, &why), why);
        }
    }
    CHECK(*source.end_reason() == EndReason::complete);
}
