#include "http/frame_values.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace swmrd::daemon {

namespace {

template <typename Unsigned> Unsigned load(const char* data, bool swap) {
    Unsigned value;
    std::memcpy(&value, data, sizeof value);
    if (!swap)
        return value;
    Unsigned swapped = 0;
    for (std::size_t byte = 0; byte < sizeof value; ++byte)
        swapped = static_cast<Unsigned>((swapped << 8) | ((value >> (8 * byte)) & 0xff));
    return swapped;
}

// IEEE half precision, which C++20 has no type for.
double half_to_double(std::uint16_t bits) {
    const int sign = bits >> 15 ? -1 : 1;
    const int exponent = (bits >> 10) & 0x1f;
    const int fraction = bits & 0x3ff;
    if (exponent == 0)
        return sign * std::ldexp(fraction, -24);
    if (exponent == 31)
        return fraction ? std::nan("") : sign * std::numeric_limits<double>::infinity();
    return sign * std::ldexp(fraction + 1024, exponent - 25);
}

// JSON has no NaN or infinity: they become null, as most JSON encoders write them.
nlohmann::json real(double value) {
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

template <typename Convert>
nlohmann::json each(const std::string& bytes, std::size_t size, Convert convert) {
    if (bytes.size() % size != 0)
        throw std::invalid_argument(std::to_string(bytes.size()) +
                                    " bytes are not a whole number "
                                    "of " +
                                    std::to_string(size) + "-byte values");
    auto values = nlohmann::json::array();
    for (std::size_t offset = 0; offset < bytes.size(); offset += size)
        values.push_back(convert(bytes.data() + offset));
    return values;
}

} // namespace

nlohmann::json values_as_json(const std::string& dtype, const std::string& bytes) {
    if (dtype.size() < 3)
        throw std::invalid_argument("unknown dtype " + dtype);
    const char order = dtype[0];
    const char kind = dtype[1];
    const std::size_t size = std::stoul(dtype.substr(2));
    const bool little = std::endian::native == std::endian::little;
    const bool swap = (order == '<' && !little) || (order == '>' && little);
    switch (kind) {
    case 'b':
        return each(bytes, 1, [](const char* data) { return *data != 0; });
    case 'u':
        if (size == 1)
            return each(bytes, 1, [](const char* data) { return load<std::uint8_t>(data, false); });
        if (size == 2)
            return each(bytes, 2,
                        [swap](const char* data) { return load<std::uint16_t>(data, swap); });
        if (size == 4)
            return each(bytes, 4,
                        [swap](const char* data) { return load<std::uint32_t>(data, swap); });
        if (size == 8)
            return each(bytes, 8,
                        [swap](const char* data) { return load<std::uint64_t>(data, swap); });
        break;
    case 'i':
        if (size == 1)
            return each(bytes, 1, [](const char* data) { return static_cast<std::int8_t>(*data); });
        if (size == 2)
            return each(bytes, 2, [swap](const char* data) {
                return static_cast<std::int16_t>(load<std::uint16_t>(data, swap));
            });
        if (size == 4)
            return each(bytes, 4, [swap](const char* data) {
                return static_cast<std::int32_t>(load<std::uint32_t>(data, swap));
            });
        if (size == 8)
            return each(bytes, 8, [swap](const char* data) {
                return static_cast<std::int64_t>(load<std::uint64_t>(data, swap));
            });
        break;
    case 'f':
        if (size == 2)
            return each(bytes, 2, [swap](const char* data) {
                return real(half_to_double(load<std::uint16_t>(data, swap)));
            });
        if (size == 4)
            return each(bytes, 4, [swap](const char* data) {
                return real(std::bit_cast<float>(load<std::uint32_t>(data, swap)));
            });
        if (size == 8)
            return each(bytes, 8, [swap](const char* data) {
                return real(std::bit_cast<double>(load<std::uint64_t>(data, swap)));
            });
        break;
    default:
        break;
    }
    throw std::invalid_argument("dtype " + dtype + " cannot be shown as numbers");
}

} // namespace swmrd::daemon
