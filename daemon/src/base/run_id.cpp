#include "base/run_id.hpp"

#include <cstdint>
#include <cstdio>
#include <random>

namespace swmrd::daemon {

std::string new_run_id() {
    thread_local std::random_device device;
    std::uint32_t words[4];
    for (auto& word : words)
        word = device();
    char text[33];
    std::snprintf(text, sizeof text, "%08x%08x%08x%08x", words[0], words[1], words[2], words[3]);
    return text;
}

} // namespace swmrd::daemon
