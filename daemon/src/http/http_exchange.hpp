#pragma once
// One HTTP request and the response the endpoint gives it, as the routes see them: plain
// values, so that the routes know nothing of the server underneath (libmicrohttpd).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace swmrd::daemon {

struct HttpRequest {
    std::string method; // GET or HEAD by the time a route sees it
    std::string path;   // percent-decoded, without the query
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers; // names in lower case
    std::string captured;                       // the segment a route's "{}" matched

    std::optional<std::string> param(const std::string& name) const;
    // "" when absent; `name` in lower case.
    std::string header(const std::string& name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
    // Shared, so that a frame kept for its watch goes out without a copy.
    std::shared_ptr<const std::string> body;

    void set_content(std::string content, std::string type);
    void set_text(int code, std::string text) {
        status = code;
        set_content(std::move(text), "text/plain; charset=utf-8");
    }
    void set_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

// The endpoint's pages by path. A pattern is a path in which one segment may be "{}": any
// non-empty segment, handed to the handler as `captured`.
class HttpRoutes {
public:
    void get(std::string pattern, HttpHandler handler);
    // Fills `response` from the route `request` matches: 404 when none does, 500 (logged)
    // when its handler throws.
    void answer(HttpRequest& request, HttpResponse& response) const;

private:
    struct Route {
        std::vector<std::string> segments;
        HttpHandler handler;
    };
    std::vector<Route> routes_;
};

} // namespace swmrd::daemon
