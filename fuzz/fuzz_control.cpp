// The control channel as the daemon reads it: a request from the network is decoded, a
// `start`'s watch spec validated as the config's watches are, and its file checked against
// allowed roots. Every reject is a DecodeError or ConfigError; nothing else may escape.
#include "round_trip.hpp"

#include <swmrd/config/allowed_roots.hpp>
#include <swmrd/config/config_error.hpp>
#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/control.hpp>

#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace swmrd;
    fuzz::check_round_trip(
        data, size,
        [](const void* bytes, std::size_t n) { return proto::decode_request(bytes, n); },
        [](const proto::ControlRequest& request) { return proto::encode_request(request); });
    try {
        const auto request = proto::decode_request(data, size);
        if (const auto* start = std::get_if<proto::StartRequest>(&request)) {
            const auto spec = config::parse_watch_spec(start->watch);
            std::string why;
            (void)config::is_inside_allowed_roots(spec.file, {"/nonexistent/swmrd-fuzz"}, &why);
        }
    } catch (const proto::DecodeError&) {
    } catch (const config::ConfigError&) {
    }
    return 0;
}
