// What the daemon shows of itself: the figures behind /metrics and the live view, and the
// peers of its publish and fetch channels (control `peers`, `list`).
#include "reader/confinement.hpp"
#include "service/daemon.hpp"
#include "version.hpp"

namespace swmrd::daemon {

std::vector<const peers::PeerGuard*> Daemon::guards() const {
    std::vector<const peers::PeerGuard*> guards{&publisher_.peers()};
    if (fetch_)
        guards.push_back(&fetch_->peers());
    return guards;
}

proto::PeersReply Daemon::peers() const {
    proto::PeersReply reply;
    for (const auto* guard : guards()) {
        for (auto& view : guard->peers())
            reply.peers.push_back(
                {view.channel, view.address, view.since, view.queued, view.progress});
        reply.peers_cut += guard->cuts();
    }
    return reply;
}

// On the control loop, like every other read of the watch list.
DaemonFigures Daemon::figures() const {
    DaemonFigures figures;
    figures.version = swmrd_version;
    figures.confinement = reader::confinement_name();
    figures.start_time = start_time_;
    figures.watches = watches_.figures();
    figures.folders = watches_.folder_figures();
    figures.subscribers = publisher_.subscribers();
    figures.connections = publisher_.connections();
    figures.disconnections = publisher_.disconnections();
    for (const auto* guard : guards())
        for (std::size_t reason = 0; reason < peers::cut_reason_count; ++reason)
            figures.peers_cut.push_back({guard->channel(),
                                         peers::name_of(static_cast<peers::CutReason>(reason)),
                                         guard->cuts(static_cast<peers::CutReason>(reason))});
    if (http_) {
        figures.http = http_->figures();
        figures.peers_cut.push_back({"http", "max_connections", figures.http.refused});
    }
    figures.live_budget = {budget_.held(), budget_.limit()};
    figures.fetch_budget = {fetch_budget_.held(), fetch_budget_.limit()};
    figures.fetch_enabled = fetch_ != nullptr;
    if (fetch_) {
        figures.fetch_requests = fetch_->requests();
        figures.fetch_frames = fetch_->frames_sent();
        figures.fetch_bytes = fetch_->bytes_sent();
    }
    return figures;
}

} // namespace swmrd::daemon
