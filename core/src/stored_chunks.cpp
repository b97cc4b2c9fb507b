#include "stored_chunks.hpp"

#include <cstdint>

namespace swmrd::core {

bool read_stored_chunks(hid_t dataset, std::span<const hsize_t> coordinates, std::size_t rank,
                        std::size_t frame_bytes, std::span<std::byte> out) {
    const auto frames = rank == 0 ? 0 : coordinates.size() / rank;
    if (frames == 0 || out.size() < frames * frame_bytes)
        return false;
    for (std::size_t frame = 0; frame < frames; ++frame) {
        std::uint32_t filter_mask = 0;
        if (H5Dread_chunk(dataset, H5P_DEFAULT, coordinates.data() + frame * rank, &filter_mask,
                          out.data() + frame * frame_bytes) < 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
    }
    return true;
}

} // namespace swmrd::core
