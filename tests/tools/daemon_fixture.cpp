#include "daemon_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

using namespace swmrd::test;

namespace swmrd::tools::test {

DaemonFixture::DaemonFixture() {
    const auto config = dir_ / "swmrd.yaml";
    // Wildcard ports, read back from --endpoints-file: tests never collide on a port.
    const std::string settings = "control: tcp://127.0.0.1:*\n"
                                 "publish: [tcp://127.0.0.1:*]\n"
                                 "heartbeat: 100ms\n"
                                 "log: {level: debug}\n";
    write_text(config, settings + "allowed_roots: [" + dir_.path().string() + "]\n");
    const auto endpoints = dir_ / "endpoints";
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{SWMRD_TEST_SWMRD, "--config", config.string(), "--endpoints-file",
                                 endpoints.string()},
        dir_.path());
    const bool bound =
        wait_until([&] { return std::filesystem::exists(endpoints) || !daemon_->running(); });
    INFO("swmrd's log:\n" << log());
    REQUIRE(bound);
    REQUIRE(std::filesystem::exists(endpoints));
    std::istringstream lines(read_text(endpoints));
    std::string kind;
    std::string endpoint;
    while (lines >> kind >> endpoint) {
        if (kind == "control")
            control_ = endpoint;
        else if (kind == "publish" && publish_.empty())
            publish_ = endpoint;
    }
    REQUIRE(!control_.empty());
    REQUIRE(!publish_.empty());
}

ProcessResult DaemonFixture::swmrctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{SWMRD_TEST_SWMRCTL, "-c", control_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, dir_.path());
}

int DaemonFixture::stop() {
    daemon_->signal(SIGTERM);
    return daemon_->wait().exit_code;
}

} // namespace swmrd::tools::test
