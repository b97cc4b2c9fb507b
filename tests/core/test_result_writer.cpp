// ResultFile / ResultDataset: swmr_tools' create_dataset and append_data, read back with
// HDF5 directly.

#include "temp_dir.hpp"

#include <swmrd/core/h5_error.hpp>
#include <swmrd/core/result_writer.hpp>

#include <doctest/doctest.h>
#include <hdf5.h>

#include <cstring>

using namespace swmrd::core;
using namespace swmrd::test;

namespace {

struct Stored {
    std::vector<hsize_t> dims;
    std::vector<hsize_t> max_dims;
    std::vector<hsize_t> chunk;
    std::vector<double> values;
    H5T_class_t type_class = H5T_NO_CLASS;
    std::size_t item_size = 0;
};

Stored read_back(const std::string& file_path, const std::string& path) {
    Stored stored;
    const hid_t file = H5Fopen(file_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t dataset = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    const hid_t space = H5Dget_space(dataset);
    const auto rank = static_cast<std::size_t>(H5Sget_simple_extent_ndims(space));
    stored.dims.resize(rank);
    stored.max_dims.resize(rank);
    H5Sget_simple_extent_dims(space, stored.dims.data(), stored.max_dims.data());
    const hid_t dcpl = H5Dget_create_plist(dataset);
    stored.chunk.resize(rank);
    H5Pget_chunk(dcpl, static_cast<int>(rank), stored.chunk.data());
    const hid_t type = H5Dget_type(dataset);
    stored.type_class = H5Tget_class(type);
    stored.item_size = H5Tget_size(type);
    stored.values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.values.data());
    H5Tclose(type);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Dclose(dataset);
    H5Fclose(file);
    return stored;
}

template <class T>
Array array(const std::string& dtype, std::vector<std::uint64_t> shape,
            const std::vector<T>& values) {
    Array result{dtype, std::move(shape), std::vector<std::byte>(values.size() * sizeof(T))};
    std::memcpy(result.bytes.data(), values.data(), result.bytes.size());
    return result;
}

} // namespace

TEST_CASE("result writer: a scalar result per point of a fixed 2-D scan") {
    TempDir dir;
    const auto path = dir.file("results.h5");
    {
        auto file = ResultFile::create(path);
        auto results = ResultDataset::create(file, "/processed/sum", ScanShape{{2, 2}},
                                             array<double>("<f8", {}, {10.5}));
        results.append(array<double>("<f8", {}, {11.5}), {{0, 1}, {1, 2}});
        results.append(array<double>("<f8", {}, {13.5}), {{1, 2}, {1, 2}});
        results.append(array<double>("<f8", {}, {12.5}), {{1, 2}, {0, 1}});
    }
    const auto stored = read_back(path, "/processed/sum");
    CHECK(stored.dims == std::vector<hsize_t>{2, 2});
    CHECK(stored.max_dims == std::vector<hsize_t>{2, 2});
    CHECK(stored.chunk == std::vector<hsize_t>{2, 2}); // small result: the whole max shape
    CHECK(stored.type_class == H5T_FLOAT);
    CHECK(stored.item_size == 8);
    CHECK(stored.values == std::vector<double>{10.5, 11.5, 12.5, 13.5});
}

TEST_CASE("result writer: images over an unlimited scan grow the dataset") {
    TempDir dir;
    const auto path = dir.file("results.h5");
    std::vector<std::int32_t> image(12);
    {
        auto file = ResultFile::create(path);
        auto results = ResultDataset::create(file, "/r", ScanShape{{std::nullopt}},
                                             array<std::int32_t>("<i4", {3, 4}, image));
        for (std::uint64_t i = 1; i < 5; ++i) {
            for (std::size_t j = 0; j < image.size(); ++j)
                image[j] = static_cast<std::int32_t>(i * 100 + j);
            results.append(array<std::int32_t>("<i4", {3, 4}, image), {{i, i + 1}});
        }
    }
    const auto stored = read_back(path, "/r");
    CHECK(stored.dims == std::vector<hsize_t>{5, 3, 4});
    CHECK(stored.max_dims == std::vector<hsize_t>{H5S_UNLIMITED, 3, 4});
    CHECK(stored.chunk == std::vector<hsize_t>{1, 3, 4}); // 12 values: one point per chunk
    CHECK(stored.type_class == H5T_INTEGER);
    CHECK(stored.item_size == 4);
    for (std::size_t j = 0; j < 12; ++j)
        CHECK(stored.values[j] == 0.0);
    for (std::size_t i = 1; i < 5; ++i)
        for (std::size_t j = 0; j < 12; ++j)
            CHECK(stored.values[i * 12 + j] == static_cast<double>(i * 100 + j));
}

TEST_CASE("result writer: a small vector over a partly unlimited grid, written out of order") {
    TempDir dir;
    const auto path = dir.file("results.h5");
    {
        auto file = ResultFile::create(path);
        auto results = ResultDataset::create(file, "/v", ScanShape{{std::nullopt, 3}},
                                             array<std::uint16_t>(">u2", {2}, {0x0100, 0x0200}));
        results.append(array<std::uint16_t>(">u2", {2}, {0x0500, 0x0600}), {{2, 3}, {2, 3}});
    }
    const auto stored = read_back(path, "/v");
    CHECK(stored.dims == std::vector<hsize_t>{3, 3, 2});
    CHECK(stored.max_dims == std::vector<hsize_t>{H5S_UNLIMITED, 3, 2});
    CHECK(stored.chunk == std::vector<hsize_t>{1, 3, 2});
    CHECK(stored.values.front() == 1.0); // the first result, stored big-endian as given
    CHECK(stored.values[16] == 5.0);
    CHECK(stored.values[17] == 6.0);
    CHECK(stored.values[8] == 0.0); // not written: fill value
}

TEST_CASE("result writer: errors name the dataset") {
    TempDir dir;
    auto file = ResultFile::create(dir.file("results.h5"));
    auto results =
        ResultDataset::create(file, "/r", ScanShape{{2}}, array<double>("<f8", {2}, {1, 2}));
    CHECK_THROWS_WITH_AS(results.append(array<double>("<f8", {2}, {1, 2}), {{2, 3}}),
                         doctest::Contains("result dataset /r"), H5Error);
    CHECK_THROWS_WITH_AS(results.append(array<double>("<f8", {3}, {1, 2, 3}), {{1, 2}}),
                         doctest::Contains("shape differs"), H5Error);
    CHECK_THROWS_WITH_AS(results.append(array<double>("<f8", {2}, {1, 2}), {{1, 2}, {0, 1}}),
                         doctest::Contains("the scan has 1"), H5Error);
    CHECK_THROWS_WITH_AS(ResultDataset::create(file, "/s", ScanShape{{2}}, Array{"<c16", {}, {}}),
                         doctest::Contains("unsupported dtype '<c16'"), H5Error);
    CHECK_THROWS_WITH_AS(ResultFile::create(dir.file("missing") + "/results.h5"),
                         doctest::Contains("creating result file"), H5Error);
}
