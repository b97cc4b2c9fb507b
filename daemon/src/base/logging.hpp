#pragma once
// spdlog to stderr. Under systemd (JOURNAL_STREAM set) lines carry a syslog priority prefix
// instead of a timestamp, so the journal records levels and its own times.

#include <string>

namespace swmrd::daemon {

void setup_logging(const std::string& level);
// Throws std::invalid_argument for a level spdlog does not know.
void set_log_level(const std::string& level);

} // namespace swmrd::daemon
