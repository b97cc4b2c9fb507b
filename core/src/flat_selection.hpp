#pragma once
// Selects a run of consecutive flat (C-order) indices over the leading dimensions of a
// dataspace as at most 2 * rank - 1 hyperslab blocks, so a run of frames or keys is one
// H5Dread whatever the rank. HDF5 visits any hyperslab selection in C order of the
// dataspace, so the elements come out in flat index order.

#include <hdf5.h>

#include <cstdint>
#include <vector>

namespace swmrd::core {

class FlatSelection {
public:
    // The leading dimensions are indexed flat; the dimensions after them (`trailing`) are
    // selected in full.
    void set_dims(const std::vector<hsize_t>& leading, const std::vector<hsize_t>& trailing);

    // Selects flat indices [first, first + count) in `space` (count > 0 and first + count
    // within the leading dimensions). Returns HDF5's status: negative on failure, with the
    // error stack left for the caller's check().
    herr_t select(hid_t space, std::uint64_t first, std::uint64_t count);

private:
    std::size_t leading_rank_ = 0;
    std::vector<hsize_t> dims_;    // leading then trailing
    std::vector<hsize_t> strides_; // per leading dimension: flat points per step in it
    std::vector<hsize_t> start_;
    std::vector<hsize_t> count_;
};

} // namespace swmrd::core
