#include "test_file.hpp"

#include "swmr-sim/pattern.hpp"

#include <stdexcept>

namespace swmrd::core::test {

namespace {

void check(herr_t status, const std::string& what) {
    if (status < 0)
        throw std::runtime_error("test file: " + what);
}

} // namespace

TestFile::TestFile(const std::string& path) {
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    check(file_ < 0 ? -1 : 0, "creating " + path);
}

TestFile::~TestFile() {
    close();
}

void TestFile::close() {
    if (file_ >= 0)
        H5Fclose(file_);
    file_ = -1;
}

hid_t TestFile::create(const std::string& path, hid_t type, const DatasetSpec& spec) {
    const auto& max_dims = spec.max_dims.empty() ? spec.dims : spec.max_dims;
    const hid_t space = spec.dims.empty() ? H5Screate(H5S_SCALAR)
                                          : H5Screate_simple(static_cast<int>(spec.dims.size()),
                                                             spec.dims.data(), max_dims.data());
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    auto chunk = spec.chunk;
    bool grows = false;
    for (auto max : max_dims)
        grows = grows || max == H5S_UNLIMITED;
    if (chunk.empty() && grows) {
        for (std::size_t dim = 0; dim < max_dims.size(); ++dim)
            chunk.push_back(max_dims[dim] == H5S_UNLIMITED ? 1
                                                           : std::max<hsize_t>(max_dims[dim], 1));
    }
    if (!chunk.empty())
        check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunk " + path);
    if (spec.deflate)
        check(H5Pset_deflate(dcpl, 4), "deflate " + path);
    if (H5Tget_class(type) == H5T_INTEGER || H5Tget_class(type) == H5T_FLOAT) {
        const std::int64_t zero = 0;
        check(H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &zero), "fill " + path);
    }
    const hid_t dataset = H5Dcreate2(file_, path.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    check(dataset < 0 ? -1 : 0, "creating " + path);
    return dataset;
}

void TestFile::write(const std::string& path, hid_t type, const DatasetSpec& spec,
                     const std::vector<std::int64_t>& values) {
    const hid_t dataset = create(path, type, spec);
    if (!values.empty())
        check(H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              "writing " + path);
    H5Dclose(dataset);
}

void TestFile::write_double(const std::string& path, hid_t type, const DatasetSpec& spec,
                            const std::vector<double>& values) {
    const hid_t dataset = create(path, type, spec);
    check(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "writing " + path);
    H5Dclose(dataset);
}

void TestFile::write_typed(const std::string& path, hid_t type, const DatasetSpec& spec) {
    H5Dclose(create(path, type, spec));
}

void write_bytes(const std::string& file, const std::string& path,
                 const std::vector<unsigned char>& bytes) {
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
    const hid_t type = H5Dget_type(dataset);
    const herr_t status = H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    H5Tclose(type);
    H5Dclose(dataset);
    H5Fclose(f);
    if (status < 0)
        throw std::runtime_error("test file: writing " + path + " of " + file);
}

std::vector<std::int64_t> pattern_frames(std::uint64_t dataset, std::uint64_t count,
                                         std::uint64_t elements, std::size_t item_size) {
    std::vector<std::int64_t> values;
    values.reserve(count * elements);
    for (std::uint64_t i = 0; i < count; ++i)
        for (std::uint64_t j = 0; j < elements; ++j)
            values.push_back(
                static_cast<std::int64_t>(sim::pattern_value(dataset, i, j, item_size)));
    return values;
}

} // namespace swmrd::core::test
