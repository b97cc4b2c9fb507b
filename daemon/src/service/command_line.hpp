#pragma once
// swmrd's command line, parsed with CLI11.

#include "service/daemon.hpp"

#include <optional>
#include <string>
#include <variant>

namespace swmrd::daemon {

struct RunDaemon {
    DaemonOptions options;
};
struct CheckConfig {
    std::string path;
};
struct ShowVersion {};
struct ShowHelp {};
// A usage error: the message says what was wrong.
struct UsageError {
    std::string message;
};

using Command = std::variant<RunDaemon, CheckConfig, ShowVersion, ShowHelp, UsageError>;

Command parse_command_line(int argc, const char* const* argv);
// The --help text, built from the same option definitions as the parser.
const char* usage_text();

} // namespace swmrd::daemon
