#pragma once
// Raw payload bytes for the formatting tests, in either byte order.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace swmrd::tools::test {

template <typename T> std::string raw_bytes(const std::vector<T>& values, bool big_endian) {
    std::string bytes;
    for (const T v : values) {
        char item[sizeof(T)];
        std::memcpy(item, &v, sizeof(T));
        for (std::size_t i = 0; i < sizeof(T); ++i)
            bytes += item[big_endian ? sizeof(T) - 1 - i : i];
    }
    return bytes;
}

} // namespace swmrd::tools::test
