#pragma once

#include <string>

namespace swmrd::daemon {

// 128 random bits in hex: unique for every run and every daemon start, across restarts and
// hosts, without coordination.
std::string new_run_id();

} // namespace swmrd::daemon
