#include "http/api_routes.hpp"

#include "http/frame_values.hpp"

#include <swmrd/proto/control.hpp>

namespace swmrd::daemon {

namespace {

constexpr const char* json_type = "application/json";

void send_json(HttpResponse& response, int status, const nlohmann::json& body) {
    response.status = status;
    response.set_content(body.dump(), json_type);
}

// Errors have the control channel's shape: {ok: false, error: {code, message}}.
void send_error(HttpResponse& response, int status, const std::string& code,
                const std::string& message) {
    send_json(response, status, {{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
}

int status_of(const std::string& code) {
    if (code == proto::to_string(proto::ErrorCode::not_found))
        return 404;
    if (code == proto::to_string(proto::ErrorCode::bad_request))
        return 400;
    if (code == proto::to_string(proto::ErrorCode::forbidden))
        return 403;
    return 500;
}

// The control channel's own reply to `request`, as JSON: the same map, key for key.
void answer_as_control(DaemonAccess& access, const proto::ControlRequest& request,
                       HttpResponse& response) {
    auto encoded = proto::encode_request(request);
    auto control = access.control;
    auto reply = access.calls.call<std::string>([control, encoded] { return control(encoded); },
                                                control_loop_patience);
    if (!reply)
        return send_error(response, 503, proto::to_string(proto::ErrorCode::unavailable),
                          "the daemon's control loop did not answer in time");
    auto body = nlohmann::json::from_msgpack(*reply);
    if (body.value("ok", false))
        return send_json(response, 200, body);
    const auto code =
        body["error"].value("code", std::string(proto::to_string(proto::ErrorCode::internal)));
    send_json(response, status_of(code), body);
}

nlohmann::json overview_of(const DaemonFigures& figures) {
    auto watches = nlohmann::json::array();
    for (const auto& watch : figures.watches) {
        const auto& status = watch.status;
        nlohmann::json entry = {{"name", status.name},
                                {"state", status.state},
                                {"source", status.source},
                                {"file", status.file},
                                {"current_file", status.current_file.value_or("")},
                                {"run", status.run.value_or("")},
                                {"frames", status.frames},
                                {"last_index", status.last_index},
                                {"dropped", status.dropped},
                                {"lost", status.lost},
                                {"error", status.error.value_or("")},
                                {"warning", status.warning.value_or("")},
                                {"frames_total", watch.counters->frames_total.load()},
                                {"bytes_total", watch.counters->bytes_total.load()},
                                {"scan_frames", watch.counters->scan_frames.load()},
                                {"datasets", watch.datasets}};
        watches.push_back(std::move(entry));
    }
    return {{"ok", true},
            {"version", figures.version},
            {"subscribers", figures.subscribers},
            {"watches", std::move(watches)}};
}

// The most values a latest frame is sent with as JSON (about 20 MB of text).
constexpr std::size_t max_json_values = 1u << 20;

bool wants_binary(const HttpRequest& request) {
    if (auto format = request.param("format"))
        return *format == "binary";
    return request.header("accept").find("application/octet-stream") != std::string::npos;
}

void answer_latest(LatestFrames& latest, const HttpRequest& request, HttpResponse& response) {
    const auto& watch = request.captured;
    const auto dataset = request.param("dataset");
    if (!dataset)
        return send_error(response, 400, proto::to_string(proto::ErrorCode::bad_request),
                          "name the dataset: ?dataset=/entry/data/data");
    if (auto format = request.param("format"); format && *format != "binary" && *format != "json")
        return send_error(response, 400, proto::to_string(proto::ErrorCode::bad_request),
                          "format is json or binary");
    try {
        if (request.method == "HEAD") { // the headers GET would give, without the read
            latest.probe(watch);
            response.set_header("Cache-Control", "no-store");
            response.status = 200;
            return;
        }
        auto frame = latest.read(watch, *dataset);
        if (wants_binary(request)) {
            response.set_header("X-Swmrd-Metadata", frame.metadata.dump());
            response.set_header("X-Swmrd-Dtype", frame.metadata["dtype"].get<std::string>());
            response.set_header("X-Swmrd-Shape", frame.metadata["shape"].dump());
            response.set_header("X-Swmrd-Index",
                                std::to_string(frame.metadata["index"].get<std::int64_t>()));
            response.set_header("Cache-Control", "no-store");
            // Written from the copy kept for the watch, which this holds: no copy per request.
            response.content_type = "application/octet-stream";
            response.body = frame.values;
            return;
        }
        // As JSON, a value costs tens of bytes: a large frame goes in binary only.
        const auto item_size = std::stoul(frame.metadata["dtype"].get<std::string>().substr(2));
        if (item_size > 0 && frame.values->size() / item_size > max_json_values)
            return send_error(response, 413, proto::to_string(proto::ErrorCode::too_large),
                              "the frame holds " +
                                  std::to_string(frame.values->size() / item_size) +
                                  " values, more than " + std::to_string(max_json_values) +
                                  " sent as JSON: ask for it in binary (&format=binary, or "
                                  "Accept: application/octet-stream)");
        auto body = frame.metadata;
        body["ok"] = true;
        body["values"] = values_as_json(frame.metadata["dtype"].get<std::string>(), *frame.values);
        response.set_header("Cache-Control", "no-store");
        send_json(response, 200, body);
    } catch (const HttpError& error) {
        send_error(response, error.status,
                   error.status == 404   ? proto::to_string(proto::ErrorCode::not_found)
                   : error.status == 413 ? proto::to_string(proto::ErrorCode::too_large)
                                         : proto::to_string(proto::ErrorCode::unavailable),
                   error.what());
    } catch (const std::invalid_argument& error) {
        send_error(response, 415, proto::to_string(proto::ErrorCode::unsupported), error.what());
    }
}

} // namespace

void add_api_routes(HttpRoutes& routes, DaemonAccess& access, LatestFrames& latest) {
    routes.get("/api/v1/watches", [&access](const HttpRequest&, HttpResponse& response) {
        answer_as_control(access, proto::ListRequest{}, response);
    });
    routes.get("/api/v1/watches/{}", [&access](const HttpRequest& request, HttpResponse& response) {
        answer_as_control(access, proto::StatusRequest{request.captured}, response);
    });
    routes.get("/api/v1/watches/{}/runs",
               [&access](const HttpRequest& request, HttpResponse& response) {
                   answer_as_control(access, proto::RunsRequest{request.captured}, response);
               });
    routes.get("/api/v1/peers", [&access](const HttpRequest&, HttpResponse& response) {
        answer_as_control(access, proto::PeersRequest{}, response);
    });
    routes.get("/api/v1/watches/{}/latest",
               [&latest](const HttpRequest& request, HttpResponse& response) {
                   answer_latest(latest, request, response);
               });
    routes.get("/api/v1/overview", [&access](const HttpRequest&, HttpResponse& response) {
        auto figures = access.calls.call<DaemonFigures>(access.figures, control_loop_patience);
        if (!figures)
            return send_error(response, 503, proto::to_string(proto::ErrorCode::unavailable),
                              "the daemon's control loop did not answer in time");
        send_json(response, 200, overview_of(*figures));
    });
}

} // namespace swmrd::daemon
