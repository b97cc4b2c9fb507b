#pragma once
// What every decoder target checks: bytes decode or are refused with DecodeError (anything
// else escaping is a finding), and a decoded value's encoding is a fixed point: it decodes,
// and encodes to the same bytes again. Bytes are compared, not values, so NaN fields count
// as equal to themselves.

#include <swmrd/proto/decode_error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace swmrd::fuzz {

[[noreturn]] inline void finding(const char* what) {
    std::fprintf(stderr, "finding: %s\n", what);
    std::abort();
}

template <class Decode, class Encode>
void check_round_trip(const std::uint8_t* data, std::size_t size, Decode decode, Encode encode) {
    std::string first;
    try {
        first = encode(decode(data, size));
    } catch (const proto::DecodeError&) {
        return; // refused, as it should be
    }
    std::string second;
    try {
        second = encode(decode(first.data(), first.size()));
    } catch (const proto::DecodeError& error) {
        std::fprintf(stderr, "%s\n", error.what());
        finding("the decoder refuses what the encoder wrote");
    }
    if (first != second)
        finding("encoding what was decoded is not a fixed point");
}

} // namespace swmrd::fuzz
