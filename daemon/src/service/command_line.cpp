#include "service/command_line.hpp"

#include <CLI/CLI.hpp>

namespace swmrd::daemon {

namespace {

// What the options set, before their combination is checked.
struct Given {
    std::optional<std::string> config;
    std::optional<std::string> check;
    DaemonOptions options;
    bool version = false;
};

// One definition serves the parser and the help text, so the two cannot drift apart.
void define_options(CLI::App& app, Given& given) {
    app.description("Streams the frames of live SWMR HDF5 files over ZeroMQ (see "
                    "/usr/share/doc/swmrd/protocol.md).");
    app.footer("Forms:\n"
               "  swmrd --config FILE [--log-level LEVEL] [--endpoints-file FILE]\n"
               "  swmrd --check-config FILE\n"
               "  swmrd --version\n\n"
               "Signals: SIGTERM or SIGINT end every run with reason `shutdown` and exit 0; "
               "SIGHUP reloads\nthe config file (a config with an error is logged and the "
               "running one kept).");
    // The last of a repeated option wins, as the hand-written parser had it.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    // Left over for parse_command_line to name in its own words.
    app.allow_extras();
    app.add_option("--config", given.config, "run the service with this YAML config")
        ->type_name("FILE");
    app.add_option("--check-config", given.check,
                   "validate FILE and exit: 0 when valid, 1 with the error otherwise")
        ->type_name("FILE");
    app.add_option("--log-level", given.options.log_level,
                   "trace, debug, info, warn, error, critical or off; overrides\n"
                   "the config's log.level (default: the config's)")
        ->type_name("LEVEL");
    app.add_option("--endpoints-file", given.options.endpoints_file,
                   "once bound, write the endpoints to FILE, a line each:\n"
                   "\"control ENDPOINT\", \"publish ENDPOINT\", and \"fetch ENDPOINT\"\n"
                   "and \"http HOST:PORT\" when set (wildcard and 0 ports resolved)")
        ->type_name("FILE");
    app.add_flag("--version", given.version, "print the version and exit");
}

} // namespace

const char* usage_text() {
    static const std::string text = [] {
        CLI::App app("", "swmrd");
        Given given;
        define_options(app, given);
        return app.help();
    }();
    return text.c_str();
}

Command parse_command_line(int argc, const char* const* argv) {
    CLI::App app("", "swmrd");
    Given given;
    define_options(app, given);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return ShowHelp{};
    } catch (const CLI::ParseError& error) {
        return UsageError{error.what()};
    }
    if (const auto extras = app.remaining(); !extras.empty())
        return UsageError{"unknown argument \"" + extras.front() + "\""};
    if (given.version)
        return ShowVersion{};
    if (given.check && given.config)
        return UsageError{"--config and --check-config exclude each other"};
    if (given.check)
        return CheckConfig{*given.check};
    if (!given.config)
        return UsageError{"--config FILE is required"};
    given.options.config_path = *given.config;
    return RunDaemon{given.options};
}

} // namespace swmrd::daemon
