// swmrctl's readable output.

#include "swmrctl/output.hpp"

#include <doctest/doctest.h>

using namespace swmrd;
using namespace swmrd::ctl;

namespace {

proto::WatchStatus watch(std::string name, proto::WatchState state, std::uint64_t frames) {
    proto::WatchStatus s;
    s.name = std::move(name);
    s.file = "/data/" + s.name + "-*.h5";
    s.source = "control";
    s.state = state;
    s.frames = frames;
    return s;
}

} // namespace

TEST_CASE("ping shows version, protocol, uptime and features") {
    CHECK(format_ping({"0.1.0", 1, 12.34, {}}, "tcp://127.0.0.1:5555") ==
          "swmrd 0.1.0 at tcp://127.0.0.1:5555: protocol 1, up 12.3 s\n");
    CHECK(format_ping({"0.1.0", 1, 12.34, {"confinement:landlock", "fetch"}},
                      "tcp://127.0.0.1:5555") ==
          "swmrd 0.1.0 at tcp://127.0.0.1:5555: protocol 1, up 12.3 s\n"
          "features: confinement:landlock fetch\n");
    CHECK(format_uptime(303) == "5 min 3 s");
    CHECK(format_uptime(7500) == "2 h 5 min");
    CHECK(format_uptime(4 * 86400 + 3 * 3600 + 5) == "4 d 3 h");
}

TEST_CASE("list is an aligned table, then the errors of failed watches") {
    auto streaming = watch("det1", proto::WatchState::streaming, 1234);
    streaming.current_file = "/data/det1-7.h5";
    streaming.last_index = 1233;
    streaming.dropped = 2;
    auto failed = watch("detector_two", proto::WatchState::failed, 0);
    failed.error = "/data/x.h5: not an HDF5 file";
    CHECK(format_list({{streaming, failed}}) ==
          "NAME          STATE      FRAMES  DROPPED  LAST  FILE\n"
          "det1          streaming  1234    2        1233  /data/det1-7.h5\n"
          "detector_two  failed     0       0        -     /data/detector_two-*.h5\n"
          "error in detector_two (failed): /data/x.h5: not an HDF5 file\n");
    CHECK(format_list({}) == "no watches\n");
}

TEST_CASE("peers is a table of ages and queued bytes, then peers_cut") {
    const proto::PeersReply peers{{{"publish", "192.0.2.7:40112", 1000.0, 2988032, 1090.5},
                                   {"fetch", "[::1]:51820", 1095.0, std::nullopt, 1099.0}},
                                  3};
    CHECK(format_peers(peers, 1100.0) ==
          "CHANNEL  ADDRESS          CONNECTED       QUEUED   LAST TOOK BYTES\n"
          "publish  192.0.2.7:40112  1 min 40 s ago  2.85MiB  9.5 s ago\n"
          "fetch    [::1]:51820      5.0 s ago       -        1.0 s ago\n"
          "3 peer(s) disconnected by the daemon since it started (peers_cut)\n");
    CHECK(format_peers({}, 1100.0) == "no subscribers or fetch clients connected\n"
                                      "0 peer(s) disconnected by the daemon since it started "
                                      "(peers_cut)\n");
}

TEST_CASE("status is one key: value line per field") {
    auto s = watch("det1", proto::WatchState::waiting, 0);
    s.bytes = 2048;
    CHECK(format_status(s) == "name:         det1\n"
                              "state:        waiting\n"
                              "source:       control\n"
                              "file:         /data/det1-*.h5\n"
                              "current_file: -\n"
                              "run:          -\n"
                              "frames:       0\n"
                              "bytes:        2048 (2KiB)\n"
                              "last_index:   -\n"
                              "dropped:      0\n"
                              "lost:         0\n"
                              "error:        -\n"
                              "file_state:   -\n"
                              "warning:      -\n");
}

TEST_CASE("start and stop answer in one line") {
    CHECK(format_reply(proto::StartReply{"det1"}, "e") == "started watch det1\n");
    CHECK(format_reply(proto::StopReply{"det1", 42}, "e") ==
          "stopped watch det1 after 42 frames\n");
}
