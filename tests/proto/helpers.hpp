#pragma once
// Small tools shared by the proto tests: building malformed messages from valid ones, and
// comparing Values (which have no operator==, as marks do not take part in equality).

#include "swmrd/proto/decode_error.hpp"
#include "swmrd/proto/msgpack_value.hpp"
#include "swmrd/proto/value.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

namespace swmrd::proto::testing {

bool same_value(const Value& a, const Value& b);

// The map of an encoded message, to edit and encode again.
Map map_of(const std::string& bytes);
std::string bytes_of(Map map);
// `bytes` with `key` of its top-level map set to `value` (added at the end if absent).
std::string with_field(const std::string& bytes, const std::string& key, Value value);
std::string without_field(const std::string& bytes, const std::string& key);

// The DecodeError `decode` throws; fails the test if it throws nothing.
DecodeError decode_error(const std::function<void()>& decode);

inline Value text(const char* s) {
    return Value{std::string(s)};
}
inline Value integer(std::int64_t i) {
    return Value{i};
}

} // namespace swmrd::proto::testing
