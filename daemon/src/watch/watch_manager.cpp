#include "watch/watch_manager.hpp"

#include <swmrd/config/allowed_roots.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <thread>

namespace swmrd::daemon {

WatchManager::WatchManager(Publisher& publisher, InflightBudget& budget, Delivery delivery,
                           std::uint64_t max_message, RunRegistry& runs, std::size_t max_watches)
    : publisher_(publisher), budget_(budget), delivery_(delivery), max_message_(max_message),
      runs_(runs), max_watches_(max_watches) {}

WatchManager::~WatchManager() {
    shutdown();
}

Watch* WatchManager::find(const std::string& name) const {
    for (const auto& watch : watches_)
        if (watch->spec().name == name)
            return watch.get();
    return nullptr;
}

std::unique_ptr<Watch> WatchManager::take(const std::string& name) {
    auto it = std::find_if(watches_.begin(), watches_.end(),
                           [&](const auto& watch) { return watch->spec().name == name; });
    if (it == watches_.end())
        return nullptr;
    auto watch = std::move(*it);
    watches_.erase(it);
    return watch;
}

std::optional<proto::ErrorReply>
WatchManager::start(config::WatchSpec spec, WatchSource source,
                    std::optional<std::vector<std::string>> allowed_roots) {
    if (find(spec.name))
        return proto::ErrorReply{proto::to_string(proto::ErrorCode::exists),
                                 "a watch named " + spec.name +
                                     " is already listed: `stop` it first"};
    if (watches_.size() >= max_watches_)
        return proto::ErrorReply{proto::to_string(proto::ErrorCode::forbidden),
                                 "the daemon already runs " + std::to_string(watches_.size()) +
                                     " watches, its max_watches: stop one first"};
    spdlog::info("watch {} started ({}): {}", spec.name,
                 source == WatchSource::config ? "config" : "control", spec.file);
    auto predecessor = reaper_.leaving(spec.name);
    watches_.push_back(std::make_unique<Watch>(std::move(spec), source, publisher_, budget_,
                                               delivery_, max_message_, runs_, folders_,
                                               std::move(allowed_roots), std::move(predecessor)));
    return std::nullopt;
}

std::variant<proto::StopReply, proto::ErrorReply> WatchManager::stop(const std::string& name,
                                                                     proto::EndReason reason) {
    auto watch = take(name);
    if (!watch)
        return proto::ErrorReply{proto::to_string(proto::ErrorCode::not_found),
                                 "no watch named " + name + " is listed"};
    watch->request_stop(reason);
    // Answered at once: the watch ends its run and its thread is joined by the reaper, so a
    // watch stuck on a filesystem that stopped answering never holds the control channel.
    const auto frames = watch->frames();
    reaper_.reap(std::move(watch));
    spdlog::info("watch {} stopped", name);
    return proto::StopReply{name, frames};
}

std::vector<proto::WatchStatus> WatchManager::list() const {
    std::vector<proto::WatchStatus> statuses;
    for (const auto& watch : watches_)
        statuses.push_back(watch->status());
    return statuses;
}

std::vector<WatchFigures> WatchManager::figures() const {
    std::vector<WatchFigures> figures;
    for (const auto& watch : watches_) {
        WatchFigures entry{watch->status(), watch->counters(), watch->spec().datasets};
        for (const auto& group : watch->spec().interleaved)
            entry.datasets.push_back(group.first);
        figures.push_back(std::move(entry));
    }
    return figures;
}

std::optional<proto::WatchStatus> WatchManager::status(const std::string& name) const {
    if (auto* watch = find(name))
        return watch->status();
    return std::nullopt;
}

std::vector<std::string> WatchManager::names() const {
    std::vector<std::string> names;
    for (const auto& watch : watches_)
        names.push_back(watch->spec().name);
    return names;
}

void WatchManager::apply_config(const std::vector<config::WatchSpec>& watches) {
    std::map<std::string, const config::WatchSpec*> wanted;
    for (const auto& spec : watches)
        wanted[spec.name] = &spec;

    // Stop the config watches that are gone or changed, and hand them to the reaper: the
    // reload never waits on a watch (one may be stuck in a read); a changed watch's successor
    // waits for it to be gone before it opens anything.
    for (auto it = watches_.begin(); it != watches_.end();) {
        auto& watch = *it;
        const auto found = wanted.find(watch->spec().name);
        const bool keep = watch->source() == WatchSource::control ||
                          (found != wanted.end() && *found->second == watch->spec());
        if (keep) {
            ++it;
            continue;
        }
        spdlog::info("config reload: watch {} {}", watch->spec().name,
                     found == wanted.end() ? "removed" : "changed, restarting");
        watch->request_stop(proto::EndReason::stopped);
        reaper_.reap(std::move(watch));
        it = watches_.erase(it);
    }

    for (const auto& spec : watches) {
        if (auto* existing = find(spec.name)) {
            if (existing->source() == WatchSource::control)
                spdlog::error("config watch {} not started: a watch of that name was started "
                              "by control; stop it to let the config one run",
                              spec.name);
            continue;
        }
        if (auto error = start(spec, WatchSource::config))
            spdlog::error("config watch {} not started: {}", spec.name, error->message);
    }
}

void WatchManager::stop_control_watches_outside(const std::vector<std::string>& allowed_roots) {
    for (auto it = watches_.begin(); it != watches_.end();) {
        std::string why;
        // Outside: its file or pattern, or the file its current run reads (a pattern's
        // match may be a link out).
        const auto current = (*it)->status().current_file;
        const bool outside =
            (*it)->source() == WatchSource::control &&
            (!config::is_inside_allowed_roots((*it)->spec().file, allowed_roots, &why) ||
             (current && (*it)->status().state == proto::WatchState::streaming &&
              !config::is_inside_allowed_roots(*current, allowed_roots, &why)));
        if (outside) {
            spdlog::warn("config reload: control watch {} stopped: {}", (*it)->spec().name, why);
            (*it)->request_stop(proto::EndReason::stopped);
            reaper_.reap(std::move(*it));
            it = watches_.erase(it);
        } else {
            (*it)->set_allowed_roots(allowed_roots); // what it selects next is checked so
            ++it;
        }
    }
}

std::vector<std::shared_ptr<Watch>>
WatchManager::shutdown(std::chrono::steady_clock::time_point deadline) {
    for (auto& watch : watches_)
        watch->request_stop(proto::EndReason::shutdown);
    for (auto& watch : watches_)
        reaper_.reap(std::move(watch));
    watches_.clear();
    return reaper_.wait_all(deadline);
}

} // namespace swmrd::daemon
