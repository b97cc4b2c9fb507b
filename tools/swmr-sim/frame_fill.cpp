#include "frame_fill.hpp"

#include "pattern.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace swmrd::sim {

namespace {

// pattern_value(dataset, index, j) for successive j is a counter that wraps at the
// modulus: stepping it avoids a division per element on megapixel frames.
template <typename T>
void fill_typed(std::span<std::byte> out, std::uint64_t dataset, std::uint64_t index) {
    const auto modulus = pattern_modulus(sizeof(T));
    auto value = pattern_value(dataset, index, 0, sizeof(T));
    const std::size_t count = out.size() / sizeof(T);
    auto* data = out.data();
    for (std::size_t j = 0; j < count; ++j) {
        const auto element = static_cast<T>(value);
        std::memcpy(data + j * sizeof(T), &element, sizeof(T));
        if (++value == modulus) {
            value = 0;
        }
    }
}

void swap_bytes(std::span<std::byte> out, std::size_t item_size) {
    for (std::size_t at = 0; at + item_size <= out.size(); at += item_size) {
        std::reverse(out.begin() + static_cast<std::ptrdiff_t>(at),
                     out.begin() + static_cast<std::ptrdiff_t>(at + item_size));
    }
}

} // namespace

void fill_frame(std::span<std::byte> out, const DType& dtype, std::uint64_t dataset,
                std::uint64_t index) {
    switch (dtype.kind) {
    case 'f':
        dtype.size == 4 ? fill_typed<float>(out, dataset, index)
                        : fill_typed<double>(out, dataset, index);
        break;
    case 'i':
        switch (dtype.size) {
        case 1:
            fill_typed<std::int8_t>(out, dataset, index);
            break;
        case 2:
            fill_typed<std::int16_t>(out, dataset, index);
            break;
        case 4:
            fill_typed<std::int32_t>(out, dataset, index);
            break;
        default:
            fill_typed<std::int64_t>(out, dataset, index);
        }
        break;
    default:
        switch (dtype.size) {
        case 1:
            fill_typed<std::uint8_t>(out, dataset, index);
            break;
        case 2:
            fill_typed<std::uint16_t>(out, dataset, index);
            break;
        case 4:
            fill_typed<std::uint32_t>(out, dataset, index);
            break;
        default:
            fill_typed<std::uint64_t>(out, dataset, index);
        }
    }
    const bool host_big = std::endian::native == std::endian::big;
    if (dtype.size > 1 && dtype.big_endian != host_big) {
        swap_bytes(out, dtype.size);
    }
}

} // namespace swmrd::sim
