#include "swmrctl/options.hpp"

#include "swmrctl/start_spec.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace swmrd::ctl {

namespace {

bool is_option(const std::string& arg) {
    return arg.size() > 1 && arg[0] == '-';
}

// Walks the arguments; global options (-c, --json) are accepted after the command too, as
// they cannot be mistaken for anything else.
class ArgumentReader {
public:
    ArgumentReader(const std::vector<std::string>& args, CtlOptions& options)
        : args_(args), options_(options) {}

    bool done() const { return i_ >= args_.size(); }
    const std::string& peek() const { return args_[i_]; }
    const std::string& next() { return args_[i_++]; }

    const std::string& value_of(const std::string& option) {
        if (done() || is_option(peek()))
            throw UsageError(option + " needs a value");
        return next();
    }

    // Values up to the next option: --keys K1 K2...
    std::vector<std::string> values_of(const std::string& option) {
        std::vector<std::string> values;
        while (!done() && !is_option(peek()))
            values.push_back(next());
        if (values.empty())
            throw UsageError(option + " needs at least one value");
        return values;
    }

    // Consumes a global option that may follow the command; false when `arg` is not one.
    bool take_anywhere_option(const std::string& arg) {
        if (arg == "--json") {
            options_.json = true;
            return true;
        }
        if (arg == "-c" || arg == "--control") {
            options_.endpoint = value_of(arg);
            return true;
        }
        return false;
    }

    // The one positional argument of status, runs and stop.
    std::string watch_name(const std::string& command) {
        std::optional<std::string> name;
        while (!done()) {
            const auto& arg = next();
            if (take_anywhere_option(arg))
                continue;
            reject_option(arg, command);
            if (name)
                throw UsageError(command + " takes one watch name, not '" + *name + "' and '" +
                                 arg + "'");
            name = arg;
        }
        if (!name)
            throw UsageError(command + " needs a watch name");
        return *name;
    }

    void no_arguments(const std::string& command) {
        while (!done()) {
            const auto& arg = next();
            if (take_anywhere_option(arg))
                continue;
            reject_option(arg, command);
            throw UsageError(command + " takes no argument, not '" + arg + "'");
        }
    }

    // Throws for an option; lets anything else through.
    static void reject_option(const std::string& arg, const std::string& command);

private:
    const std::vector<std::string>& args_;
    CtlOptions& options_;
    std::size_t i_ = 0;
};

void ArgumentReader::reject_option(const std::string& arg, const std::string& command) {
    if (arg == "--timeout")
        throw UsageError("--timeout after '" + command +
                         "': the reply timeout goes before the command, e.g. swmrctl "
                         "--timeout 10 " +
                         command);
    if (!is_option(arg))
        return;
    throw UsageError("unknown option '" + arg + "' for " + command);
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

proto::ControlRequest parse_start(ArgumentReader& reader) {
    StartArguments arguments;
    std::optional<std::string> spec_file;
    bool any_spec_option = false;
    bool have_name = false;
    while (!reader.done()) {
        const auto arg = reader.next();
        if (reader.take_anywhere_option(arg))
            continue;
        if (!is_option(arg)) {
            if (have_name)
                throw UsageError("start takes one watch name, not '" + arguments.name + "' and '" +
                                 arg + "'");
            arguments.name = arg;
            have_name = true;
            continue;
        }
        if (arg == "-f" || arg == "--spec-file") {
            spec_file = reader.value_of(arg);
            continue;
        }
        any_spec_option = true;
        if (arg == "--file")
            arguments.file = reader.value_of(arg);
        else if (arg == "--keys")
            for (auto& key : reader.values_of(arg))
                arguments.keys.push_back(std::move(key));
        else if (arg == "--datasets")
            for (auto& dataset : reader.values_of(arg))
                arguments.datasets.push_back(std::move(dataset));
        else if (arg == "--interleaved")
            arguments.interleaved.push_back(parse_interleaved(reader.value_of(arg)));
        else if (arg == "--finished")
            arguments.finished = reader.value_of(arg);
        else if (arg == "--timeout")
            arguments.timeout = reader.value_of(arg);
        else if (arg == "--encoding")
            arguments.encoding = reader.value_of(arg);
        else if (arg == "--from")
            arguments.from = reader.value_of(arg);
        else
            throw UsageError("unknown option '" + arg + "' for start");
    }
    if (spec_file) {
        if (have_name || any_spec_option)
            throw UsageError("start -f FILE takes the whole spec from FILE: no name or other "
                             "start option with it");
        return proto::StartRequest{read_spec_file(*spec_file)};
    }
    if (!have_name)
        throw UsageError("start needs a watch name (or -f FILE)");
    return proto::StartRequest{spec_from_arguments(arguments)};
}

config::Seconds reply_timeout(const std::string& text) {
    const auto seconds = config::parse_duration(text);
    if (!seconds || seconds->count() <= 0)
        throw UsageError("--timeout wants a positive duration (5, 500ms, 1min), not '" + text +
                         "'");
    return *seconds;
}

} // namespace

const char* ctl_usage() {
    return R"(usage: swmrctl [-c ENDPOINT] [--json] [--timeout SECONDS] COMMAND

Sends one control request to swmrd and prints its reply.

commands:
  ping                      the daemon's version, protocol and uptime
  list                      every watch: name, state, frames, dropped, last index, file
  status NAME               one watch's status
  runs NAME                 the runs of watch NAME kept for fetching (PROTOCOL.md section 5)
  stop NAME                 stop and remove watch NAME (a config watch comes back on reload)
  start NAME --file F --keys K... --datasets D... [start options]
  start -f SPEC.yaml        start the watch described by a YAML watch spec (- for stdin)

start options (a watch spec, validated here exactly as the daemon validates it):
  --file F                  absolute path of the HDF5 file, or a glob pattern
  --keys K...               key datasets
  --datasets D...           datasets whose frames are sent
  --interleaved NAME=D1,D2  datasets whose frames alternate (repeatable)
  --finished F              finished dataset
  --timeout T               the WATCH's timeout: end a run after T without a new frame
                            (default 10s; 500ms, 2min...)
  --encoding raw|chunk      send frames decoded (raw, the default) or as stored chunks
  --from start|latest       every frame from index 0 (default), or join at the newest

global options (before COMMAND):
  -c, --control ENDPOINT    swmrd's control endpoint; default $SWMRD_CONTROL, else
                            tcp://127.0.0.1:5555
  --json                    print the reply map as JSON on stdout
  --timeout SECONDS         how long to wait for the REPLY (default 5; 500ms, 1min...).
                            Not to be confused with `start ... --timeout T`, which sets the
                            watch's timeout: this one goes before the command.
  -h, --help                show this text

exit status:
  0  success
  1  the daemon answered with an error (printed as "swmrctl: CODE: MESSAGE" on stderr),
     or with a reply that is not protocol v1
  2  usage error, including a start spec that fails validation (nothing is sent)
  3  no reply within the timeout: the daemon is down or unreachable
)";
}

CtlOptions parse_ctl_options(const std::vector<std::string>& args, const char* env_control) {
    CtlOptions options;
    for (const auto& arg : args) {
        if (arg == "-h" || arg == "--help") {
            options.help = true;
            return options;
        }
    }
    options.endpoint =
        env_control != nullptr && *env_control != '\0' ? env_control : default_control_endpoint;
    ArgumentReader reader(args, options);
    std::optional<std::string> command;
    while (!reader.done()) {
        const auto arg = reader.next();
        if (reader.take_anywhere_option(arg))
            continue;
        if (arg == "--timeout") {
            options.reply_timeout = reply_timeout(reader.value_of(arg));
            continue;
        }
        if (is_option(arg))
            throw UsageError("unknown option '" + arg + "'");
        command = arg;
        break;
    }
    if (!command)
        throw UsageError("no command: ping, list, status, runs, start or stop");
    if (*command == "ping") {
        reader.no_arguments(*command);
        options.request = proto::PingRequest{};
    } else if (*command == "list") {
        reader.no_arguments(*command);
        options.request = proto::ListRequest{};
    } else if (*command == "status") {
        options.request = proto::StatusRequest{reader.watch_name(*command)};
    } else if (*command == "runs") {
        options.request = proto::RunsRequest{reader.watch_name(*command)};
    } else if (*command == "stop") {
        options.request = proto::StopRequest{reader.watch_name(*command)};
    } else if (*command == "start") {
        options.request = parse_start(reader);
    } else {
        throw UsageError("unknown command '" + *command +
                         "': ping, list, status, runs, start or stop");
    }
    if (options.endpoint.empty())
        throw UsageError("-c wants an endpoint, e.g. tcp://127.0.0.1:5555");
    return options;
}

} // namespace swmrd::ctl
