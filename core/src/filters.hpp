#pragma once
// A dataset's filter pipeline as FilterInfo, including the filters this host cannot load.

#include "swmrd/core/frame_reader.hpp"

#include <hdf5.h>

#include <string>
#include <vector>

namespace swmrd::core {

// The filters of dataset creation property list `dcpl`, in the order HDF5 applied them.
std::vector<FilterInfo> read_filters(hid_t dcpl, const std::string& dataset_what);

// The usual name of a registered filter id, or nullptr: HDF5 cannot name a filter whose
// plugin it never loaded.
const char* well_known_filter_name(unsigned id) noexcept;
// The Debian package that provides the filter's HDF5 plugin, or nullptr.
const char* plugin_package(unsigned id) noexcept;

} // namespace swmrd::core
