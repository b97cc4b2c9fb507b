#pragma once
// Value <-> MessagePack bytes, for tools and tests that handle maps generically
// (the JSON twins of the test vectors, swmrctl --json).

#include "swmrd/proto/value.hpp"

#include <cstddef>
#include <string>

namespace swmrd::proto {

// Throws DecodeError when the bytes are not exactly one MessagePack object, or hold what no v1
// message holds: binary or extension values, map keys that are not strings. Integers come back
// as int64, and as uint64 only above INT64_MAX, whatever MessagePack format carried them.
Value decode_value(const void* data, std::size_t size);
// Integers in their smallest MessagePack format, doubles as float64.
std::string encode_value(const Value& value);
// JSON text of a value on one line, in the style of Python's json.dumps: maps keep their order,
// nil is null, integers are exact, floats round-trip and always show a `.` or an exponent.
// JSON cannot hold NaN or infinity: they become null; bytes of a string that are not UTF-8
// become U+FFFD.
std::string to_json(const Value& value);

} // namespace swmrd::proto
