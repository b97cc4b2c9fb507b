#pragma once
// Reads a run of consecutive flat (C-order) indices over the leading dimensions of a dataset:
// at most 2 * rank - 1 hyperslab blocks, one for a run that stays within a row. Each block is
// read into a memory dataspace of its own shape: HDF5 then maps chunks by whole blocks, where
// a memory space of another shape makes it visit every element (measured: 25x slower on
// 2 MiB frames).

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace swmrd::core {

class FlatSelection {
public:
    // The leading dimensions are indexed flat; the dimensions after them (`trailing`) are
    // selected in full.
    void set_dims(const std::vector<hsize_t>& leading, const std::vector<hsize_t>& trailing);

    // Reads flat indices [first, first + count) (count > 0, within the leading dimensions) of
    // `dataset` into `out`, in flat index order, `element_bytes` per element of the selection.
    // `file_space` and `memory_space` are scratch dataspaces the caller keeps. Returns HDF5's
    // status: negative on failure, with the error stack left for the caller's check().
    herr_t read(hid_t dataset, hid_t type, hid_t file_space, hid_t memory_space,
                std::uint64_t first, std::uint64_t count, void* out, std::size_t element_bytes);

private:
    std::size_t leading_rank_ = 0;
    std::vector<hsize_t> dims_;    // leading then trailing
    std::vector<hsize_t> strides_; // per leading dimension: flat points per step in it
    std::vector<hsize_t> start_;
    std::vector<hsize_t> count_;
};

} // namespace swmrd::core
