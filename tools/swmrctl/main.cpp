// swmrctl: thin on purpose; parsing, validation and output live in swmrd_swmrctl, which the
// tests link.

#include "swmrctl/client.hpp"
#include "swmrctl/options.hpp"
#include "swmrctl/output.hpp"
#include "swmrctl/top_loop.hpp"

#include <swmrd/config/units.hpp>
#include <swmrd/proto/control.hpp>
#include <swmrd/proto/decode_error.hpp>
#include <swmrd/proto/msgpack_value.hpp>

#include <zmq.hpp>

#include <cstdio>
#include <cstdlib>

using namespace swmrd;

int main(int argc, char** argv) try {
    ctl::CtlOptions options;
    try {
        options = ctl::parse_ctl_options(std::vector<std::string>(argv + 1, argv + argc),
                                         std::getenv("SWMRD_CONTROL"));
    } catch (const ctl::UsageError& error) {
        std::fprintf(stderr, "swmrctl: %s\n(swmrctl --help shows the usage)\n", error.what());
        return ctl::exit_usage;
    }
    if (options.help) {
        std::fputs(options.help_text.c_str(), stdout);
        return ctl::exit_ok;
    }
    std::optional<std::string> reply;
    try {
        if (options.top)
            return ctl::run_top(options.endpoint, options.reply_timeout, *options.top);
        reply = ctl::request_reply(options.endpoint, proto::encode_request(*options.request),
                                   options.reply_timeout);
    } catch (const zmq::error_t& error) {
        std::fprintf(stderr, "swmrctl: cannot use the endpoint %s: %s\n", options.endpoint.c_str(),
                     error.what());
        return ctl::exit_usage;
    }
    const auto& request = *options.request;
    if (!reply) {
        std::fprintf(stderr,
                     "swmrctl: no reply from %s within %s: swmrd is not running there or "
                     "cannot be reached\n",
                     options.endpoint.c_str(),
                     config::format_duration(options.reply_timeout).c_str());
        return ctl::exit_no_reply;
    }
    const char* command = proto::command_of(request);
    try {
        if (options.json)
            std::printf("%s\n",
                        proto::to_json(proto::decode_value(reply->data(), reply->size())).c_str());
        const auto decoded = proto::decode_reply(reply->data(), reply->size(), command);
        if (const auto* error = std::get_if<proto::ErrorReply>(&decoded)) {
            std::fprintf(stderr, "swmrctl: %s: %s\n", error->code.c_str(), error->message.c_str());
            return ctl::exit_daemon_error;
        }
        if (!options.json)
            std::fputs(ctl::format_reply(decoded, options.endpoint).c_str(), stdout);
    } catch (const proto::DecodeError& error) {
        std::fprintf(stderr, "swmrctl: the reply from %s to %s is not protocol v1: %s\n",
                     options.endpoint.c_str(), command, error.what());
        return ctl::exit_daemon_error;
    }
    return ctl::exit_ok;
} catch (const std::exception& error) {
    std::fprintf(stderr, "swmrctl: %s\n", error.what());
    return ctl::exit_daemon_error;
}
