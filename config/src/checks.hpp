#pragma once
// Shared pieces of the validators: every error is `<path>: <what is wrong> (line L, column C)`,
// the position only where the value came from YAML, so one validator serves YAML and
// MessagePack alike.

#include "swmrd/config/units.hpp"
#include "swmrd/proto/value.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace swmrd::config::detail {

// " (line L, column C)", or "" without a mark.
std::string position(const std::optional<proto::Mark>& mark);

[[noreturn]] void fail(const std::string& path, const std::string& message,
                       const std::optional<proto::Mark>& mark);

// "watches[0]" + "timeout" -> "watches[0].timeout"; an empty parent is the top level.
std::string child_path(const std::string& parent, const std::string& key);
std::string element_path(const std::string& parent, std::size_t index);

std::string quoted(const std::string& text);
// What a value is, with the value itself when it is short: `the string "10 parsecs"`,
// `the number 5`, `a list`, `null`. Reads as the end of "expected X, got ...".
std::string describe(const proto::Value& value);

// The map under `value`, or an error saying that `what` was expected.
const proto::Map& expect_map(const proto::Value& value, const std::string& path,
                             const std::string& what);
const proto::Array& expect_array(const proto::Value& value, const std::string& path,
                                 const std::string& what);
const std::string& expect_string(const proto::Value& value, const std::string& path,
                                 const std::string& what);

// Every key of `map_value` must be one of `known`, and appear once. `what` names the thing
// in the message ("a watch", "the config"); a near miss gets a "did you mean".
void check_keys(const proto::Value& map_value, const std::string& path,
                std::initializer_list<std::string_view> known, const std::string& what);

// A number of seconds or a string with a unit; more than zero.
Seconds expect_duration(const proto::Value& value, const std::string& path);
// A whole number of bytes or a string with a unit; more than zero.
std::uint64_t expect_size(const proto::Value& value, const std::string& path);
// A whole number in [min, max].
std::uint64_t expect_count(const proto::Value& value, const std::string& path, std::uint64_t min,
                           std::uint64_t max);
// One of `choices`, returned as its index.
std::size_t expect_choice(const proto::Value& value, const std::string& path,
                          std::initializer_list<std::string_view> choices);

// A string starting with `/`; `what` names it in messages ("an absolute HDF5 path").
const std::string& expect_absolute(const proto::Value& value, const std::string& path,
                                   const std::string& what);

bool has_glob_characters(std::string_view text);

} // namespace swmrd::config::detail
