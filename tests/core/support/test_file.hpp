#pragma once
// Writes small complete HDF5 files (libver LATEST, as SWMR needs) for the unit tests, in
// process: the file is closed before the core opens it.

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace swmrd::core::test {

inline constexpr hsize_t unlimited = H5S_UNLIMITED;

struct DatasetSpec {
    DatasetSpec(std::vector<hsize_t> extent = {}, std::vector<hsize_t> max_extent = {},
                std::vector<hsize_t> chunk_shape = {}, bool compress = false)
        : dims(std::move(extent)), max_dims(std::move(max_extent)), chunk(std::move(chunk_shape)),
          deflate(compress) {}

    std::vector<hsize_t> dims;
    std::vector<hsize_t> max_dims; // empty: same as dims
    std::vector<hsize_t> chunk;    // empty: contiguous (or 1 per unlimited dim, dims after)
    bool deflate = false;
};

class TestFile {
public:
    explicit TestFile(const std::string& path);
    TestFile(const TestFile&) = delete;
    TestFile& operator=(const TestFile&) = delete;
    ~TestFile();

    // Creates `path` of file type `type`, fill value 0, holding `values` (converted from
    // uint64/int64/double) when given.
    void write(const std::string& path, hid_t type, const DatasetSpec& spec,
               const std::vector<std::int64_t>& values = {});
    void write_double(const std::string& path, hid_t type, const DatasetSpec& spec,
                      const std::vector<double>& values);
    // A dataset of an arbitrary (e.g. compound or string) type, left unwritten.
    void write_typed(const std::string& path, hid_t type, const DatasetSpec& spec);
    void close();

private:
    hid_t create(const std::string& path, hid_t type, const DatasetSpec& spec);

    hid_t file_ = -1;
};

// Writes `bytes` as they are into dataset `path` of the closed file `file` (its own type:
// enums and other types HDF5 does not convert to from integers).
void write_bytes(const std::string& file, const std::string& path,
                 const std::vector<unsigned char>& bytes);

// Fills `count` frames of `elements` values with swmr-sim's pattern for dataset `dataset`.
std::vector<std::int64_t> pattern_frames(std::uint64_t dataset, std::uint64_t count,
                                         std::uint64_t elements, std::size_t item_size);

} // namespace swmrd::core::test
