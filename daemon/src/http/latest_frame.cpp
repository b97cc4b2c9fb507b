#include "http/latest_frame.hpp"

#include "base/inflight_budget.hpp"
#include "fetch/fetch_reader.hpp"

namespace swmrd::daemon {

namespace {

// A copy not asked for in this long is dropped: nobody is looking at that watch.
constexpr auto idle_copy = std::chrono::seconds(10);

std::string list_of(const nlohmann::json& parts) {
    std::string names;
    for (const auto& part : parts)
        names += (names.empty() ? "" : ", ") + part.value("path", std::string());
    return names;
}

} // namespace

LatestFrames::LatestFrames(RunRegistry& runs, std::uint64_t max_bytes,
                           std::chrono::milliseconds min_interval)
    : runs_(runs), max_bytes_(max_bytes), min_interval_(min_interval) {}

std::shared_ptr<LatestFrames::PerWatch> LatestFrames::per_watch(const std::string& watch) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    trim(now);
    auto& entry = watches_[watch];
    if (!entry)
        entry = std::make_shared<PerWatch>();
    entry->asked_at = now;
    return entry;
}

void LatestFrames::trim(std::chrono::steady_clock::time_point now) {
    std::erase_if(watches_,
                  [&](const auto& item) { return now - item.second->asked_at > idle_copy; });
    for (;;) {
        std::uint64_t total = 0;
        auto oldest = watches_.end();
        for (auto it = watches_.begin(); it != watches_.end(); ++it) {
            total += it->second->bytes.load();
            if (oldest == watches_.end() || it->second->asked_at < oldest->second->asked_at)
                oldest = it;
        }
        if (total <= max_bytes_ || oldest == watches_.end())
            return;
        watches_.erase(oldest); // a reader still using it keeps its own reference
    }
}

RunRecord LatestFrames::newest(const std::string& watch, std::int64_t& index) const {
    if (!runs_.knows_watch(watch))
        throw HttpError(404, "no run of a watch named " + watch + " is kept");
    const auto runs = runs_.runs(watch);
    if (runs.empty())
        throw HttpError(404, "watch " + watch + " has no run yet");
    auto record = runs_.find(watch, runs.back().run);
    if (!record)
        throw HttpError(404, "watch " + watch + "'s newest run is no longer kept");
    index = record->counters && !record->ended ? record->counters->last_index.load()
                                               : record->last_index;
    if (index < 0)
        throw HttpError(404,
                        "watch " + watch + "'s run " + record->run + " has published no frame yet");
    return std::move(*record);
}

void LatestFrames::probe(const std::string& watch) const {
    std::int64_t index = -1;
    const auto record = newest(watch, index);
    if (const auto gone = RunRegistry::gone(record))
        throw HttpError(410, *gone);
}

LatestFrame LatestFrames::read(const std::string& watch, const std::string& dataset) {
    std::int64_t index = -1;
    const auto newest_run = newest(watch, index);
    const auto* record = &newest_run;

    const auto entry = per_watch(watch);
    std::shared_ptr<const Read> read;
    {
        std::lock_guard lock(entry->mutex);
        const auto now = std::chrono::steady_clock::now();
        // A request that found the newest index before another stored a newer frame must not
        // put the older one back: the view never steps back within a run.
        const bool same_run = entry->read && entry->run == record->run;
        const bool newer = !same_run || index > entry->index;
        if (newer && (!entry->read || now - entry->read_at >= min_interval_)) {
            entry->read = read_again(*record, index);
            std::uint64_t bytes = 0;
            for (const auto& part : entry->read->parts)
                bytes += part.size();
            entry->bytes.store(bytes);
            entry->read_at = now;
            entry->run = record->run;
            entry->index = index;
        }
        read = entry->read;
    }

    const auto& parts = read->header.at("parts");
    for (std::size_t part = 0; part < parts.size(); ++part) {
        if (parts[part].value("path", std::string()) != dataset)
            continue;
        LatestFrame frame;
        const auto& header = read->header;
        frame.metadata = {{"watch", watch},
                          {"run", header.value("run", std::string())},
                          {"file", header.value("file", std::string())},
                          {"index", header.at("index")},
                          {"seq", header.at("seq")},
                          {"slice", header.at("slice")},
                          {"scan_shape", header.at("scan_shape")},
                          {"dataset", dataset},
                          {"dtype", parts[part].at("dtype")},
                          {"shape", parts[part].at("shape")}};
        frame.values = std::shared_ptr<const std::string>(read, &read->parts[part]);
        return frame;
    }
    throw HttpError(404, "watch " + watch + "'s frames hold no dataset " + dataset +
                             "; they hold " + list_of(parts));
}

std::shared_ptr<const LatestFrames::Read> LatestFrames::read_again(const RunRecord& record,
                                                                   std::int64_t index) {
    if (const auto gone = RunRegistry::gone(record))
        throw HttpError(410, *gone);
    auto decoded = record;
    decoded.spec.encoding = config::Encoding::raw; // the live view wants values, not chunks
    std::lock_guard one_at_a_time(read_mutex_);
    try {
        FetchReader reader(decoded, max_bytes_, max_bytes_);
        InflightBudget budget(max_bytes_);
        std::uint64_t bytes = 0;
        const auto first = static_cast<std::uint64_t>(index);
        reader.frames_within(first, 1, max_bytes_, true, bytes);
        budget.try_acquire(bytes);
        Reservation reservation(budget, bytes);
        std::vector<OutgoingMessage> built;
        reader.build(first, 1, reservation, budget, built);
        if (built.empty())
            throw HttpError(503, "frame " + std::to_string(index) + " of " + record.file +
                                     " could not be read just now");
        auto read = std::make_shared<Read>();
        read->header = nlohmann::json::from_msgpack(built.front().header);
        for (const auto& payload : built.front().payload)
            read->parts.emplace_back(static_cast<const char*>(payload.data()), payload.size());
        return read;
    } catch (const HttpError&) {
        throw;
    } catch (const RunFileChanged& error) {
        runs_.supersede(record.run, error.what());
        throw HttpError(410, error.what());
    } catch (const MessageTooLarge& error) {
        throw HttpError(413, std::string(error.what()) + " for the live view, whose frames "
                                                         "hold a share of max_inflight");
    } catch (const std::exception& error) {
        throw HttpError(503, "reading frame " + std::to_string(index) + " of " + record.file +
                                 " again: " + error.what());
    }
}

} // namespace swmrd::daemon
