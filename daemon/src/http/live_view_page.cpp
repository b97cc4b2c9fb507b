#include "http/live_view_page.hpp"

#include "live_view_html.hpp" // generated from daemon/web/live_view.html

namespace swmrd::daemon {

void add_live_view_routes(HttpRoutes& routes) {
    routes.get("/", [](const HttpRequest&, HttpResponse& response) {
        response.set_header("Cache-Control", "no-cache");
        // The page runs only its own script and talks only to this daemon.
        response.set_header("Content-Security-Policy",
                            "default-src 'self'; script-src 'unsafe-inline'; "
                            "style-src 'unsafe-inline'; img-src 'self' data:");
        response.set_content(std::string(live_view_html), "text/html; charset=utf-8");
    });
    routes.get("/favicon.ico", [](const HttpRequest&, HttpResponse& response) {
        response.status = 204;
        response.body.reset();
    });
}

} // namespace swmrd::daemon
