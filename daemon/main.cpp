// swmrd: thin on purpose; everything it does lives in the swmrd_daemon library tests link.

#include "base/logging.hpp"
#include "service/command_line.hpp"
#include "service/daemon.hpp"
#include "service/signals.hpp"
#include "version.hpp"

#include <swmrd/config/config_error.hpp>
#include <swmrd/config/daemon_config.hpp>
#include <swmrd/proto/messages.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>

using namespace swmrd;

int main(int argc, char** argv) try {
    // Before any thread exists, so that only the event loop ever sees these signals.
    daemon::block_daemon_signals();

    const auto command = daemon::parse_command_line(argc, argv);
    if (const auto* usage = std::get_if<daemon::UsageError>(&command)) {
        std::fprintf(stderr, "swmrd: %s\n\n%s", usage->message.c_str(), daemon::usage_text());
        return 2;
    }
    if (std::holds_alternative<daemon::ShowHelp>(command)) {
        std::fputs(daemon::usage_text(), stdout);
        return 0;
    }
    if (std::holds_alternative<daemon::ShowVersion>(command)) {
        std::printf("swmrd %s (protocol %d)\n", daemon::swmrd_version, proto::protocol_version);
        return 0;
    }
    if (const auto* check = std::get_if<daemon::CheckConfig>(&command)) {
        try {
            const auto config = config::load_config(check->path);
            std::printf("%s: valid, %zu watches\n", check->path.c_str(), config.watches.size());
            return 0;
        } catch (const config::ConfigError& error) {
            std::fprintf(stderr, "%s\n", error.what());
            return 1;
        }
    }

    const auto& options = std::get<daemon::RunDaemon>(command).options;
    auto config = config::load_config(options.config_path);
    daemon::setup_logging(options.log_level.value_or(config.log.level));
    daemon::Daemon service(std::move(config), options);
    return service.run();
} catch (const std::exception& error) {
    std::fprintf(stderr, "swmrd: %s\n", error.what());
    return 1;
}
