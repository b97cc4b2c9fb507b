#include "data_filters.hpp"

#include "hdf5_handle.hpp"
#include "sim_error.hpp"

namespace swmrd::sim {

namespace {

constexpr unsigned deflate_level = 4;
constexpr const char* plugin_folder = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";

void require(H5Z_filter_t id, const std::string& choice, const std::string& filter_name,
             const std::string& install) {
    if (H5Zfilter_avail(id) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        throw SimError("--compression " + choice + " needs HDF5 filter " + std::to_string(id) +
                       " (" + filter_name + "), which this HDF5 cannot load: " + install);
    }
}

} // namespace

void require_filter_plugin(Compression compression) {
    const std::string any_plugin =
        std::string("install its filter plugin (") + plugin_folder + ", or set HDF5_PLUGIN_PATH)";
    switch (compression) {
    case Compression::lz4:
        require(lz4_filter, "lz4", "lz4", any_plugin);
        break;
    case Compression::blosc:
        require(blosc_filter, "blosc", "blosc", any_plugin);
        break;
    case Compression::deflate:
        require(H5Z_FILTER_DEFLATE, "deflate", "deflate", any_plugin);
        break;
    case Compression::bitshuffle:
        require(bitshuffle_filter, "bitshuffle", "Bitshuffle",
                std::string("install the Debian package bitshuffle (its plugin libh5bshuf.so "
                            "goes to ") +
                    plugin_folder + "), or set HDF5_PLUGIN_PATH to a folder holding it");
        break;
    case Compression::none:
        break;
    }
}

void add_compression_filter(hid_t dcpl, Compression compression, const std::string& what) {
    switch (compression) {
    case Compression::lz4:
        check(H5Pset_filter(dcpl, lz4_filter, H5Z_FLAG_MANDATORY, 0, nullptr), what);
        break;
    case Compression::blosc: {
        // Slots 0-3 (versions, type size, chunk size) are filled by the plugin's set_local;
        // then level 5, byte shuffle, blosclz.
        const unsigned cd_values[] = {0, 0, 0, 0, 5, 1, 0};
        check(H5Pset_filter(dcpl, blosc_filter, H5Z_FLAG_MANDATORY, 7, cd_values), what);
        break;
    }
    case Compression::deflate:
        check(H5Pset_deflate(dcpl, deflate_level), what);
        break;
    case Compression::bitshuffle: {
        // Only the user's part: block size 0 (the default, 8 KiB blocks) and LZ4. The
        // plugin's set_local prepends the three reserved slots (its major and minor version,
        // the element size) and shifts what it is given past them, so the pipeline ends up
        // {major, minor, element size, 0, 2} as in Eiger files. Passing all five here would
        // be shifted too, leaving slot 4 at 0: bitshuffle without LZ4. (hdf5plugin's
        // Bitshuffle(cname="lz4") and bitshuffle.h5 pass these same two values.)
        const unsigned cd_values[] = {0, bitshuffle_lz4_mode};
        check(H5Pset_filter(dcpl, bitshuffle_filter, H5Z_FLAG_MANDATORY, 2, cd_values), what);
        break;
    }
    case Compression::none:
        break;
    }
}

} // namespace swmrd::sim
