#include "swmrctl/options.hpp"

#include "swmrctl/start_spec.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace swmrd::ctl {

namespace {

constexpr const char* exit_statuses =
    R"(`swmrctl COMMAND --help` describes a command and its options.

exit status:
  0  success
  1  the daemon answered with an error (printed as "swmrctl: CODE: MESSAGE" on stderr),
     or with a reply that is not protocol v1
  2  usage error, including a start spec that fails validation (nothing is sent)
  3  no reply within the timeout: the daemon is down or unreachable)";

constexpr const char* top_description =
    R"(Every watch's state, current file, frames/s and MB/s (from the change of its frames and
bytes since the previous refresh), frames, dropped and lost, and subscribers and progress
through the scan when the daemon's status gives them, refreshed until Ctrl-C, which exits
0. Each refresh sends one `list` (every watch's status). A daemon that does not answer
within the reply timeout (swmrctl --timeout) is shown as "daemon not answering", and top
keeps asking. When stdout is not a terminal, each refresh is a plain block of text, the
blocks separated by a blank line.)";

// What the commands' arguments set, before they become a request.
struct Given {
    std::optional<std::string> watch; // the NAME of status, runs, stop and start
    StartArguments start;
    std::optional<std::string> spec_file;
    std::vector<std::string> interleaved;         // NAME=D1,D2 as written
    std::vector<const CLI::Option*> spec_options; // start's, which exclude -f
    TopSettings top;
};

bool is_option(const std::string& arg) {
    return arg.size() > 1 && arg[0] == '-';
}

config::Seconds positive_duration(const std::string& option, const std::string& text) {
    const auto seconds = config::parse_duration(text);
    if (!seconds || seconds->count() <= 0)
        throw UsageError(option + " wants a positive duration (5, 500ms, 1min), not '" + text +
                         "'");
    return *seconds;
}

std::uint64_t positive_integer(const std::string& option, const std::string& text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end || value == 0)
        throw UsageError(option + " wants a positive integer, not '" + text + "'");
    return value;
}

// Whether a command takes --json after its name (top does not: it prints no reply).
enum class Json { taken, not_taken };

// -c and --json are taken after the command too, since no command has options of those
// names; --timeout is not, since after `start` it is the watch's timeout.
void add_anywhere_options(CLI::App& app, CtlOptions& options, Json json) {
    app.add_option("-c,--control", options.endpoint,
                   "swmrd's control endpoint; default $SWMRD_CONTROL, else\n"
                   "tcp://127.0.0.1:5555 (also after the command)")
        ->type_name("ENDPOINT");
    if (json == Json::taken)
        app.add_flag("--json", options.json,
                     "print the reply map as JSON on stdout (also after the command)");
}

CLI::App* add_command(CLI::App& app, CtlOptions& options, const std::string& name,
                      const std::string& description, Json json = Json::taken) {
    auto* command = app.add_subcommand(name, description);
    // Left over for reject_leftovers, which names the command in its message.
    command->allow_extras();
    add_anywhere_options(*command, options, json);
    return command;
}

void add_watch_name(CLI::App& command, Given& given, const std::string& description) {
    command.add_option("NAME", given.watch, description)->type_name("");
}

void define_start(CLI::App& app, CtlOptions& options, Given& given) {
    auto* start = add_command(app, options, "start",
                              "start a watch: NAME --file F --keys K... --datasets D...\n"
                              "[options], or -f SPEC.yaml");
    start->footer("The spec is validated here exactly as the daemon validates it: a spec that "
                  "fails\nis refused with exit status 2 and nothing is sent.");
    add_watch_name(*start, given, "the watch's name, also its topic prefix");
    start
        ->add_option("-f,--spec-file", given.spec_file,
                     "the whole spec from a YAML watch spec (- for stdin);\n"
                     "no NAME or other start option with it")
        ->type_name("SPEC.yaml");
    // The spec's fields, which -f excludes. Values go to the spec as written: the
    // validator checks them (spec_from_arguments).
    const auto spec_option = [&](const std::string& name, auto& target,
                                 const std::string& value_name, const std::string& description) {
        auto* option = start->add_option(name, target, description)->type_name(value_name);
        given.spec_options.push_back(option);
        return option;
    };
    auto& spec = given.start;
    spec_option("--file", spec.file, "F", "absolute path of the HDF5 file, or a glob pattern");
    spec_option("--keys", spec.keys, "K", "key datasets");
    spec_option("--datasets", spec.datasets, "D", "datasets whose frames are sent");
    spec_option("--interleaved", given.interleaved, "NAME=D1,D2",
                "datasets whose frames alternate (repeatable)")
        ->allow_extra_args(false); // one group per --interleaved
    spec_option("--finished", spec.finished, "F", "finished dataset (default: none)");
    spec_option("--timeout", spec.timeout, "T",
                "the WATCH's timeout: end a run after T without a new\n"
                "frame (default 10s; 500ms, 2min...)");
    spec_option("--encoding", spec.encoding, "raw|chunk",
                "send frames decoded (raw, the default) or as stored\nchunks");
    spec_option("--from", spec.from, "start|latest",
                "every frame from index 0 (start, the default), or\n"
                "join at the newest readable frame");
}

void define_top(CLI::App& app, CtlOptions& options, Given& given) {
    // --json only before the command, where every command takes it: top refuses it.
    auto* top =
        add_command(app, options, "top", "every watch's state and rates, refreshed until Ctrl-C",
                    Json::not_taken);
    top->footer(top_description);
    top->add_option_function<std::string>(
           "--interval",
           [&](const std::string& text) {
               given.top.interval = positive_duration("--interval", text);
           },
           "time between refreshes (default 1; 0.2, 500ms...)")
        ->type_name("SECONDS");
    top->add_option_function<std::string>(
           "--count",
           [&](const std::string& text) { given.top.count = positive_integer("--count", text); },
           "stop after N refreshes (default: until Ctrl-C)")
        ->type_name("N");
}

// One definition serves the parser and the help text, so the two cannot drift apart.
void define_commands(CLI::App& app, CtlOptions& options, Given& given) {
    app.description("Sends one control request to swmrd and prints its reply; `top` keeps "
                    "asking.");
    app.footer(exit_statuses);
    app.get_formatter()->column_width(28);
    // The last of a repeated option wins, as the hand-written parser had it.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    // Left over for parse_ctl_options to name in its own words.
    app.allow_extras();
    // One command per call; a second command name is the first one's argument.
    app.require_subcommand(0, 1);
    add_anywhere_options(app, options, Json::taken);
    app.add_option_function<std::string>(
           "--timeout",
           [&](const std::string& text) {
               options.reply_timeout = positive_duration("--timeout", text);
           },
           "how long to wait for the REPLY (default 5; 500ms, 1min...).\n"
           "Not to be confused with the WATCH's timeout of\n"
           "`start ... --timeout T`: this one goes before the command")
        ->type_name("SECONDS");

    add_command(app, options, "ping", "the daemon's version, protocol and uptime");
    add_command(app, options, "list",
                "every watch: name, state, frames, dropped, last index, file");
    add_watch_name(*add_command(app, options, "status", "NAME: one watch's status"), given,
                   "the watch");
    add_watch_name(*add_command(app, options, "runs",
                                "NAME: the runs of the watch kept for fetching\n"
                                "(docs/protocol.md, the fetch channel)"),
                   given, "the watch");
    add_command(app, options, "peers",
                "connected subscribers and fetch clients: address, bytes\n"
                "queued, when each last took bytes; and peers_cut");
    define_start(app, options, given);
    add_watch_name(*add_command(app, options, "stop",
                                "NAME: stop and remove the watch (a config watch comes back\n"
                                "on reload)"),
                   given, "the watch");
    define_top(app, options, given);
}

// "ping, list, status, runs, peers, start, stop or top"
std::string command_names(const CLI::App& app) {
    const auto commands = app.get_subcommands({});
    std::string names;
    for (std::size_t i = 0; i < commands.size(); ++i)
        names += (i == 0 ? "" : i + 1 == commands.size() ? " or " : ", ") + commands[i]->get_name();
    return names;
}

// CLI11 leaves what a command did not recognise (allow_extras) for this to name in
// swmrctl's words: the command it was given to, and for a --timeout after the command,
// where the reply timeout goes.
void reject_leftovers(const CLI::App& command, const Given& given) {
    const auto extras = command.remaining();
    if (extras.empty())
        return;
    const auto& arg = extras.front();
    const auto& name = command.get_name();
    if (arg == "--timeout")
        throw UsageError("--timeout after '" + name +
                         "': the reply timeout goes before the command, e.g. swmrctl "
                         "--timeout 10 " +
                         name);
    if (is_option(arg))
        throw UsageError("unknown option '" + arg + "' for " + name);
    if (given.watch)
        throw UsageError(name + " takes one watch name, not '" + *given.watch + "' and '" + arg +
                         "'");
    throw UsageError(name + " takes no argument, not '" + arg + "'");
}

proto::Value read_spec_file(const std::string& path) {
    std::string text;
    if (path == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(path);
        if (!in)
            throw UsageError("cannot read the spec file " + path);
        std::ostringstream buffer;
        buffer << in.rdbuf();
        text = buffer.str();
    }
    return spec_from_yaml(text, path == "-" ? "stdin" : path);
}

proto::ControlRequest start_request(Given& given) {
    if (given.spec_file) {
        const bool any_spec_option =
            std::any_of(given.spec_options.begin(), given.spec_options.end(),
                        [](const CLI::Option* option) { return option->count() > 0; });
        if (given.watch || any_spec_option)
            throw UsageError("start -f FILE takes the whole spec from FILE: no name or other "
                             "start option with it");
        return proto::StartRequest{read_spec_file(*given.spec_file)};
    }
    if (!given.watch)
        throw UsageError("start needs a watch name (or -f FILE)");
    given.start.name = *given.watch;
    for (const auto& text : given.interleaved)
        given.start.interleaved.push_back(parse_interleaved(text));
    return proto::StartRequest{spec_from_arguments(given.start)};
}

std::string watch_name(const CLI::App& command, const Given& given) {
    if (!given.watch)
        throw UsageError(command.get_name() + " needs a watch name");
    return *given.watch;
}

// The request (or for top, the loop's settings) of the command given.
void set_command(CtlOptions& options, const CLI::App& command, Given& given) {
    const auto& name = command.get_name();
    if (name == "ping")
        options.request = proto::PingRequest{};
    else if (name == "list")
        options.request = proto::ListRequest{};
    else if (name == "status")
        options.request = proto::StatusRequest{watch_name(command, given)};
    else if (name == "runs")
        options.request = proto::RunsRequest{watch_name(command, given)};
    else if (name == "peers")
        options.request = proto::PeersRequest{};
    else if (name == "stop")
        options.request = proto::StopRequest{watch_name(command, given)};
    else if (name == "start")
        options.request = start_request(given);
    else if (name == "top")
        options.top = given.top;
    if (options.top && options.json)
        throw UsageError("--json does not apply to top, which shows a screen, not a reply");
}

} // namespace

std::string ctl_usage() {
    CLI::App app("", "swmrctl");
    CtlOptions options;
    Given given;
    define_commands(app, options, given);
    return app.help();
}

CtlOptions parse_ctl_options(const std::vector<std::string>& args, const char* env_control) {
    CtlOptions options;
    options.endpoint =
        env_control != nullptr && *env_control != '\0' ? env_control : default_control_endpoint;
    CLI::App app("", "swmrctl");
    Given given;
    define_commands(app, options, given);
    // CLI11 takes the arguments last first.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        options.help = true;
        options.help_text = app.help(); // the help of the command given, if any
        return options;
    } catch (const CLI::ParseError& error) {
        throw UsageError(error.what());
    }
    if (const auto extras = app.remaining(); !extras.empty()) {
        if (is_option(extras.front()))
            throw UsageError("unknown option '" + extras.front() + "'");
        throw UsageError("unknown command '" + extras.front() + "': " + command_names(app));
    }
    const auto chosen = app.get_subcommands();
    if (chosen.empty())
        throw UsageError("no command: " + command_names(app));
    reject_leftovers(*chosen.front(), given);
    set_command(options, *chosen.front(), given);
    if (options.endpoint.empty())
        throw UsageError("-c wants an endpoint, e.g. tcp://127.0.0.1:5555");
    return options;
}

} // namespace swmrd::ctl
