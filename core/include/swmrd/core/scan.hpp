#pragma once
// Scan geometry: flat frame indices, positions and swmr_tools' slice metadata.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace swmrd::core {

// The keys' max shape over the scan dimensions; nullopt where a dimension is unlimited.
struct ScanShape {
    std::vector<std::optional<std::uint64_t>> max;

    std::size_t rank() const noexcept { return max.size(); }
    // Number of scan points when every dimension is fixed.
    std::optional<std::uint64_t> total() const noexcept;
};

// One scan dimension of swmr_tools' slice_metadata: slice(start, stop, None).
struct SliceRange {
    std::uint64_t start = 0;
    std::uint64_t stop = 0;
    bool operator==(const SliceRange&) const = default;
};

// C-order position of flat `index` in an array whose leading dimensions are `extent`.
// Throws std::out_of_range when the index lies past the extent.
std::vector<std::uint64_t> unravel(std::uint64_t index, const std::vector<std::uint64_t>& extent);

// The slice metadata of a position: [p, p+1) in every dimension.
std::vector<SliceRange> slices_of(const std::vector<std::uint64_t>& position);

} // namespace swmrd::core
