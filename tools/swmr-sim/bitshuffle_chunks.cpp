#include "bitshuffle_chunks.hpp"

#include "sim_error.hpp"

#include <cstdint>
#include <string>

namespace swmrd::sim {

// How a frame gets encoded: HDF5 itself runs its filter pipeline on the frame, as one chunk of
// a one-chunk dataset in an in-memory file (core driver, nothing on disk), and H5Dread_chunk
// takes the stored bytes back out for H5Dwrite_chunk into the real file.
//
// Why not call the plugin's filter function directly: HDF5 has no public call that hands out
// a registered filter's H5Z_class2_t (H5Zget_filter_info only reports whether it encodes and
// decodes), so that would mean finding and dlopen()ing libh5bshuf.so ourselves, repeating
// HDF5's plugin search (HDF5_PLUGIN_PATH, HDF5_PLUGIN_PRELOAD, the built-in default folder)
// and its buffer contract (the filter frees the buffer it is given and returns its own).
// Going through HDF5 uses exactly the filter HDF5 loaded, with the cd_values its set_local
// gave the real datasets (same creation properties, same type), and HDF5 manages the buffers.
// The cost, an extra copy of the compressed chunk and a chunk-index update in memory, is small
// beside the compression itself; each frame rewrites the same chunk, whose freed space HDF5
// reuses, so the in-memory file does not grow with the frames.
BitshuffleChunkEncoder::BitshuffleChunkEncoder(hid_t dcpl, hid_t file_type,
                                               const std::vector<hsize_t>& chunk)
    : file_type_(file_type), chunk_origin_(chunk.size(), 0) {
    const std::string what = "setting up the Bitshuffle encoder (an in-memory HDF5 file)";
    auto fapl = check_id(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, what);
    constexpr std::size_t memory_increment = std::size_t{1} << 20;
    check(H5Pset_fapl_core(fapl.get(), memory_increment, false), what);
    // A name no other in-memory file of this process uses: without a backing store, the
    // core driver tells files apart by name.
    scratch_file_ = check_id(H5Fcreate("swmr-sim bitshuffle encoder (in memory)", H5F_ACC_TRUNC,
                                       H5P_DEFAULT, fapl.get()),
                             H5Fclose, what);
    auto space = check_id(H5Screate_simple(static_cast<int>(chunk.size()), chunk.data(), nullptr),
                          H5Sclose, what);
    // No chunk cache: each write runs the pipeline and stores the chunk at once, so
    // H5Dread_chunk finds it in the file.
    auto dapl = check_id(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose, what);
    check(H5Pset_chunk_cache(dapl.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
                             H5D_CHUNK_CACHE_W0_DEFAULT),
          what);
    scratch_dataset_ = check_id(H5Dcreate2(scratch_file_.get(), "frame", file_type, space.get(),
                                           H5P_DEFAULT, dcpl, dapl.get()),
                                H5Dclose, what);
}

std::span<const std::byte> BitshuffleChunkEncoder::encode(std::span<const std::byte> frame) {
    const std::string what = "encoding a frame with the Bitshuffle plugin";
    // The frame is already in the file's type and byte order: no conversion.
    check(H5Dwrite(scratch_dataset_.get(), file_type_, H5S_ALL, H5S_ALL, H5P_DEFAULT, frame.data()),
          what);
    hsize_t stored = 0;
    check(H5Dget_chunk_storage_size(scratch_dataset_.get(), chunk_origin_.data(), &stored), what);
    encoded_.resize(stored);
    std::uint32_t skipped_filters = 0;
    check(H5Dread_chunk(scratch_dataset_.get(), H5P_DEFAULT, chunk_origin_.data(), &skipped_filters,
                        encoded_.data()),
          what);
    if (skipped_filters != 0) {
        // Cannot happen with a mandatory filter; the file would be wrong if it did.
        throw SimError(what + ": HDF5 stored the chunk without the filter (mask " +
                       std::to_string(skipped_filters) + ")");
    }
    return encoded_;
}

} // namespace swmrd::sim
