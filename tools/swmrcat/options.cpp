#include "swmrcat/options.hpp"

#include <swmrd/config/watch_spec.hpp>

#include <charconv>

namespace swmrd::cat {

namespace {

std::uint64_t positive_integer(const std::string& option, const std::string& text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end || value == 0)
        throw UsageError(option + " wants a positive integer, not '" + text + "'");
    return value;
}

} // namespace

const char* cat_usage() {
    return R"(usage: swmrcat [-p ENDPOINT] [--watch NAME] [--count N] [--exit-on-end] [--stats]
               [--quiet-frames] [--heartbeats] [--max-values N] [--repair] [--history]

Subscribes to swmrd's data channel and prints every message: a line for each start and end
of a run, and for each frame its slice metadata as swmr_tools prints it,
(slice(0, 1, None), slice(1, 2, None)), then each payload part by path, dtype and shape,
with its values as NumPy prints them (summarised as min, max and mean when larger).

options:
  -p, --publish ENDPOINT  swmrd's publish endpoint (repeatable); default $SWMRD_PUBLISH,
                          else tcp://127.0.0.1:5556
  -w, --watch NAME        only the messages of watch NAME (default: every watch)
  -n, --count N           exit after N frames
  --exit-on-end           exit after the first end message (of NAME with --watch)
  --stats                 print frames, frames/s, MB/s and gaps in seq to stderr every 5 s
                          and at exit
  --quiet-frames          print only the slice line of each frame, not its values
  --heartbeats            print the daemon's heartbeats too
  --max-values N          print parts of up to N values in full, summarise larger (default 100)
  --repair                fetch the frames a gap in seq missed from the daemon's fetch channel
                          and print them in order (needs --watch, and `fetch` in its config)
  --history               with --repair: a run joined in progress is printed from index 0
  -h, --help              show this text

Missed messages (a gap in a run's seq) are always reported on stderr. Ctrl-C (SIGINT) or
SIGTERM ends swmrcat cleanly, with the stats when asked for.

exit status: 0 done (end, count reached, or interrupted); 1 a ZeroMQ error; 2 usage error.
)";
}

CatOptions parse_cat_options(const std::vector<std::string>& args, const char* env_publish) {
    CatOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        const auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size())
                throw UsageError(arg + " needs a value");
            return args[++i];
        };
        if (arg == "-h" || arg == "--help") {
            options.help = true;
        } else if (arg == "-p" || arg == "--publish") {
            options.endpoints.push_back(value());
        } else if (arg == "-w" || arg == "--watch") {
            const auto& name = value();
            if (!config::is_valid_watch_name(name))
                throw UsageError("'" + name +
                                 "' is not a watch name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
            options.watch = name;
        } else if (arg == "-n" || arg == "--count") {
            options.count = positive_integer(arg, value());
        } else if (arg == "--exit-on-end") {
            options.exit_on_end = true;
        } else if (arg == "--stats") {
            options.stats = true;
        } else if (arg == "--quiet-frames") {
            options.print.quiet_frames = true;
        } else if (arg == "--heartbeats") {
            options.heartbeats = true;
        } else if (arg == "--repair") {
            options.repair = true;
        } else if (arg == "--history") {
            options.history = true;
        } else if (arg == "--max-values") {
            options.print.max_values = positive_integer(arg, value());
        } else {
            throw UsageError("unknown argument '" + arg + "'");
        }
    }
    if (options.history && !options.repair)
        throw UsageError("--history needs --repair: the history is fetched");
    if (options.repair && !options.watch)
        throw UsageError("--repair needs --watch: runs are repaired one watch at a time");
    if (options.endpoints.empty())
        options.endpoints.emplace_back(env_publish != nullptr && *env_publish != '\0'
                                           ? env_publish
                                           : default_publish_endpoint);
    return options;
}

} // namespace swmrd::cat
