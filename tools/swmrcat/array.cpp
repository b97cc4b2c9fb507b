#include "swmrcat/array.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace swmrd::cat {

namespace {

std::uint64_t load(const unsigned char* p, std::size_t size, bool big_endian) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i) {
        const std::size_t shift = big_endian ? (size - 1 - i) * 8 : i * 8;
        v |= static_cast<std::uint64_t>(p[i]) << shift;
    }
    return v;
}

std::int64_t sign_extend(std::uint64_t v, std::size_t size) {
    if (size == 8)
        return static_cast<std::int64_t>(v);
    const std::uint64_t sign_bit = std::uint64_t{1} << (size * 8 - 1);
    return static_cast<std::int64_t>((v ^ sign_bit) - sign_bit);
}

double to_double(std::uint64_t v, std::size_t size) {
    switch (size) {
    case 2:
        return half_to_double(static_cast<std::uint16_t>(v));
    case 4:
        return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(v)));
    default:
        return std::bit_cast<double>(v);
    }
}

} // namespace

std::size_t Array::size() const {
    return std::visit([](const auto& v) { return v.size(); }, values);
}

std::optional<Array> decode_raw(const Dtype& dtype, const std::vector<std::uint64_t>& shape,
                                std::string_view bytes, std::string* why) {
    std::uint64_t count = 1;
    for (const auto d : shape)
        count *= d;
    if (count * dtype.size != bytes.size()) {
        if (why != nullptr)
            *why = std::to_string(bytes.size()) + " bytes where the shape needs " +
                   std::to_string(count * dtype.size);
        return std::nullopt;
    }
    const auto n = static_cast<std::size_t>(count);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    Array array{dtype, shape, {}};
    switch (dtype.kind) {
    case DtypeKind::signed_int: {
        std::vector<std::int64_t> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = sign_extend(load(p + i * dtype.size, dtype.size, dtype.big_endian), dtype.size);
        array.values = std::move(v);
        break;
    }
    case DtypeKind::unsigned_int: {
        std::vector<std::uint64_t> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = load(p + i * dtype.size, dtype.size, dtype.big_endian);
        array.values = std::move(v);
        break;
    }
    case DtypeKind::floating: {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = to_double(load(p + i * dtype.size, dtype.size, dtype.big_endian), dtype.size);
        array.values = std::move(v);
        break;
    }
    case DtypeKind::boolean: {
        std::vector<bool> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = p[i] != 0;
        array.values = std::move(v);
        break;
    }
    }
    return array;
}

double half_to_double(std::uint16_t bits) {
    const bool negative = (bits & 0x8000u) != 0;
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    double magnitude = 0.0;
    if (exponent == 0)
        magnitude = std::ldexp(mantissa, -24);
    else if (exponent == 0x1f)
        magnitude = mantissa == 0 ? std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::quiet_NaN();
    else
        magnitude = std::ldexp(mantissa + 1024, exponent - 25);
    return negative ? -magnitude : magnitude;
}

std::uint16_t float_to_half(float value) {
    const auto x = std::bit_cast<std::uint32_t>(value);
    const auto sign = static_cast<std::uint32_t>((x >> 16) & 0x8000u);
    std::uint32_t mantissa = x & 0x7fffffu;
    const int exponent = static_cast<int>((x >> 23) & 0xffu);
    if (exponent == 0xff)
        return static_cast<std::uint16_t>(sign | 0x7c00u | (mantissa != 0 ? 0x200u : 0u));
    const int e = exponent - 127 + 15;
    if (e >= 0x1f)
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10)
            return static_cast<std::uint16_t>(sign);
        mantissa |= 0x800000u;
        const auto shift = static_cast<unsigned>(14 - e);
        std::uint32_t half = mantissa >> shift;
        const std::uint32_t rest = mantissa & ((1u << shift) - 1);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u) != 0))
            ++half;
        return static_cast<std::uint16_t>(sign | half);
    }
    std::uint32_t half = sign | (static_cast<std::uint32_t>(e) << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1fffu;
    // A carry out of the mantissa correctly bumps the exponent, up to infinity.
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u) != 0))
        ++half;
    return static_cast<std::uint16_t>(half);
}

} // namespace swmrd::cat
