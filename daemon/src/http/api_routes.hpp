#pragma once
// /api/v1/… (docs/protocol.md, HTTP): the control channel's `list`, `status` and `runs` replies
// as JSON, the newest frame of a dataset, and the overview the live view draws.

#include "http/http_server.hpp"

#include <chrono>

namespace swmrd::daemon {

// How long an HTTP request waits for the control loop before answering 503.
inline constexpr std::chrono::milliseconds control_loop_patience{2000};

void add_api_routes(HttpRoutes& routes, DaemonAccess& access, LatestFrames& latest);

} // namespace swmrd::daemon
