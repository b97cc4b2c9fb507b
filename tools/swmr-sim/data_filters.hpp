#pragma once
// The filter each --compression puts in the data datasets' pipelines, and the check, made
// before any file is created, that this HDF5 can load it.

#include "options.hpp"

#include <hdf5.h>

#include <string>

namespace swmrd::sim {

constexpr H5Z_filter_t lz4_filter = 32004;
constexpr H5Z_filter_t blosc_filter = 32001;
constexpr H5Z_filter_t bitshuffle_filter = 32008;
// Bitshuffle's cd_values[4] for "bitshuffle, then LZ4" (BSHUF_H5_COMPRESS_LZ4).
constexpr unsigned bitshuffle_lz4_mode = 2;

// Throws SimError naming the filter (and for Bitshuffle the Debian package that provides
// it) when HDF5 cannot load what `compression` needs.
void require_filter_plugin(Compression compression);

// Adds `compression`'s filter, as mandatory, to the dataset creation properties `dcpl`.
void add_compression_filter(hid_t dcpl, Compression compression, const std::string& what);

} // namespace swmrd::sim
