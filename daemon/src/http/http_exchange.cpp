#include "http/http_exchange.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace swmrd::daemon {

namespace {

std::vector<std::string> segments_of(const std::string& path) {
    std::vector<std::string> segments;
    std::size_t start = 1; // after the leading '/'
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        segments.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

} // namespace

std::optional<std::string> HttpRequest::param(const std::string& name) const {
    if (auto found = query.find(name); found != query.end())
        return found->second;
    return std::nullopt;
}

std::string HttpRequest::header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
}

void HttpResponse::set_content(std::string content, std::string type) {
    body = std::make_shared<const std::string>(std::move(content));
    content_type = std::move(type);
}

void HttpRoutes::get(std::string pattern, HttpHandler handler) {
    routes_.push_back({segments_of(pattern), std::move(handler)});
}

void HttpRoutes::answer(HttpRequest& request, HttpResponse& response) const {
    if (request.path.empty() || request.path[0] != '/')
        return response.set_text(400, "HTTP status 400: a path starts with /\n");
    const auto segments = segments_of(request.path);
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size())
            continue;
        std::string captured;
        bool matches = true;
        for (std::size_t i = 0; i < segments.size() && matches; ++i) {
            if (route.segments[i] == "{}" && !segments[i].empty())
                captured = segments[i];
            else
                matches = route.segments[i] == segments[i];
        }
        if (!matches)
            continue;
        request.captured = captured;
        try {
            route.handler(request, response);
        } catch (const std::exception& error) {
            spdlog::warn("http {} {}: {}", request.method, request.path, error.what());
            response = HttpResponse{};
            response.set_text(500, std::string("internal error: ") + error.what() + "\n");
        }
        return;
    }
    response.set_text(404, "HTTP status 404: no such page\n");
}

} // namespace swmrd::daemon
