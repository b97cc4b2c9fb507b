#include "control/control_handler.hpp"

#include "version.hpp"

#include <swmrd/config/allowed_roots.hpp>
#include <swmrd/config/config_error.hpp>
#include <swmrd/proto/decode_error.hpp>

#include <spdlog/spdlog.h>

namespace swmrd::daemon {

ControlHandler::ControlHandler(WatchManager& watches, const RunRegistry& runs,
                               const std::vector<std::string>& allowed_roots)
    : watches_(watches), runs_(runs), allowed_roots_(allowed_roots) {}

std::string ControlHandler::refuse(const std::string& message) {
    return proto::encode_reply(
        proto::ErrorReply{proto::to_string(proto::ErrorCode::bad_request), message});
}

std::string ControlHandler::handle(const void* data, std::size_t size) {
    proto::ControlReply reply;
    try {
        if (size > max_request_bytes)
            reply = proto::ErrorReply{proto::to_string(proto::ErrorCode::bad_request),
                                      "request of " + std::to_string(size) +
                                          " bytes is larger than the limit of 1 MiB"};
        else
            reply = dispatch(proto::decode_request(data, size));
    } catch (const proto::DecodeError& error) {
        reply = proto::ErrorReply{error.code(), error.what()};
    } catch (const config::ConfigError& error) {
        reply = proto::ErrorReply{proto::to_string(proto::ErrorCode::bad_request), error.what()};
    } catch (const std::exception& error) {
        spdlog::error("control request failed: {}", error.what());
        reply = proto::ErrorReply{proto::to_string(proto::ErrorCode::internal), error.what()};
    }
    if (const auto* error = std::get_if<proto::ErrorReply>(&reply))
        spdlog::info("control request refused: {}: {}", error->code, error->message);
    return proto::encode_reply(reply);
}

proto::ControlReply ControlHandler::dispatch(const proto::ControlRequest& request) {
    if (std::holds_alternative<proto::PingRequest>(request)) {
        const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - started_;
        return proto::PingReply{swmrd_version, proto::protocol_version, uptime.count(), features_};
    }
    if (const auto* start_request = std::get_if<proto::StartRequest>(&request))
        return start(*start_request);
    if (const auto* stop = std::get_if<proto::StopRequest>(&request)) {
        auto result = watches_.stop(stop->watch, proto::EndReason::stopped);
        if (auto* error = std::get_if<proto::ErrorReply>(&result))
            return *error;
        return std::get<proto::StopReply>(result);
    }
    if (std::holds_alternative<proto::ListRequest>(request)) {
        proto::ListReply reply{watches_.list()};
        if (peers_) {
            const auto peers = peers_();
            for (const auto& peer : peers.peers)
                reply.subscribers += peer.channel == "publish";
            reply.peers_cut = peers.peers_cut;
        }
        return reply;
    }
    if (std::holds_alternative<proto::PeersRequest>(request))
        return peers_ ? peers_() : proto::PeersReply{};
    if (const auto* runs = std::get_if<proto::RunsRequest>(&request)) {
        // A stopped watch's runs stay fetchable while they are kept.
        if (!watches_.status(runs->watch) && !runs_.knows_watch(runs->watch))
            return proto::ErrorReply{proto::to_string(proto::ErrorCode::not_found),
                                     "no watch named " + runs->watch +
                                         " is listed, and no run of one is kept"};
        return proto::RunsReply{runs_.runs(runs->watch)};
    }
    const auto& status_request = std::get<proto::StatusRequest>(request);
    if (auto status = watches_.status(status_request.watch))
        return proto::StatusReply{*status};
    return proto::ErrorReply{proto::to_string(proto::ErrorCode::not_found),
                             "no watch named " + status_request.watch + " is listed"};
}

proto::ControlReply ControlHandler::start(const proto::StartRequest& request) {
    auto spec = config::parse_watch_spec(request.watch, "watch");
    std::string why;
    if (!config::is_inside_allowed_roots(spec.file, allowed_roots_, &why))
        return proto::ErrorReply{proto::to_string(proto::ErrorCode::forbidden), why};
    const auto name = spec.name;
    if (auto error = watches_.start(std::move(spec), WatchSource::control, allowed_roots_))
        return *error;
    return proto::StartReply{name};
}

} // namespace swmrd::daemon
