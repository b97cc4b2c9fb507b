#pragma once
// `swmrctl top`'s loop: a `list` request per refresh, the screen drawn in place on a terminal
// (plain blocks otherwise), until the count of refreshes or a signal.

#include "swmrctl/options.hpp"

#include <string>

namespace swmrd::ctl {

// Returns the exit status: 0 after `settings.count` refreshes or on SIGINT, SIGTERM or
// SIGHUP, with the terminal as it was (cursor shown again). A daemon that does not answer
// is shown on the screen, not an exit. Throws zmq::error_t for an endpoint ZeroMQ cannot use.
int run_top(const std::string& endpoint, config::Seconds reply_timeout,
            const TopSettings& settings);

} // namespace swmrd::ctl
