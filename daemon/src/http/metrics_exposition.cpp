#include "http/metrics_exposition.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <deque>
#include <iterator>
#include <limits>
#include <utility>

namespace swmrd::daemon {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr auto states = proto::all_values<proto::WatchState>();
constexpr auto reasons = proto::all_values<proto::EndReason>();

// A deque: the families added first are filled while later ones are added.
class Families {
public:
    MetricFamily& add(std::string name, std::string help, MetricType type) {
        families_.push_back({std::move(name), std::move(help), type, {}});
        return families_.back();
    }
    std::vector<MetricFamily> all() {
        return {std::make_move_iterator(families_.begin()),
                std::make_move_iterator(families_.end())};
    }

private:
    std::deque<MetricFamily> families_;
};

void add_value(MetricFamily& family, Labels labels, double value) {
    ClientMetric metric;
    metric.label = std::move(labels);
    if (family.type == MetricType::Counter)
        metric.counter.value = value;
    else
        metric.gauge.value = value;
    family.metric.push_back(std::move(metric));
}

double number(std::uint64_t value) {
    return static_cast<double>(value);
}

Labels watch_label(const WatchFigures& watch) {
    return {{"watch", watch.status.name}};
}

void add_histogram(MetricFamily& family, Labels labels, const LatencyHistogram::Snapshot& data) {
    ClientMetric metric;
    metric.label = std::move(labels);
    metric.histogram.sample_count = data.count;
    metric.histogram.sample_sum = data.sum_seconds;
    std::uint64_t cumulative = 0;
    for (std::size_t bucket = 0; bucket < LatencyHistogram::bounds.size(); ++bucket) {
        cumulative += data.counts[bucket];
        metric.histogram.bucket.push_back({cumulative, LatencyHistogram::bounds[bucket]});
    }
    metric.histogram.bucket.push_back({data.count, std::numeric_limits<double>::infinity()});
    family.metric.push_back(std::move(metric));
}

void add_daemon(Families& out, const DaemonFigures& figures) {
    add_value(out.add("swmrd_build_info", "The daemon's version, as a label; always 1.",
                      MetricType::Gauge),
              {{"version", figures.version}}, 1.0);
    add_value(out.add("swmrd_reader_confinement_info",
                      "How reader processes are confined (landlock or none), as a label; always 1.",
                      MetricType::Gauge),
              {{"mode", figures.confinement}}, 1.0);
    add_value(out.add("swmrd_start_time_seconds", "When the daemon started, in Unix seconds.",
                      MetricType::Gauge),
              {}, figures.start_time);
    add_value(out.add("swmrd_subscribers", "Subscribers connected to the PUB endpoints now.",
                      MetricType::Gauge),
              {}, number(figures.subscribers));
    add_value(out.add("swmrd_subscriber_connections_total",
                      "Subscriber connections accepted since the start.", MetricType::Counter),
              {}, number(figures.connections));
    add_value(out.add("swmrd_subscriber_disconnections_total",
                      "Subscriber connections closed or timed out since the start.",
                      MetricType::Counter),
              {}, number(figures.disconnections));
    auto& cut =
        out.add("swmrd_peers_cut_total",
                "Subscribers (channel=publish), fetch clients and HTTP clients disconnected by the "
                "daemon, by reason: stalled (took nothing for peer_timeout), share (its "
                "queue crowded max_inflight while another waited), max_connections "
                "(refused).",
                MetricType::Counter);
    for (const auto& count : figures.peers_cut)
        add_value(cut, {{"channel", count.channel}, {"reason", count.reason}}, number(count.count));
    auto& held =
        out.add("swmrd_inflight_bytes",
                "Frame bytes held for sending now: pool=live (PUB) or fetch.", MetricType::Gauge);
    auto& limit = out.add("swmrd_inflight_limit_bytes",
                          "The most frame bytes each pool may hold (max_inflight, shared).",
                          MetricType::Gauge);
    add_value(held, {{"pool", "live"}}, number(figures.live_budget.held));
    add_value(limit, {{"pool", "live"}}, number(figures.live_budget.limit));
    if (figures.fetch_enabled) {
        add_value(held, {{"pool", "fetch"}}, number(figures.fetch_budget.held));
        add_value(limit, {{"pool", "fetch"}}, number(figures.fetch_budget.limit));
        add_value(out.add("swmrd_fetch_requests_total",
                          "Fetch requests received on the fetch channel.", MetricType::Counter),
                  {}, number(figures.fetch_requests));
        add_value(out.add("swmrd_fetch_frames_total", "Frames sent on the fetch channel.",
                          MetricType::Counter),
                  {}, number(figures.fetch_frames));
        add_value(out.add("swmrd_fetch_sent_bytes_total",
                          "Payload bytes sent on the fetch channel.", MetricType::Counter),
                  {}, number(figures.fetch_bytes));
    }
    add_value(out.add("swmrd_inotify_watches",
                      "Kernel inotify watches in use (one instance for the daemon): one per "
                      "folder or file followed, however many watches follow it.",
                      MetricType::Gauge),
              {}, number(figures.folders.kernel_watches));
    add_value(out.add("swmrd_folder_listings",
                      "Folders that pattern watches look in, each listed once for all of them.",
                      MetricType::Gauge),
              {}, number(figures.folders.listings));
    add_value(out.add("swmrd_folder_listing_files", "Files in those folders' listings.",
                      MetricType::Gauge),
              {}, number(figures.folders.files));
    add_value(
        out.add("swmrd_folder_listing_bytes", "Memory those listings hold.", MetricType::Gauge), {},
        number(figures.folders.memory_bytes));
    if (figures.http.enabled) {
        add_value(
            out.add("swmrd_http_connections", "HTTP connections open now.", MetricType::Gauge), {},
            number(figures.http.connections));
        add_value(out.add("swmrd_http_requests_refused_total",
                          "HTTP requests answered 503 because every request worker was busy "
                          "and their queue full (reason=busy).",
                          MetricType::Counter),
                  {{"reason", "busy"}}, number(figures.http.refused_busy));
    }
}

void add_watches(Families& out, const DaemonFigures& figures) {
    auto& info = out.add("swmrd_watch_info",
                         "Each listed watch, its source (config or control) and file or "
                         "pattern; always 1.",
                         MetricType::Gauge);
    auto& state = out.add("swmrd_watch_state", "1 for the watch's state now, 0 for the others.",
                          MetricType::Gauge);
    auto& frames = out.add("swmrd_frames_sent_total",
                           "Frames handed to ZeroMQ since the watch started.", MetricType::Counter);
    auto& bytes = out.add("swmrd_payload_sent_bytes_total",
                          "Frame payload bytes handed to ZeroMQ since the watch started.",
                          MetricType::Counter);
    auto& dropped = out.add("swmrd_frames_dropped_total",
                            "Frames not delivered in drop delivery since the watch started "
                            "(status: dropped).",
                            MetricType::Counter);
    auto& lost = out.add("swmrd_messages_lost_total",
                         "Messages given up otherwise since the watch started (status: lost).",
                         MetricType::Counter);
    auto& runs = out.add("swmrd_runs_total", "Runs ended since the watch started, by end reason.",
                         MetricType::Counter);
    auto& run_frames =
        out.add("swmrd_run_frames", "Frames sent in the current or last run (status: frames).",
                MetricType::Gauge);
    auto& run_last_index = out.add("swmrd_run_last_index",
                                   "Scan index of the last frame sent in the current or last "
                                   "run; -1 before the first (status: last_index).",
                                   MetricType::Gauge);
    auto& scan_frames = out.add("swmrd_run_scan_frames",
                                "Frames the current run's scan holds when its shape is bounded; "
                                "0 when unknown.",
                                MetricType::Gauge);
    auto& latency = out.add("swmrd_readable_to_sent_seconds",
                            "Time from the poll that found a frame's key readable to the frame "
                            "being handed to ZeroMQ.",
                            MetricType::Histogram);
    for (const auto& watch : figures.watches) {
        const auto& status = watch.status;
        const auto& counters = *watch.counters;
        add_value(info, {{"watch", status.name}, {"source", status.source}, {"file", status.file}},
                  1.0);
        for (const auto each : states)
            add_value(state, {{"watch", status.name}, {"state", proto::to_string(each)}},
                      status.state == each ? 1.0 : 0.0);
        add_value(frames, watch_label(watch), number(counters.frames_total.load()));
        add_value(bytes, watch_label(watch), number(counters.bytes_total.load()));
        add_value(dropped, watch_label(watch), number(status.dropped));
        add_value(lost, watch_label(watch), number(status.lost));
        for (const auto reason : reasons)
            add_value(runs, {{"watch", status.name}, {"reason", proto::to_string(reason)}},
                      number(counters.runs_by_reason[static_cast<std::size_t>(reason)].load()));
        add_value(run_frames, watch_label(watch), number(status.frames));
        add_value(run_last_index, watch_label(watch), static_cast<double>(status.last_index));
        add_value(scan_frames, watch_label(watch), number(counters.scan_frames.load()));
        add_histogram(latency, watch_label(watch), counters.readable_to_sent.snapshot());
    }
}

} // namespace

std::string metrics_exposition(const DaemonFigures& figures) {
    Families families;
    add_daemon(families, figures);
    add_watches(families, figures);
    return prometheus::TextSerializer().Serialize(families.all());
}

} // namespace swmrd::daemon
