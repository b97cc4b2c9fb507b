#pragma once
// swmrctl's command line, parsed into the control request it sends (or, for `top`, the
// settings of its refresh loop).

#include <swmrd/config/units.hpp>
#include <swmrd/proto/control.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace swmrd::ctl {

// The one exception type of swmrctl: a command line it cannot run, a `start` spec that
// fails validation (with the message the daemon would have given), an unreadable spec file.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr const char* default_control_endpoint = "tcp://127.0.0.1:5555";

// `swmrctl top`: how often it refreshes, and how many times (for scripts and tests).
struct TopSettings {
    config::Seconds interval{1.0};
    std::optional<std::uint64_t> count; // none: until Ctrl-C
};

struct CtlOptions {
    std::string endpoint;               // -c; $SWMRD_CONTROL or the default
    bool json = false;                  // print the reply map as JSON
    config::Seconds reply_timeout{5.0}; // the global --timeout, before the command
    bool help = false;
    std::string help_text; // with help: the help of the command it was asked for
    // Absent only with help and with top. A `start` carries its spec validated and in
    // canonical form.
    std::optional<proto::ControlRequest> request;
    std::optional<TopSettings> top; // `swmrctl top`
};

// `args` without the program name; `env_control` is $SWMRD_CONTROL (nullptr when unset).
// Validates `start` specs with config::parse_watch_spec, reading `start -f FILE` (`-` for
// stdin) as YAML. Throws UsageError.
CtlOptions parse_ctl_options(const std::vector<std::string>& args, const char* env_control);

// `swmrctl --help`: the commands, the global options and the exit statuses.
std::string ctl_usage();

// Exit statuses, as --help documents them.
inline constexpr int exit_ok = 0;
inline constexpr int exit_daemon_error = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_no_reply = 3;

} // namespace swmrd::ctl
