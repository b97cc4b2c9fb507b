#include "swmrctl/top.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace swmrd::ctl::top {

namespace {

constexpr std::size_t file_width = 28;

std::optional<std::uint64_t> unsigned_at(const proto::Value* map, const std::string& key) {
    const auto* value = map != nullptr ? map->find(key) : nullptr;
    if (value == nullptr)
        return std::nullopt;
    if (const auto* u = std::get_if<std::uint64_t>(&value->data))
        return *u;
    if (const auto* i = std::get_if<std::int64_t>(&value->data); i != nullptr && *i >= 0)
        return static_cast<std::uint64_t>(*i);
    return std::nullopt;
}

// Counters only grow within a run; a smaller one belongs to a new run.
double growth(std::uint64_t before, std::uint64_t after, bool same_run) {
    if (!same_run)
        return static_cast<double>(after);
    return after >= before ? static_cast<double>(after - before) : 0.0;
}

std::string fixed(double value, int decimals) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

struct Column {
    std::string title;
    bool right_aligned = false;
};

// Columns padded to their widest cell, two spaces apart, numbers aligned right; trailing
// blanks cut.
std::string format_table(const std::vector<Column>& columns,
                         const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& column : columns)
        widths.push_back(column.title.size());
    for (const auto& row : rows)
        for (std::size_t c = 0; c < columns.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    std::string out;
    const auto add_line = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::string pad(widths[c] - cells[c].size(), ' ');
            line +=
                (c == 0 ? "" : "  ") + (columns[c].right_aligned ? pad + cells[c] : cells[c] + pad);
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += line + "\n";
    };
    std::vector<std::string> titles;
    for (const auto& column : columns)
        titles.push_back(column.title);
    add_line(titles);
    for (const auto& row : rows)
        add_line(row);
    return out;
}

} // namespace

std::vector<WatchSample> samples_of(const proto::ListReply& list, const proto::Value& raw) {
    const auto* statuses =
        raw.find("watches") != nullptr ? raw.find("watches")->as_array() : nullptr;
    const auto daemon_subscribers = unsigned_at(&raw, "subscribers");
    std::vector<WatchSample> samples;
    for (std::size_t i = 0; i < list.watches.size(); ++i) {
        const auto* map = statuses != nullptr && i < statuses->size() ? &(*statuses)[i] : nullptr;
        WatchSample sample{list.watches[i], unsigned_at(map, "subscribers"),
                           unsigned_at(map, "scan_frames")};
        if (!sample.subscribers)
            sample.subscribers = daemon_subscribers;
        samples.push_back(std::move(sample));
    }
    return samples;
}

std::optional<Rates> rates_between(const proto::WatchStatus& before,
                                   const proto::WatchStatus& after, double seconds) {
    if (seconds <= 0.0)
        return std::nullopt;
    const bool same_run = before.run == after.run;
    return Rates{growth(before.frames, after.frames, same_run) / seconds,
                 growth(before.bytes, after.bytes, same_run) / seconds};
}

std::vector<WatchRow> RateTracker::refresh(std::vector<WatchSample> samples, double now) {
    std::vector<WatchRow> rows;
    std::map<std::string, proto::WatchStatus> current;
    for (auto& sample : samples) {
        WatchRow row{std::move(sample), std::nullopt};
        if (const auto before = previous_.find(row.sample.status.name); before != previous_.end())
            row.rates = rates_between(before->second, row.sample.status, now - previous_time_);
        current.emplace(row.sample.status.name, row.sample.status);
        rows.push_back(std::move(row));
    }
    // A watch gone from the list is forgotten: one started again later has no past rates.
    previous_ = std::move(current);
    previous_time_ = now;
    return rows;
}

std::string file_cell(const std::optional<std::string>& path, std::size_t width) {
    if (!path || path->empty())
        return "-";
    const auto slash = path->find_last_of('/');
    const auto name = slash == std::string::npos ? *path : path->substr(slash + 1);
    if (name.size() <= width || width < 3)
        return name;
    return ".." + name.substr(name.size() - (width - 2));
}

std::string rate_cell(const std::optional<Rates>& rates, bool bytes) {
    if (!rates)
        return "-";
    return bytes ? fixed(rates->bytes_per_second / 1e6, 2) : fixed(rates->frames_per_second, 1);
}

std::string progress_cell(const WatchSample& sample) {
    if (!sample.scan_frames || *sample.scan_frames == 0)
        return "-";
    const auto total = *sample.scan_frames;
    const auto done = std::min<std::uint64_t>(
        static_cast<std::uint64_t>(std::max<std::int64_t>(sample.status.last_index + 1, 0)), total);
    return std::to_string(done) + "/" + std::to_string(total) + " " +
           std::to_string(done * 100 / total) + "%";
}

std::string render(const Screen& screen) {
    std::string out = "swmrd at " + screen.endpoint;
    if (!screen.problem)
        out += ": " + std::to_string(screen.rows.size()) +
               (screen.rows.size() == 1 ? " watch" : " watches");
    out += ", " + screen.clock + " (every " + config::format_duration(screen.interval) + ")\n";
    if (screen.problem)
        return out + *screen.problem + "\n";
    if (screen.rows.empty())
        return out + "no watches\n";

    const auto has = [&](auto field) {
        return std::any_of(screen.rows.begin(), screen.rows.end(),
                           [&](const WatchRow& row) { return field(row.sample); });
    };
    const bool subscribers = has([](const WatchSample& s) { return s.subscribers.has_value(); });
    const bool progress = has([](const WatchSample& s) { return s.scan_frames.value_or(0) > 0; });

    std::vector<Column> columns{{"NAME"},           {"STATE"},      {"FILE"},
                                {"FRAMES/S", true}, {"MB/S", true}, {"FRAMES", true},
                                {"DROPPED", true},  {"LOST", true}};
    if (subscribers)
        columns.push_back({"SUBS", true});
    if (progress)
        columns.push_back({"PROGRESS", true});
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : screen.rows) {
        const auto& s = row.sample.status;
        std::vector<std::string> line{s.name,
                                      std::string(proto::to_string(s.state)),
                                      file_cell(s.current_file, file_width),
                                      rate_cell(row.rates, false),
                                      rate_cell(row.rates, true),
                                      std::to_string(s.frames),
                                      std::to_string(s.dropped),
                                      std::to_string(s.lost)};
        if (subscribers)
            line.push_back(row.sample.subscribers ? std::to_string(*row.sample.subscribers) : "-");
        if (progress)
            line.push_back(progress_cell(row.sample));
        cells.push_back(std::move(line));
    }
    out += format_table(columns, cells);
    for (const auto& row : screen.rows)
        if (row.sample.status.error)
            out += "error in " + row.sample.status.name + ": " + *row.sample.status.error + "\n";
    return out;
}

} // namespace swmrd::ctl::top
