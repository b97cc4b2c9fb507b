#pragma once
// Frame contents as the file stores them: pattern_value() cast to the dtype, in the dtype's
// byte order, so the same bytes serve H5Dwrite and raw chunk writes alike.

#include "options.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace swmrd::sim {

// `out` holds a whole frame: its size is a multiple of dtype.size.
void fill_frame(std::span<std::byte> out, const DType& dtype, std::uint64_t dataset,
                std::uint64_t index);

} // namespace swmrd::sim
