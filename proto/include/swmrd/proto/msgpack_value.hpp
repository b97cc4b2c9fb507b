#pragma once
// Value <-> MessagePack bytes, for tools and tests that handle maps generically
// (the JSON twins of the test vectors, swmrctl --json).

#include "swmrd/proto/value.hpp"

#include <cstddef>
#include <string>

namespace swmrd::proto {

// Throws DecodeError when the bytes are not exactly one MessagePack object.
Value decode_value(const void* data, std::size_t size);
std::string encode_value(const Value& value);
// JSON text of a value (nil -> null); maps keep their order.
std::string to_json(const Value& value);

} // namespace swmrd::proto
