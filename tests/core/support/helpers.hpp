#pragma once
// Small helpers shared by the test files.

#include "support/test_file.hpp"

#include <swmrd/core/key_follower.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <doctest/doctest.h>

#include <hdf5.h>

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

// Reads as a host without HDF5 filter plugins does, whatever plugins this machine has
// (Debian's `bitshuffle` provides 32008, as Eiger sites have it): while it lives, HDF5
// loads no plugin, and `filter`, if one was loaded already, is unregistered.
class WithoutFilterPlugins {
public:
    explicit WithoutFilterPlugins(H5Z_filter_t filter) {
        H5PLget_loading_state(&saved_);
        H5PLset_loading_state(0);
        if (H5Zfilter_avail(filter) > 0)
            H5Zunregister(filter);
    }
    ~WithoutFilterPlugins() { H5PLset_loading_state(saved_); }
    WithoutFilterPlugins(const WithoutFilterPlugins&) = delete;
    WithoutFilterPlugins& operator=(const WithoutFilterPlugins&) = delete;

    // The same for a child process, through its environment.
    static constexpr const char* environment = "HDF5_PLUGIN_PRELOAD=::";

private:
    unsigned saved_ = 0;
};

// doctest::Contains from a std::string (it only takes its own String).
inline doctest::Contains contains(const std::string& text) {
    return doctest::Contains(text.c_str());
}

} // namespace swmrd::core::test
