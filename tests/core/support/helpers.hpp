#pragma once
// Small helpers shared by the test files.

#include "support/test_file.hpp"

#include <swmrd/core/key_follower.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace swmrd::core::test {

// Opens a file that is already complete or in SWMR mode; the deadline is a hang guard.
inline SwmrFile open_file(const std::string& path) {
    return SwmrFile::open(path, Clock::now() + std::chrono::seconds(30));
}

inline std::vector<std::int64_t> ones(std::size_t n) {
    return std::vector<std::int64_t>(n, 1);
}

// A follower whose timeout never fires unless a test drives `now` past it.
inline KeyFollowerOptions keys_options(std::vector<std::string> keys,
                                       std::optional<std::string> finished = std::nullopt) {
    return KeyFollowerOptions{std::move(keys), std::move(finished), Seconds(3600.0)};
}

// doctest::Contains from a std::string (it only takes its own String).
inline doctest::Contains contains(const std::string& text) {
    return doctest::Contains(text.c_str());
}

} // namespace swmrd::core::test
