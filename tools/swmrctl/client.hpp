#pragma once
// One control request, one reply, or nothing: swmrctl never hangs on a daemon that is down.

#include <swmrd/config/units.hpp>

#include <csignal>
#include <optional>
#include <string>

namespace swmrd::ctl {

// Sends `request` on a fresh REQ socket connected to `endpoint` and waits at most `timeout`
// for the reply. nullopt when none came in time (the daemon is down, unreachable or stuck),
// or as soon as `*interrupted` is set (by a signal handler: `top` quits on Ctrl-C without
// waiting out the timeout). Nothing lingers on return. Throws zmq::error_t for an endpoint
// ZeroMQ cannot use.
std::optional<std::string> request_reply(const std::string& endpoint, const std::string& request,
                                         config::Seconds timeout,
                                         const volatile std::sig_atomic_t* interrupted = nullptr);

} // namespace swmrd::ctl
