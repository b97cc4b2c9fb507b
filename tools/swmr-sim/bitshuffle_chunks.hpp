#pragma once
// Frames encoded as Eiger and Jungfrau store them: each frame is one chunk, compressed by the
// Bitshuffle HDF5 plugin (filter 32008, LZ4 mode) and written by the caller with
// H5Dwrite_chunk, so the file holds the filter's own framing: the uncompressed size (8 bytes,
// big-endian), the block size in bytes (4 bytes, big-endian), then one LZ4 block per block of
// elements, each behind its 4-byte big-endian length, and the last elements of an odd count
// (fewer than 8) as they are.

#include "hdf5_handle.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace swmrd::sim {

class BitshuffleChunkEncoder {
public:
    // `dcpl` and `file_type` are the data datasets' creation properties (their pipeline holds
    // the Bitshuffle/LZ4 filter, their chunk one frame) and type; `chunk` is that chunk's
    // shape. Throws SimError.
    BitshuffleChunkEncoder(hid_t dcpl, hid_t file_type, const std::vector<hsize_t>& chunk);

    // The stored bytes of the chunk holding `frame` (in the file's type and byte order),
    // valid until the next call. Throws SimError.
    std::span<const std::byte> encode(std::span<const std::byte> frame);

private:
    hid_t file_type_;
    H5Handle scratch_file_;
    H5Handle scratch_dataset_;
    std::vector<hsize_t> chunk_origin_;
    std::vector<std::byte> encoded_;
};

} // namespace swmrd::sim
