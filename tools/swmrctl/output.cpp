#include "swmrctl/output.hpp"

#include <swmrd/config/units.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <vector>

namespace swmrd::ctl {

namespace {

std::string pad_right(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string last_index_text(std::int64_t last_index) {
    return last_index < 0 ? "-" : std::to_string(last_index);
}

} // namespace

std::string format_uptime(double seconds) {
    char text[64];
    if (seconds < 60) {
        std::snprintf(text, sizeof text, "%.1f s", seconds);
        return text;
    }
    const auto whole = static_cast<unsigned long long>(seconds);
    const auto minutes = whole / 60;
    const auto hours = minutes / 60;
    const auto days = hours / 24;
    if (hours == 0)
        std::snprintf(text, sizeof text, "%llu min %llu s", minutes, whole % 60);
    else if (days == 0)
        std::snprintf(text, sizeof text, "%llu h %llu min", hours, minutes % 60);
    else
        std::snprintf(text, sizeof text, "%llu d %llu h", days, hours % 24);
    return text;
}

std::string format_ping(const proto::PingReply& ping, const std::string& endpoint) {
    std::string text = "swmrd " + ping.version + " at " + endpoint + ": protocol " +
                       std::to_string(ping.protocol) + ", up " + format_uptime(ping.uptime);
    if (!ping.features.empty()) {
        text += "\nfeatures: ";
        for (std::size_t i = 0; i < ping.features.size(); ++i)
            text += (i > 0 ? " " : "") + ping.features[i];
    }
    return text + "\n";
}

// Columns padded to their widest cell, two spaces apart; the last one as it is.
template <std::size_t N>
std::string format_table(const std::vector<std::array<std::string, N>>& rows) {
    std::array<std::size_t, N> widths{};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < N; ++c)
            widths[c] = std::max(widths[c], row[c].size());
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < N; ++c)
            line += c + 1 < N ? pad_right(row[c], widths[c]) + "  " : row[c];
        out += line + "\n";
    }
    return out;
}

std::string format_list(const proto::ListReply& list) {
    if (list.watches.empty())
        return "no watches\n";
    std::vector<std::array<std::string, 6>> rows{
        {"NAME", "STATE", "FRAMES", "DROPPED", "LAST", "FILE"}};
    for (const auto& w : list.watches)
        rows.push_back({w.name, proto::to_string(w.state), std::to_string(w.frames),
                        std::to_string(w.dropped), last_index_text(w.last_index),
                        w.current_file.value_or(w.file)});
    auto out = format_table(rows);
    for (const auto& w : list.watches)
        if (w.error)
            out +=
                "error in " + w.name + " (" + proto::to_string(w.state) + "): " + *w.error + "\n";
    return out;
}

std::string format_runs(const proto::RunsReply& runs) {
    if (runs.runs.empty())
        return "no runs kept\n";
    std::vector<std::array<std::string, 7>> rows{
        {"RUN", "STATE", "FIRST", "FRAMES", "LAST", "FETCHABLE", "FILE"}};
    for (const auto& r : runs.runs)
        rows.push_back({r.run, r.reason ? proto::to_string(*r.reason) : proto::to_string(r.state),
                        std::to_string(r.first_index), std::to_string(r.frames),
                        last_index_text(r.last_index), r.fetchable ? "yes" : "no (file gone)",
                        r.file});
    return format_table(rows);
}

std::string format_peers(const proto::PeersReply& peers, double now) {
    const auto ago = [now](double when) {
        return format_uptime(std::max(now - when, 0.0)) + " ago";
    };
    std::string out;
    if (peers.peers.empty()) {
        out = "no subscribers or fetch clients connected\n";
    } else {
        std::vector<std::array<std::string, 5>> rows{
            {"CHANNEL", "ADDRESS", "CONNECTED", "QUEUED", "LAST TOOK BYTES"}};
        for (const auto& p : peers.peers)
            rows.push_back({p.channel, p.address, ago(p.since),
                            p.queued ? config::format_size(*p.queued) : "-", ago(p.progress)});
        out = format_table(rows);
    }
    return out + std::to_string(peers.peers_cut) +
           " peer(s) disconnected by the daemon since it started (peers_cut)\n";
}

std::string format_status(const proto::WatchStatus& s) {
    const std::vector<std::pair<std::string, std::string>> fields{
        {"name", s.name},
        {"state", proto::to_string(s.state)},
        {"source", s.source},
        {"file", s.file},
        {"current_file", s.current_file.value_or("-")},
        {"run", s.run.value_or("-")},
        {"frames", std::to_string(s.frames)},
        {"bytes", std::to_string(s.bytes) + " (" + config::format_size(s.bytes) + ")"},
        {"last_index", last_index_text(s.last_index)},
        {"dropped", std::to_string(s.dropped)},
        {"lost", std::to_string(s.lost)},
        {"error", s.error.value_or("-")},
        {"file_state", s.file_state ? proto::to_string(*s.file_state) : "-"},
        {"warning", s.warning.value_or("-")},
    };
    std::string out;
    for (const auto& [key, value] : fields)
        out += pad_right(key + ":", 14) + value + "\n";
    return out;
}

std::string format_reply(const proto::ControlReply& reply, const std::string& endpoint) {
    struct Visitor {
        const std::string& endpoint;
        std::string operator()(const proto::PingReply& r) const { return format_ping(r, endpoint); }
        std::string operator()(const proto::StartReply& r) const {
            return "started watch " + r.watch + "\n";
        }
        std::string operator()(const proto::StopReply& r) const {
            return "stopped watch " + r.watch + " after " + std::to_string(r.frames) + " frames\n";
        }
        std::string operator()(const proto::ListReply& r) const { return format_list(r); }
        std::string operator()(const proto::StatusReply& r) const { return format_status(r.watch); }
        std::string operator()(const proto::RunsReply& r) const { return format_runs(r); }
        std::string operator()(const proto::PeersReply& r) const {
            return format_peers(r, std::chrono::duration<double>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
        }
        std::string operator()(const proto::ErrorReply&) const { return {}; }
    };
    return std::visit(Visitor{endpoint}, reply);
}

} // namespace swmrd::ctl
