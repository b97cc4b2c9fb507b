#pragma once
// `/`: the live view (daemon/web/live_view.html, built into the binary so the page needs
// nothing but the daemon: no CDN, no files to install).

namespace httplib {
class Server;
}

namespace swmrd::daemon {

void add_live_view_routes(httplib::Server& server);

} // namespace swmrd::daemon
