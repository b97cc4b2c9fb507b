#include "swmrcat/options.hpp"

#include <swmrd/config/watch_spec.hpp>

#include <CLI/CLI.hpp>

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

std::string watch_name(const std::string& text) {
    if (!config::is_valid_watch_name(text))
        throw UsageError("'" + text + "' is not a watch name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    return text;
}

// One definition serves the parser and the help text, so the two cannot drift apart. Values
// go through the checks above as they are parsed: their UsageError leaves CLI11's parse().
void define_options(CLI::App& app, CatOptions& options) {
    app.description(
        "Subscribes to swmrd's data channel and prints every message: a line for each start\n"
        "and end of a run, and for each frame its slice metadata as swmr_tools prints it,\n"
        "(slice(0, 1, None), slice(1, 2, None)), then each payload part by path, dtype and\n"
        "shape, with its values as NumPy prints them (summarised as min, max and mean when\n"
        "larger).");
    app.footer("Missed messages (a gap in a run's seq) are always reported on stderr. Ctrl-C "
               "(SIGINT) or\nSIGTERM ends swmrcat cleanly, with the stats when asked for.\n\n"
               "exit status: 0 done (end, count reached, or interrupted); 1 a ZeroMQ error; 2 "
               "usage error.");
    // The last of a repeated option wins, as the hand-written parser had it.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    // Left over for parse_cat_options to name in its own words.
    app.allow_extras();
    app.add_option("-p,--publish", options.endpoints,
                   "swmrd's publish endpoint (repeatable); default\n"
                   "$SWMRD_PUBLISH, else tcp://127.0.0.1:5556")
        ->type_name("ENDPOINT")
        ->allow_extra_args(false); // one endpoint per -p
    app.add_option_function<std::string>(
           "-w,--watch", [&](const std::string& name) { options.watch = watch_name(name); },
           "only the messages of watch NAME (default: every watch)")
        ->type_name("NAME");
    app.add_option_function<std::string>(
           "-n,--count",
           [&](const std::string& text) { options.count = positive_integer("--count", text); },
           "exit after N frames (default: never)")
        ->type_name("N");
    app.add_flag("--exit-on-end", options.exit_on_end,
                 "exit after the first end message (of NAME with --watch)");
    app.add_flag("--stats", options.stats,
                 "print frames, frames/s, MB/s and gaps in seq to stderr\nevery 5 s and at exit");
    app.add_flag("--quiet-frames", options.print.quiet_frames,
                 "print only the slice line of each frame, not its values");
    app.add_flag("--heartbeats", options.heartbeats, "print the daemon's heartbeats too");
    app.add_option_function<std::string>(
           "--max-values",
           [&](const std::string& text) {
               options.print.max_values = positive_integer("--max-values", text);
           },
           "print parts of up to N values in full, summarise larger\n(default 100)")
        ->type_name("N");
    app.add_flag("--repair", options.repair,
                 "fetch the frames a gap in seq missed from the daemon's\nfetch channel and "
                 "print them in order (needs --watch,\nand `fetch` in its config)");
    app.add_flag("--history", options.history,
                 "with --repair: a run joined in progress is printed from\nindex 0");
}

} // namespace

std::string cat_usage() {
    CLI::App app("", "swmrcat");
    CatOptions options;
    define_options(app, options);
    return app.help();
}

CatOptions parse_cat_options(const std::vector<std::string>& args, const char* env_publish) {
    CLI::App app("", "swmrcat");
    CatOptions options;
    define_options(app, options);
    // CLI11 takes the arguments last first.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        options.help = true;
        return options;
    } catch (const CLI::ParseError& error) {
        throw UsageError(error.what());
    }
    if (const auto extras = app.remaining(); !extras.empty())
        throw UsageError("unknown argument '" + extras.front() + "'");
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
