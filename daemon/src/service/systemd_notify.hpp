#pragma once
// systemd's notify protocol (Type=notify): readiness, stopping, status and watchdog pings.
// Does nothing when the daemon does not run under systemd (no NOTIFY_SOCKET).

#include <chrono>
#include <optional>
#include <string>

namespace swmrd::daemon {

void notify_ready(const std::string& status);
void notify_stopping();
void notify_reloading();
void notify_status(const std::string& status);
void notify_watchdog();
// Half of WatchdogSec when the unit sets it: how often to ping.
std::optional<std::chrono::microseconds> watchdog_interval();

} // namespace swmrd::daemon
