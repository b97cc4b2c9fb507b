#pragma once
// swmrcat's loop: subscribe, print every message, watch seq, stop when asked.

#include "swmrcat/options.hpp"

#include <csignal>
#include <cstdio>

namespace swmrd::cat {

// Runs until --count or --exit-on-end is satisfied or `stop` turns non-zero (set by a signal
// handler), printing messages to `out` and notes, gaps and stats to `err`. Returns the exit
// status. Throws zmq::error_t when an endpoint cannot be connected.
int run_subscriber(const CatOptions& options, std::FILE* out, std::FILE* err,
                   const volatile std::sig_atomic_t& stop);

} // namespace swmrd::cat
