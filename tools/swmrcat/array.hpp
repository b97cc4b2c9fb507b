#pragma once
// A raw payload part decoded into host values, ready to print.

#include "swmrcat/dtype.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace swmrd::cat {

struct Array {
    Dtype dtype;
    std::vector<std::uint64_t> shape;
    // Widened to one type per kind; float16 and float32 values are exact in a double, and the
    // printer uses `dtype` to print them as NumPy prints their own type.
    std::variant<std::vector<std::int64_t>, std::vector<std::uint64_t>, std::vector<double>,
                 std::vector<bool>>
        values;

    std::size_t size() const;
};

// Reads `bytes` as the values of `dtype` in C order, in either byte order. nullopt when the
// byte count is not product(shape) x item size; `why` then says so.
std::optional<Array> decode_raw(const Dtype& dtype, const std::vector<std::uint64_t>& shape,
                                std::string_view bytes, std::string* why = nullptr);

// IEEE 754 binary16, which HDF5 files can hold and C++20 has no type for.
double half_to_double(std::uint16_t bits);
std::uint16_t float_to_half(float value); // rounds to nearest, ties to even

} // namespace swmrd::cat
