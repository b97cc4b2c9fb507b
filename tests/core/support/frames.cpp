#include "frames.hpp"

#include "swmr-sim/pattern.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace swmrd::core::test {

namespace {

template <class T> void put(std::vector<std::byte>& out, std::uint64_t value, bool big_endian) {
    const T converted = static_cast<T>(value);
    std::byte bytes[sizeof(T)];
    std::memcpy(bytes, &converted, sizeof(T));
    if (big_endian)
        std::reverse(std::begin(bytes), std::end(bytes));
    out.insert(out.end(), std::begin(bytes), std::end(bytes));
}

} // namespace

std::vector<std::byte> expected_frame(const std::string& dtype, std::uint64_t dataset,
                                      std::uint64_t index, std::uint64_t elements) {
    if (dtype.size() != 3)
        throw std::invalid_argument("dtype " + dtype);
    const bool big = dtype[0] == '>';
    const char kind = dtype[1];
    const std::size_t size = static_cast<std::size_t>(dtype[2] - '0');
    std::vector<std::byte> out;
    out.reserve(elements * size);
    for (std::uint64_t j = 0; j < elements; ++j) {
        const auto value = sim::pattern_value(dataset, index, j, size);
        if (kind == 'f' && size == 4)
            put<float>(out, value, big);
        else if (kind == 'f' && size == 8)
            put<double>(out, value, big);
        else if (size == 1)
            put<std::uint8_t>(out, value, big);
        else if (size == 2)
            put<std::uint16_t>(out, value, big);
        else if (size == 4)
            put<std::uint32_t>(out, value, big);
        else
            put<std::uint64_t>(out, value, big);
    }
    return out;
}

bool frame_matches(std::span<const std::byte> bytes, const std::string& dtype,
                   std::uint64_t dataset, std::uint64_t index, std::uint64_t elements,
                   std::string* why) {
    const auto expected = expected_frame(dtype, dataset, index, elements);
    if (bytes.size() == expected.size() && std::equal(bytes.begin(), bytes.end(), expected.begin()))
        return true;
    if (why != nullptr) {
        *why = "frame " + std::to_string(index) + " of dataset " + std::to_string(dataset) + ": " +
               std::to_string(bytes.size()) + " bytes, expected " + std::to_string(expected.size());
        const auto n = std::min(bytes.size(), expected.size());
        for (std::size_t b = 0; b < n; ++b) {
            if (bytes[b] != expected[b]) {
                *why += ", first difference at byte " + std::to_string(b) + " (read " +
                        std::to_string(static_cast<int>(bytes[b])) + ", expected " +
                        std::to_string(static_cast<int>(expected[b])) + ")";
                break;
            }
        }
    }
    return false;
}

} // namespace swmrd::core::test
