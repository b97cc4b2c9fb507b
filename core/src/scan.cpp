#include "swmrd/core/scan.hpp"

#include <stdexcept>
#include <string>

namespace swmrd::core {

std::optional<std::uint64_t> ScanShape::total() const noexcept {
    std::uint64_t points = 1;
    for (const auto& size : max) {
        if (!size)
            return std::nullopt;
        points *= *size;
    }
    return points;
}

std::vector<std::uint64_t> unravel(std::uint64_t index, const std::vector<std::uint64_t>& extent) {
    std::uint64_t points = 1;
    for (auto size : extent)
        points *= size;
    if (index >= points)
        throw std::out_of_range("index " + std::to_string(index) + " lies past an extent of " +
                                std::to_string(points) + " points");
    std::vector<std::uint64_t> position(extent.size());
    for (std::size_t dim = extent.size(); dim-- > 0;) {
        position[dim] = index % extent[dim];
        index /= extent[dim];
    }
    return position;
}

std::vector<SliceRange> slices_of(const std::vector<std::uint64_t>& position) {
    std::vector<SliceRange> slices;
    slices.reserve(position.size());
    for (auto p : position)
        slices.push_back({p, p + 1});
    return slices;
}

} // namespace swmrd::core
