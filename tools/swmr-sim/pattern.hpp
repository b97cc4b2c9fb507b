#pragma once
// The values swmr-sim writes, so every test can check a frame without a copy of the file.
// Python twin (tests and the Python client's tests use it):
//     modulus = {1: 127, 2: 32749}.get(itemsize, 16777213)
//     value   = (dataset * 1000003 + index * 1009 + element) % modulus
// The moduli keep every value exact in every supported dtype, signed or not, float32
// included (below 2**24).

#include <cstddef>
#include <cstdint>

namespace swmrd::sim {

constexpr std::uint64_t pattern_modulus(std::size_t item_size) noexcept {
    return item_size == 1 ? 127 : item_size == 2 ? 32749 : 16777213;
}

// Element `element` (C order within the frame) of frame `index` of data dataset `dataset`
// (0-based, in the order the simulator names them).
constexpr std::uint64_t pattern_value(std::uint64_t dataset, std::uint64_t index,
                                      std::uint64_t element, std::size_t item_size) noexcept {
    return (dataset * 1000003 + index * 1009 + element) % pattern_modulus(item_size);
}

// The value of every key dataset at frame `index`: a unique id, never zero.
constexpr std::uint64_t key_value(std::uint64_t index) noexcept {
    return index + 1;
}

} // namespace swmrd::sim
