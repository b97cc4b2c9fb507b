// swmr-sim: a detector simulator writing SWMR files for tests, the demo and benchmarks.

#include "hdf5_handle.hpp"
#include "options.hpp"
#include "sim_error.hpp"
#include "writer.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <span>

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

} // namespace

int main(int argc, char** argv) try {
    using namespace swmrd::sim;
    const auto command = parse_command_line(
        std::span<const char* const>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
    switch (command.action) {
    case CommandLine::Action::help:
        std::fputs(usage_text().c_str(), stdout);
        return 0;
    case CommandLine::Action::usage_error:
        std::fprintf(stderr, "swmr-sim: %s\nTry 'swmr-sim --help'.\n", command.error.c_str());
        return exit_usage;
    case CommandLine::Action::run:
        break;
    }
    const auto& options = command.options;
    silence_hdf5_errors();
    try {
        const auto start = std::chrono::steady_clock::now();
        SimWriter writer(options);
        const auto frames = writer.run();
        const auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!options.quiet) {
            std::printf("swmr-sim: wrote %llu frames of %s to %s in %.3f s\n",
                        static_cast<unsigned long long>(frames), dtype_name(options.dtype).c_str(),
                        options.file.c_str(), seconds);
        }
    } catch (const SimError& error) {
        std::fprintf(stderr, "swmr-sim: %s: %s\n", options.file.c_str(), error.what());
        return exit_failure;
    }
    return 0;
} catch (const std::exception& error) {
    std::fprintf(stderr, "swmr-sim: %s\n", error.what());
    return exit_failure;
}
