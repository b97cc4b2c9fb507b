#pragma once
// Finding and opening the datasets a reader follows, with messages that name them.

#include "handle.hpp"

#include "swmrd/core/swmr_file.hpp"

#include <hdf5.h>

#include <optional>
#include <string>
#include <vector>

namespace swmrd::core {

enum class ObjectKind { missing, dataset, other };

// Looks `path` up link by link, so a missing group on the way is "missing", not an error.
ObjectKind object_kind(hid_t location, const std::string& path, hid_t link_access = H5P_DEFAULT);

// Opens dataset `path`; `role` ("key dataset", "dataset"…) starts the error messages.
DatasetHandle open_dataset(const SwmrFile& file, const std::string& path, const std::string& role);

struct Extent {
    std::vector<hsize_t> dims;
    std::vector<hsize_t> max_dims;
};

// The current extent of `dataset` (rank 0 for a scalar).
Extent dataset_extent(hid_t dataset, const std::string& what);

// Product of `dims`, 1 for none.
// The number of elements of an extent; saturates at the largest hsize_t rather than wrap.
hsize_t product(const hsize_t* dims, std::size_t rank) noexcept;
// The same, or nullopt when it does not fit in 64 bits (a hostile file's declaration).
std::optional<hsize_t> checked_product(const hsize_t* dims, std::size_t rank) noexcept;

// HDF5's H5T_class_t in words, for messages.
const char* type_class_name(H5T_class_t type_class) noexcept;

// "(2, 3, unlimited)"
std::string shape_text(const std::vector<hsize_t>& dims);

} // namespace swmrd::core
