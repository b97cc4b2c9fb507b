#pragma once
// `/`: the live view (daemon/web/live_view.html, built into the binary so the page needs
// nothing but the daemon: no CDN, no files to install).

#include "http/http_exchange.hpp"

namespace swmrd::daemon {

void add_live_view_routes(HttpRoutes& routes);

} // namespace swmrd::daemon
