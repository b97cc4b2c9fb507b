#include "swmrd/core/result_writer.hpp"

#include "check.hpp"
#include "dtype.hpp"
#include "handle.hpp"
#include "objects.hpp"

#include <algorithm>

namespace swmrd::core {

namespace {

// swmr_tools chunks a small result over the whole scan and a larger one per scan point.
constexpr std::uint64_t small_result_points = 10;

std::uint64_t points_of(const std::vector<std::uint64_t>& shape) {
    std::uint64_t points = 1;
    for (auto size : shape)
        points *= size;
    return points;
}

hid_t type_of(const Array& result, const std::string& what) {
    const auto type = hdf5_type_of(result.dtype);
    if (!type)
        throw H5Error(what + ": unsupported dtype '" + result.dtype +
                      "' (integers and floats of 1, 2, 4 or 8 bytes only)");
    return *type;
}

void check_size(const Array& result, const std::string& what) {
    const auto expected = points_of(result.shape) * H5Tget_size(type_of(result, what));
    if (result.bytes.size() != expected)
        throw H5Error(what + ": the result holds " + std::to_string(result.bytes.size()) +
                      " bytes, its shape and dtype say " + std::to_string(expected));
}

} // namespace

struct ResultFile::Impl {
    std::string path;
    FileHandle file;
};

ResultFile::ResultFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;
ResultFile::~ResultFile() = default;

ResultFile ResultFile::create(const std::string& path) {
    silence_hdf5_errors_on_this_thread();
    const auto what = [&] { return "creating result file " + path; };
    // LATEST: a live reader can follow the results if the writer turns on SWMR.
    auto fapl = check_handle<PropertyHandle>(H5Pcreate(H5P_FILE_ACCESS), what);
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), what);
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->file = check_handle<FileHandle>(
        H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), what);
    return ResultFile(std::move(impl));
}

struct ResultDataset::Impl {
    std::string what; // "result dataset <path> in <file>"
    DatasetHandle dataset;
    std::size_t scan_rank = 0;
    std::vector<std::uint64_t> result_shape;
    std::vector<hsize_t> dims;
    std::vector<hsize_t> max_dims;
};

ResultDataset::ResultDataset(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultDataset::ResultDataset(ResultDataset&&) noexcept = default;
ResultDataset& ResultDataset::operator=(ResultDataset&&) noexcept = default;
ResultDataset::~ResultDataset() = default;

ResultDataset ResultDataset::create(ResultFile& file, const std::string& path,
                                    const ScanShape& scan_max, const Array& first_result) {
    silence_hdf5_errors_on_this_thread();
    auto impl = std::make_unique<Impl>();
    auto& d = *impl;
    d.what = "result dataset " + path + " in " + file.impl().path;
    const auto type = type_of(first_result, "creating " + d.what);
    check_size(first_result, "creating " + d.what);
    d.scan_rank = scan_max.rank();
    d.result_shape = first_result.shape;

    // swmr_tools: maxshape = scan maxshape + result shape; shape = 1 per scan dim + result
    // shape; chunks = the max shape (unlimited as 1) for a small result, else the shape.
    std::vector<hsize_t> chunk;
    for (const auto& max : scan_max.max) {
        d.dims.push_back(1);
        d.max_dims.push_back(max ? *max : H5S_UNLIMITED);
        chunk.push_back(max ? *max : 1);
    }
    const bool small = points_of(first_result.shape) < small_result_points;
    for (auto size : first_result.shape) {
        d.dims.push_back(size);
        d.max_dims.push_back(size);
        chunk.push_back(size);
    }
    if (!small)
        chunk = d.dims;

    const auto what = [&] { return "creating " + d.what; };
    auto space = check_handle<SpaceHandle>(
        H5Screate_simple(static_cast<int>(d.dims.size()), d.dims.data(), d.max_dims.data()), what);
    auto lcpl = check_handle<PropertyHandle>(H5Pcreate(H5P_LINK_CREATE), what);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), what);
    auto dcpl = check_handle<PropertyHandle>(H5Pcreate(H5P_DATASET_CREATE), what);
    if (!chunk.empty())
        check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
    d.dataset =
        check_handle<DatasetHandle>(H5Dcreate2(file.impl().file.get(), path.c_str(), type,
                                               space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                                    what);
    check(H5Dwrite(d.dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, first_result.bytes.data()),
          [&] { return "writing the first result to " + d.what; });
    return ResultDataset(std::move(impl));
}

void ResultDataset::append(const Array& result, const std::vector<SliceRange>& slice) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    const auto what = [&] {
        std::string at;
        for (const auto& range : slice)
            at += (at.empty() ? "" : ", ") + std::to_string(range.start) + ":" +
                  std::to_string(range.stop);
        return "appending the result at [" + at + "] to " + d.what;
    };
    if (slice.size() != d.scan_rank)
        throw H5Error(what() + ": the slice has " + std::to_string(slice.size()) +
                      " dimensions, the scan has " + std::to_string(d.scan_rank));
    if (result.shape != d.result_shape)
        throw H5Error(what() + ": the result's shape differs from the first result's");
    const auto type = type_of(result, what());
    check_size(result, what());

    // swmr_tools: the full slice is the scan slice then the whole result; the dataset
    // grows to the slice's stop where that is past its extent.
    std::vector<hsize_t> start(d.dims.size(), 0);
    std::vector<hsize_t> count(d.dims.begin(), d.dims.end());
    auto grown = d.dims;
    hsize_t points = points_of(result.shape);
    for (std::size_t dim = 0; dim < d.scan_rank; ++dim) {
        if (slice[dim].stop <= slice[dim].start)
            throw H5Error(what() + ": empty slice in dimension " + std::to_string(dim));
        start[dim] = slice[dim].start;
        count[dim] = slice[dim].stop - slice[dim].start;
        grown[dim] = std::max<hsize_t>(grown[dim], slice[dim].stop);
        points *= count[dim];
    }
    if (points != points_of(result.shape))
        throw H5Error(what() + ": the slice covers " + std::to_string(points) +
                      " values, the result holds " + std::to_string(points_of(result.shape)));
    if (grown != d.dims) {
        check(H5Dset_extent(d.dataset.get(), grown.data()), [&] {
            return what() + ": growing it to " + shape_text(grown) + " (max shape " +
                   shape_text(d.max_dims) + ")";
        });
        d.dims = grown;
    }
    auto file_space = check_handle<SpaceHandle>(H5Dget_space(d.dataset.get()), what);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          what);
    auto memory_space = check_handle<SpaceHandle>(H5Screate_simple(1, &points, nullptr), what);
    check(H5Dwrite(d.dataset.get(), type, memory_space.get(), file_space.get(), H5P_DEFAULT,
                   result.bytes.data()),
          what);
}

} // namespace swmrd::core
