#include "service/command_line.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace swmrd::daemon;

namespace {
Command parse(std::vector<const char*> args) {
    args.insert(args.begin(), "swmrd");
    return parse_command_line(static_cast<int>(args.size()), args.data());
}
} // namespace

TEST_CASE("swmrd --config FILE with options") {
    auto command = parse({"--config", "/etc/swmrd/swmrd.yaml", "--log-level", "debug",
                          "--endpoints-file", "/run/swmrd/endpoints"});
    auto* run = std::get_if<RunDaemon>(&command);
    REQUIRE(run);
    CHECK(run->options.config_path == "/etc/swmrd/swmrd.yaml");
    CHECK(run->options.log_level == "debug");
    CHECK(run->options.endpoints_file == "/run/swmrd/endpoints");
}

TEST_CASE("swmrd --check-config, --version, --help") {
    auto check = parse({"--check-config", "a.yaml"});
    REQUIRE(std::holds_alternative<CheckConfig>(check));
    CHECK(std::get<CheckConfig>(check).path == "a.yaml");
    CHECK(std::holds_alternative<ShowVersion>(parse({"--version"})));
    CHECK(std::holds_alternative<ShowHelp>(parse({"--help"})));
}

TEST_CASE("usage errors say what was wrong") {
    auto missing = parse({});
    REQUIRE(std::holds_alternative<UsageError>(missing));
    CHECK(std::get<UsageError>(missing).message.find("--config") != std::string::npos);

    auto no_value = parse({"--config"});
    REQUIRE(std::holds_alternative<UsageError>(no_value));
    CHECK(std::get<UsageError>(no_value).message == "--config: 1 required FILE missing");

    auto unknown = parse({"--config", "a.yaml", "--verbose"});
    REQUIRE(std::holds_alternative<UsageError>(unknown));
    CHECK(std::get<UsageError>(unknown).message.find("--verbose") != std::string::npos);

    auto both = parse({"--config", "a.yaml", "--check-config", "b.yaml"});
    REQUIRE(std::holds_alternative<UsageError>(both));
}
