#pragma once
// swmrcat's command line.

#include "swmrcat/message_format.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace swmrd::cat {

// The one exception type of swmrcat: a command line it cannot run. The message says why.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CatOptions {
    std::vector<std::string> endpoints; // -p, repeatable; $SWMRD_PUBLISH or the default
    std::optional<std::string> watch;   // subscribe to `<watch>/` only
    std::optional<std::uint64_t> count; // exit after this many frames
    bool exit_on_end = false;
    bool stats = false;
    bool heartbeats = false; // print them too
    bool repair = false;     // fetch what a gap in seq missed, print it in order
    bool history = false;    // fetch a run joined in progress from its index 0
    PrintOptions print;
    bool help = false;
};

inline constexpr const char* default_publish_endpoint = "tcp://127.0.0.1:5556";

// `args` without the program name; `env_publish` is $SWMRD_PUBLISH (nullptr when unset).
// Throws UsageError.
CatOptions parse_cat_options(const std::vector<std::string>& args, const char* env_publish);

// The --help text.
std::string cat_usage();

} // namespace swmrd::cat
