#include "flat_selection.hpp"

#include <algorithm>

namespace swmrd::core {

void FlatSelection::set_dims(const std::vector<hsize_t>& leading,
                             const std::vector<hsize_t>& trailing) {
    leading_rank_ = leading.size();
    dims_ = leading;
    dims_.insert(dims_.end(), trailing.begin(), trailing.end());
    strides_.assign(leading_rank_, 1);
    for (std::size_t dim = leading_rank_; dim-- > 1;)
        strides_[dim - 1] = strides_[dim] * leading[dim];
    start_.assign(dims_.size(), 0);
    count_ = dims_;
}

herr_t FlatSelection::read(hid_t dataset, hid_t type, hid_t file_space, hid_t memory_space,
                           std::uint64_t first, std::uint64_t count, void* out,
                           std::size_t element_bytes) {
    const auto rank = static_cast<int>(dims_.size());
    auto* bytes = static_cast<unsigned char*>(out);
    if (leading_rank_ == 0) {
        herr_t status = H5Sselect_all(file_space);
        if (status >= 0)
            status = H5Sset_extent_simple(memory_space, rank, dims_.data(), nullptr);
        if (status >= 0)
            status = H5Dread(dataset, type, memory_space, file_space, H5P_DEFAULT, bytes);
        return status;
    }
    hsize_t trailing_elements = 1;
    for (std::size_t dim = leading_rank_; dim < dims_.size(); ++dim)
        trailing_elements *= dims_[dim];

    std::uint64_t at = first;
    const std::uint64_t end = first + count;
    while (at < end) {
        // The outermost dimension `step` whose steps start at `at` and fit in the run: the
        // block covers whole sub-blocks of the dimensions inside it.
        std::size_t step = 0;
        while (at % strides_[step] != 0 || strides_[step] > end - at)
            ++step;
        std::uint64_t rest = at;
        for (std::size_t dim = 0; dim < leading_rank_; ++dim) {
            start_[dim] = rest / strides_[dim];
            rest %= strides_[dim];
            count_[dim] = dim < step ? 1 : dims_[dim];
        }
        count_[step] = std::min<hsize_t>((end - at) / strides_[step], dims_[step] - start_[step]);
        const auto points = count_[step] * strides_[step];

        herr_t status = H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start_.data(), nullptr,
                                            count_.data(), nullptr);
        if (status >= 0)
            status = H5Sset_extent_simple(memory_space, rank, count_.data(), nullptr);
        if (status >= 0)
            status = H5Dread(dataset, type, memory_space, file_space, H5P_DEFAULT,
                             bytes + (at - first) * trailing_elements * element_bytes);
        if (status < 0)
            return status;
        at += points;
    }
    return 0;
}

} // namespace swmrd::core
