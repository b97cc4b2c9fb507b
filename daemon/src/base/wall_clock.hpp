#pragma once
// The time of day, as the daemon stamps it: in messages' envelopes (seconds since the Unix
// epoch, docs/protocol.md, Message layout) and against file times (nanoseconds).

#include <cstdint>

namespace swmrd::daemon {

double unix_time_now();
std::int64_t unix_time_now_ns();

} // namespace swmrd::daemon
