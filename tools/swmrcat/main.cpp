// swmrcat: thin on purpose; the formatting and the loop live in swmrd_swmrcat, which the tests
// link.

#include "swmrcat/options.hpp"
#include "swmrcat/subscriber.hpp"

#include <zmq.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void request_stop(int) {
    stop_requested = 1;
}

} // namespace

int main(int argc, char** argv) try {
    using namespace swmrd::cat;
    CatOptions options;
    try {
        options = parse_cat_options(std::vector<std::string>(argv + 1, argv + argc),
                                    std::getenv("SWMRD_PUBLISH"));
    } catch (const UsageError& error) {
        std::fprintf(stderr, "swmrcat: %s\n(swmrcat --help shows the usage)\n", error.what());
        return 2;
    }
    if (options.help) {
        std::fputs(cat_usage().c_str(), stdout);
        return 0;
    }
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    try {
        return run_subscriber(options, stdout, stderr, stop_requested);
    } catch (const zmq::error_t& error) {
        std::fprintf(stderr, "swmrcat: %s (endpoint ", error.what());
        for (std::size_t i = 0; i < options.endpoints.size(); ++i)
            std::fprintf(stderr, "%s%s", i > 0 ? ", " : "", options.endpoints[i].c_str());
        std::fprintf(stderr, ")\n");
        return 1;
    }
} catch (const std::exception& error) {
    std::fprintf(stderr, "swmrcat: %s\n", error.what());
    return 1;
}
