#pragma once
// swmrctl's readable text for each reply; --json prints the reply map instead.

#include <swmrd/proto/control.hpp>

#include <string>

namespace swmrd::ctl {

// Whole lines, each ending in '\n'. An ErrorReply has no text here: it goes to stderr as
// "swmrctl: CODE: MESSAGE".
std::string format_reply(const proto::ControlReply& reply, const std::string& endpoint);

// "swmrd 0.1.0 at tcp://127.0.0.1:5555: protocol 1, up 2 h 5 min", then a line of the
// features the daemon offers, when it names any.
std::string format_ping(const proto::PingReply& ping, const std::string& endpoint);
// An aligned table NAME STATE FRAMES DROPPED LAST FILE (the current file where there is one,
// else the configured path or pattern), then one line per watch with an error.
std::string format_list(const proto::ListReply& list);
// One "key: value" line per field of the status map.
std::string format_status(const proto::WatchStatus& status);
// The runs kept for fetching, oldest first: RUN STATE FIRST FRAMES LAST FETCHABLE FILE.
std::string format_runs(const proto::RunsReply& runs);
// Connected subscribers and fetch clients: CHANNEL ADDRESS CONNECTED QUEUED LAST-TOOK-BYTES,
// ages from `now` (Unix seconds), then the daemon's peers_cut.
std::string format_peers(const proto::PeersReply& peers, double now);
// "12.3 s", "5 min 3 s", "2 h 5 min", "3 d 4 h".
std::string format_uptime(double seconds);

} // namespace swmrd::ctl
