// swmrcat's command line.

#include "swmrcat/options.hpp"

#include <doctest/doctest.h>

using namespace swmrd::cat;

namespace {

std::string usage_error(const std::vector<std::string>& args) {
    try {
        parse_cat_options(args, nullptr);
    } catch (const UsageError& error) {
        return error.what();
    }
    FAIL("no usage error");
    return {};
}

} // namespace

TEST_CASE("swmrcat's endpoint comes from -p, else $SWMRD_PUBLISH, else the default") {
    CHECK(parse_cat_options({}, nullptr).endpoints ==
          std::vector<std::string>{"tcp://127.0.0.1:5556"});
    CHECK(parse_cat_options({}, "tcp://h:9").endpoints == std::vector<std::string>{"tcp://h:9"});
    CHECK(parse_cat_options({"-p", "tcp://a:1", "--publish", "tcp://b:2"}, "tcp://h:9").endpoints ==
          std::vector<std::string>{"tcp://a:1", "tcp://b:2"});
}

TEST_CASE("swmrcat's options") {
    const auto options =
        parse_cat_options({"--watch", "det1", "--count", "5", "--exit-on-end", "--stats",
                           "--quiet-frames", "--heartbeats", "--max-values", "1000"},
                          nullptr);
    CHECK(options.watch == "det1");
    CHECK(options.count == 5u);
    CHECK(options.exit_on_end);
    CHECK(options.stats);
    CHECK(options.print.quiet_frames);
    CHECK(options.heartbeats);
    CHECK(options.print.max_values == 1000);
    const auto defaults = parse_cat_options({}, nullptr);
    CHECK_FALSE(defaults.watch);
    CHECK_FALSE(defaults.count);
    CHECK_FALSE(defaults.exit_on_end);
    CHECK(defaults.print.max_values == 100);
}

TEST_CASE("swmrcat's usage errors") {
    CHECK(usage_error({"--count", "0"}) == "--count wants a positive integer, not '0'");
    CHECK(usage_error({"--count", "x"}) == "--count wants a positive integer, not 'x'");
    CHECK(usage_error({"--watch", "bad name"}).find("is not a watch name") != std::string::npos);
    CHECK(usage_error({"--watch"}) == "--watch: 1 required NAME missing");
    CHECK(usage_error({"--frob"}) == "unknown argument '--frob'");
    CHECK(usage_error({"--repair"}) ==
          "--repair needs --watch: runs are repaired one watch at a time");
    CHECK(usage_error({"--watch", "d", "--history"}) ==
          "--history needs --repair: the history is fetched");
}

TEST_CASE("swmrcat's repair options") {
    const auto options = parse_cat_options({"--watch", "d", "--repair", "--history"}, nullptr);
    CHECK(options.repair);
    CHECK(options.history);
    CHECK_FALSE(parse_cat_options({}, nullptr).repair);
}
