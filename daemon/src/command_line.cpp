#include "command_line.hpp"

#include <string_view>

namespace swmrd::daemon {

const char* usage_text() {
    return R"(usage: swmrd --config FILE [--log-level LEVEL] [--endpoints-file FILE]
       swmrd --check-config FILE
       swmrd --version

Streams the frames of live SWMR HDF5 files over ZeroMQ (see /usr/share/doc/swmrd/protocol.md).

  --config FILE          run the service with this YAML config
  --check-config FILE    validate FILE and exit: 0 when valid, 1 with the error otherwise
  --log-level LEVEL      trace, debug, info, warn, error, critical or off; overrides the
                         config's log.level
  --endpoints-file FILE  once bound, write the control and publish endpoints to FILE, one
                         "control ENDPOINT" / "publish ENDPOINT" line each (wildcard ports
                         such as tcp://127.0.0.1:* resolved)
  --version              print the version and exit
  --help                 print this text and exit

Signals: SIGTERM or SIGINT end every run with reason `shutdown` and exit 0; SIGHUP reloads
the config file (a config with an error is logged and the running one kept).
)";
}

Command parse_command_line(int argc, const char* const* argv) {
    std::optional<std::string> config;
    std::optional<std::string> check;
    DaemonOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string_view option) -> std::optional<std::string> {
            if (i + 1 >= argc)
                return std::nullopt;
            (void)option;
            return std::string(argv[++i]);
        };
        if (arg == "--help" || arg == "-h")
            return ShowHelp{};
        if (arg == "--version")
            return ShowVersion{};
        if (arg == "--config" || arg == "--check-config" || arg == "--log-level" ||
            arg == "--endpoints-file") {
            auto v = value(arg);
            if (!v)
                return UsageError{std::string(arg) + " needs a value"};
            if (arg == "--config")
                config = *v;
            else if (arg == "--check-config")
                check = *v;
            else if (arg == "--log-level")
                options.log_level = *v;
            else
                options.endpoints_file = *v;
            continue;
        }
        return UsageError{"unknown argument \"" + std::string(arg) + "\""};
    }
    if (check && config)
        return UsageError{"--config and --check-config exclude each other"};
    if (check)
        return CheckConfig{*check};
    if (!config)
        return UsageError{"--config FILE is required"};
    options.config_path = *config;
    return RunDaemon{options};
}

} // namespace swmrd::daemon
