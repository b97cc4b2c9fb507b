// FrameReader on real files: dtypes as stored, N-D scan positions, runs of frames in one
// read, scalar frames, refresh before reading new frames, filters and direct chunk access.

#include "process.hpp"
#include "temp_dir.hpp"

#include "support/frames.hpp"
#include "support/helpers.hpp"
#include "support/paths.hpp"
#include "support/scripted_writer.hpp"
#include "support/test_file.hpp"

#include <swmrd/core/frame_reader.hpp>
#include <swmrd/core/h5_error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

using namespace swmrd::core;
using namespace swmrd::core::test;
using namespace swmrd::test;

namespace {

std::vector<std::byte> read_frames(FrameReader& reader, std::uint64_t first, std::uint64_t count) {
    std::vector<std::byte> out(count * reader.info().frame_bytes);
    reader.read(first, count, out);
    return out;
}

template <class T> std::vector<T> as(const std::vector<std::byte>& bytes) {
    std::vector<T> values(bytes.size() / sizeof(T));
    std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

std::vector<std::int64_t> iota(std::size_t n) {
    std::vector<std::int64_t> values(n);
    for (std::size_t i = 0; i < n; ++i)
        values[i] = static_cast<std::int64_t>(i);
    return values;
}

} // namespace

TEST_CASE("frame reader: dtype strings and bytes exactly as stored, either byte order") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/u1", H5T_STD_U8LE, {{2, 3}}, {1, 2, 3, 4, 5, 6});
        f.write("/i1", H5T_STD_I8LE, {{2, 3}}, {-1, 2, 3, 4, 5, 6});
        f.write("/u2le", H5T_STD_U16LE, {{2, 3}}, {1, 2, 3, 4, 5, 0x0102});
        f.write("/u2be", H5T_STD_U16BE, {{2, 3}}, {1, 2, 3, 4, 5, 0x0102});
        f.write("/i4", H5T_STD_I32LE, {{2, 3}}, {-1, 2, 3, 4, 5, 6});
        f.write("/i8be", H5T_STD_I64BE, {{2, 3}}, {-1, 2, 3, 4, 5, 6});
        f.write("/u8", H5T_STD_U64LE, {{2, 3}}, {1, 2, 3, 4, 5, 6});
        f.write_double("/f4", H5T_IEEE_F32LE, {{2, 3}}, {0.5, 1, 2, 3, 4, 5});
        f.write_double("/f8be", H5T_IEEE_F64BE, {{2, 3}}, {0.5, 1, 2, 3, 4, 5});
    }
    auto file = open_file(dir.file("f.h5"));
    const std::vector<std::pair<std::string, std::string>> expected{
        {"/u1", "|u1"},   {"/i1", "|i1"}, {"/u2le", "<u2"}, {"/u2be", ">u2"}, {"/i4", "<i4"},
        {"/i8be", ">i8"}, {"/u8", "<u8"}, {"/f4", "<f4"},   {"/f8be", ">f8"}};
    for (const auto& [path, dtype] : expected) {
        CAPTURE(path);
        FrameReader reader(file, path, 1);
        CHECK(reader.info().dtype == dtype);
        CHECK(reader.info().item_size == static_cast<std::size_t>(dtype[2] - '0'));
        CHECK(reader.info().frame_shape == std::vector<std::uint64_t>{3});
        CHECK(reader.info().block_shape == std::vector<std::uint64_t>{1, 3});
    }

    FrameReader le(file, "/u2le", 1);
    FrameReader be(file, "/u2be", 1);
    const auto le_bytes = read_frames(le, 1, 1);
    const auto be_bytes = read_frames(be, 1, 1);
    CHECK(le_bytes[4] == std::byte{0x02}); // value 0x0102 at element 2
    CHECK(le_bytes[5] == std::byte{0x01});
    CHECK(be_bytes[4] == std::byte{0x01});
    CHECK(be_bytes[5] == std::byte{0x02});

    FrameReader f8be(file, "/f8be", 1);
    auto bytes = read_frames(f8be, 0, 1);
    std::reverse(bytes.begin(), bytes.begin() + 8);
    double first = 0;
    std::memcpy(&first, bytes.data(), 8);
    CHECK(first == 0.5);

    FrameReader i1(file, "/i1", 1);
    CHECK(static_cast<std::int8_t>(read_frames(i1, 0, 1)[0]) == -1);
}

TEST_CASE("frame reader: frames of an N-D scan, positions and blocks") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/d", H5T_STD_I32LE, {{2, 3, 4, 5}}, iota(120));
    }
    auto file = open_file(dir.file("f.h5"));
    FrameReader reader(file, "/d", 2);
    CHECK(reader.info().scan_rank == 2);
    CHECK(reader.info().frame_shape == std::vector<std::uint64_t>{4, 5});
    CHECK(reader.info().block_shape == std::vector<std::uint64_t>{1, 1, 4, 5});
    CHECK(reader.info().frame_bytes == 80);
    CHECK(reader.position(0) == std::vector<std::uint64_t>{0, 0});
    CHECK(reader.position(4) == std::vector<std::uint64_t>{1, 1});
    CHECK(reader.position(5) == std::vector<std::uint64_t>{1, 2});
    const auto frame = as<std::int32_t>(read_frames(reader, 4, 1));
    REQUIRE(frame.size() == 20);
    for (std::size_t j = 0; j < 20; ++j)
        CHECK(frame[j] == static_cast<std::int32_t>(4 * 20 + j));
}

TEST_CASE("frame reader: a run of frames spanning rows comes out in index order") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/grid", H5T_STD_I32LE, {{3, 4, 2}}, iota(24));
        f.write("/cube", H5T_STD_I32LE, {{2, 3, 4, 3}}, iota(72));
    }
    auto file = open_file(dir.file("f.h5"));
    FrameReader grid(file, "/grid", 2);
    for (std::uint64_t first = 0; first < 12; ++first) {
        for (std::uint64_t count = 1; first + count <= 12; ++count) {
            CAPTURE(first);
            CAPTURE(count);
            const auto values = as<std::int32_t>(read_frames(grid, first, count));
            REQUIRE(values.size() == count * 2);
            for (std::size_t k = 0; k < values.size(); ++k)
                CHECK(values[k] == static_cast<std::int32_t>(first * 2 + k));
        }
    }
    FrameReader cube(file, "/cube", 3);
    const auto values = as<std::int32_t>(read_frames(cube, 5, 15));
    REQUIRE(values.size() == 45);
    for (std::size_t k = 0; k < values.size(); ++k)
        CHECK(values[k] == static_cast<std::int32_t>(15 + k));
}

TEST_CASE("frame reader: a dataset of the scan's rank has scalar frames") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write_double("/scalar", H5T_IEEE_F64LE, {{6}}, {0, 1.5, 2.5, 3.5, 4.5, 5.5});
        f.write("/grid", H5T_STD_I16LE, {{2, 2}}, {10, 11, 12, 13});
    }
    auto file = open_file(dir.file("f.h5"));
    FrameReader scalar(file, "/scalar", 1);
    CHECK(scalar.info().frame_shape.empty());
    CHECK(scalar.info().block_shape == std::vector<std::uint64_t>{1});
    CHECK(scalar.info().frame_bytes == 8);
    CHECK(as<double>(read_frames(scalar, 1, 1)) == std::vector<double>{1.5});
    CHECK(as<double>(read_frames(scalar, 2, 4)) == std::vector<double>{2.5, 3.5, 4.5, 5.5});

    FrameReader grid(file, "/grid", 2);
    CHECK(grid.info().block_shape == std::vector<std::uint64_t>{1, 1});
    CHECK(as<std::int16_t>(read_frames(grid, 3, 1)) == std::vector<std::int16_t>{13});
}

TEST_CASE("frame reader: new frames are read after a refresh, never as stale fill values") {
    TempDir dir;
    const auto path = dir.file("f.h5");
    ScriptedWriter writer(dir.path());
    writer.send("create " + path);
    writer.send("data /fixed <u2 4x3 4x3 1x3");
    writer.send("data /grows <u2 0x3 ux3 1x3");
    writer.send("swmr");
    writer.send("extend /grows 1x3");
    writer.send("frame /fixed 1 0 0");
    writer.send("frame /grows 1 0 0");
    writer.send("flush /fixed");
    writer.send("flush /grows");

    auto file = open_file(path);
    FrameReader fixed(file, "/fixed", 1);
    FrameReader grows(file, "/grows", 1);
    CHECK(frame_matches(read_frames(fixed, 0, 1), "<u2", 0, 0, 3));
    CHECK(frame_matches(read_frames(grows, 0, 1), "<u2", 0, 0, 3));

    for (std::uint64_t i = 1; i < 4; ++i) {
        writer.send("extend /grows " + std::to_string(i + 1) + "x3");
        writer.send("frame /fixed 1 " + std::to_string(i) + " 0");
        writer.send("frame /grows 1 " + std::to_string(i) + " 0");
        writer.send("flush /fixed");
        writer.send("flush /grows");
        std::string why;
        CHECK_MESSAGE(frame_matches(read_frames(fixed, i, 1), "<u2", 0, i, 3, &why), why);
        CHECK_MESSAGE(frame_matches(read_frames(grows, i, 1), "<u2", 0, i, 3, &why), why);
        CHECK(grows.position(i) == std::vector<std::uint64_t>{i});
    }
    // Still past the extent after a refresh: an error naming the dataset.
    std::vector<std::byte> out(grows.info().frame_bytes);
    CHECK_THROWS_WITH_AS(grows.read(4, 1, out),
                         doctest::Contains("frame 4 lies past the extent (4,) of dataset /grows"),
                         H5Error);
    CHECK_THROWS_WITH_AS(grows.position(9), doctest::Contains("/grows"), H5Error);
    CHECK(writer.close() == 0);
}

TEST_CASE("frame reader: filters, their availability, and direct chunk access") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        f.write("/deflate", H5T_STD_U16LE, {{4, 3}, {}, {1, 3}, true}, iota(12));
        f.write("/contiguous", H5T_STD_U16LE, {{4, 3}}, iota(12));
        f.write("/two_per_chunk", H5T_STD_U16LE, {{4, 3}, {}, {2, 3}}, iota(12));
    }
    auto file = open_file(dir.file("f.h5"));
    FrameReader deflate(file, "/deflate", 1);
    REQUIRE(deflate.info().filters.size() == 1);
    const auto& filter = deflate.info().filters.front();
    CHECK(filter.id == 1);
    CHECK(filter.name.find("deflate") != std::string::npos);
    CHECK(filter.cd_values == std::vector<unsigned>{4});
    CHECK(filter.available);
    CHECK_FALSE(deflate.missing_filter());
    CHECK(deflate.info().one_frame_per_chunk);
    CHECK(as<std::uint16_t>(read_frames(deflate, 2, 1)) == std::vector<std::uint16_t>{6, 7, 8});
    // The stored chunk is the deflate stream, not the values.
    const auto size = deflate.stored_chunk_size(2);
    std::vector<std::byte> chunk(size);
    deflate.read_chunk(2, chunk);
    CHECK(chunk[0] == std::byte{0x78}); // zlib header

    FrameReader contiguous(file, "/contiguous", 1);
    CHECK(contiguous.info().filters.empty());
    CHECK_FALSE(contiguous.info().one_frame_per_chunk);
    CHECK_THROWS_WITH_AS(contiguous.stored_chunk_size(0),
                         doctest::Contains("chunks do not hold exactly one frame"), H5Error);
    FrameReader two(file, "/two_per_chunk", 1);
    CHECK_FALSE(two.info().one_frame_per_chunk);
}

TEST_CASE("frame reader: LZ4 through its plugin, raw and as stored chunks (swmr-sim)") {
    TempDir dir;
    const auto path = dir.file("lz4.h5");
    const auto sim = run_process({sim_path, "--file", path, "--scan-shape", "6", "--frame-shape",
                                  "16x16", "--compression", "lz4", "--quiet"},
                                 dir.path());
    REQUIRE_MESSAGE(sim.exit_code == 0, sim.err);
    auto file = open_file(path);
    FrameReader reader(file, "/entry/data/data", 1);
    REQUIRE(reader.info().filters.size() == 1);
    CHECK(reader.info().filters[0].id == 32004);
    CHECK(reader.info().filters[0].available);
    CHECK(reader.info().one_frame_per_chunk);
    for (std::uint64_t i = 0; i < 6; ++i)
        CHECK(frame_matches(read_frames(reader, i, 1), "<u2", 0, i, 256));
    const auto size = reader.stored_chunk_size(3);
    CHECK(size > 0);
    CHECK(size != reader.info().frame_bytes);
    std::vector<std::byte> chunk(size);
    reader.read_chunk(3, chunk);
    std::vector<std::byte> small(size - 1);
    CHECK_THROWS_WITH_AS(reader.read_chunk(3, small), doctest::Contains("the buffer has"), H5Error);
}

TEST_CASE("frame reader: direct chunk writes come back byte for byte (swmr-sim, 2-D scan)") {
    // The chunks hold raw frame bytes under 32008's name: neither side may have the plugin.
    const WithoutFilterPlugins no_plugins(32008);
    TempDir dir;
    const auto path = dir.file("direct.h5");
    const auto sim =
        run_process({sim_path, "--file", path, "--scan-shape", "3x4", "--frame-shape", "8x8",
                     "--dtype", ">i4", "--direct-chunk-filter", "32008:0,2,4,0,0", "--quiet"},
                    dir.path(), {WithoutFilterPlugins::environment});
    REQUIRE_MESSAGE(sim.exit_code == 0, sim.err);
    auto file = open_file(path);
    FrameReader reader(file, "/entry/data/data", 2);
    CHECK(reader.info().dtype == ">i4");
    REQUIRE(reader.info().filters.size() == 1);
    CHECK(reader.info().filters[0].id == 32008);
    CHECK(reader.info().filters[0].name == "Bitshuffle");
    CHECK(reader.info().filters[0].cd_values == std::vector<unsigned>{0, 2, 4, 0, 0});
    CHECK_FALSE(reader.info().filters[0].available);
    REQUIRE(reader.missing_filter());
    CHECK(reader.missing_filter()->id == 32008);
    for (std::uint64_t i = 0; i < 12; ++i) {
        CAPTURE(i);
        REQUIRE(reader.stored_chunk_size(i) == 256);
        std::vector<std::byte> chunk(256);
        reader.read_chunk(i, chunk);
        CHECK(frame_matches(chunk, ">i4", 0, i, 64));
    }
}

TEST_CASE("frame reader: float16, bool and other enums come out as NumPy sees them") {
    TempDir dir;
    {
        TestFile f(dir.file("f.h5"));
        // IEEE half precision, as h5py stores float16, in both byte orders.
        for (const auto order : {H5T_ORDER_LE, H5T_ORDER_BE}) {
            const hid_t half = H5Tcopy(H5T_IEEE_F32LE);
            H5Tset_fields(half, 15, 10, 5, 0, 10);
            H5Tset_size(half, 2);
            H5Tset_ebias(half, 15);
            H5Tset_order(half, order);
            f.write_double(order == H5T_ORDER_LE ? "/half_le" : "/half_be", half, {{2, 2}},
                           {1.0, -2.0, 0.5, 65504.0});
            H5Tclose(half);
        }
        const hid_t boolean = H5Tenum_create(H5T_NATIVE_INT8);
        const std::int8_t off = 0;
        const std::int8_t on = 1;
        H5Tenum_insert(boolean, "FALSE", &off);
        H5Tenum_insert(boolean, "TRUE", &on);
        f.write_typed("/bool", boolean, {{2, 2}});
        H5Tclose(boolean);
        const hid_t colour = H5Tenum_create(H5T_STD_I16BE);
        for (std::int16_t value = 0; value < 3; ++value) {
            const std::int16_t stored = value;
            H5Tenum_insert(colour, value == 0 ? "RED" : value == 1 ? "GREEN" : "BLUE", &stored);
        }
        f.write_typed("/colour", colour, {{2, 2}});
        H5Tclose(colour);
    }
    write_bytes(dir.file("f.h5"), "/bool", {1, 0, 0, 1});
    write_bytes(dir.file("f.h5"), "/colour", {0, 2, 0, 1, 0, 0, 0, 2});
    auto file = open_file(dir.file("f.h5"));
    const auto frame_bytes = [&](const char* path, std::size_t item_size) {
        FrameReader reader(file, path, 1);
        std::vector<std::byte> out(2 * 2 * item_size);
        reader.read(0, 2, out);
        std::vector<unsigned> bytes;
        for (auto b : out)
            bytes.push_back(static_cast<unsigned>(b));
        return std::make_pair(reader.info().dtype, bytes);
    };
    // 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, 65504 = 0x7bff
    CHECK(frame_bytes("/half_le", 2) ==
          std::make_pair(std::string("<f2"),
                         std::vector<unsigned>{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b}));
    CHECK(frame_bytes("/half_be", 2) ==
          std::make_pair(std::string(">f2"),
                         std::vector<unsigned>{0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x7b, 0xff}));
    CHECK(frame_bytes("/bool", 1) ==
          std::make_pair(std::string("|b1"), std::vector<unsigned>{1, 0, 0, 1}));
    CHECK(frame_bytes("/colour", 2) ==
          std::make_pair(std::string(">i2"), std::vector<unsigned>{0, 2, 0, 1, 0, 0, 0, 2}));
}
