#pragma once
// A frame's bytes as numbers, for the JSON form of /api/v1/watches/<name>/latest: the dtypes
// swmrd streams (integers, floats of 2, 4 and 8 bytes, bool; either byte order).

#include <nlohmann/json.hpp>

#include <string>

namespace swmrd::daemon {

// A flat array in C order. Throws std::invalid_argument for a dtype it does not know or bytes
// that are not a whole number of values.
nlohmann::json values_as_json(const std::string& dtype, const std::string& bytes);

} // namespace swmrd::daemon
