#pragma once
// Every run the daemon remembers, so its frames can be read again from its file: the last
// `history` runs of each watch, kept after the run ends and after its watch is stopped.
// Watches write it (a run started, a run's end went out); the control channel's `runs` and
// the fetch channel read it.

#include "files/file_selector.hpp"
#include "runs/run_seal.hpp"
#include "runs/watch_counters.hpp"

#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/control.hpp>
#include <swmrd/proto/messages.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::daemon {

struct RunRecord {
    std::string run;
    config::WatchSpec spec; // how it was read: keys, datasets, encoding…
    std::string file;
    FileIdentity identity; // the file the run read; another one at the path is not it
    // Control watches read only inside these, links included; nullopt for config watches.
    std::optional<std::vector<std::string>> allowed_roots;
    std::uint64_t first_index = 0;
    double started = 0.0;
    std::optional<double> ended;
    std::optional<proto::EndReason> reason;
    std::uint64_t frames = 0; // published, final once ended
    std::int64_t last_index = -1;
    std::shared_ptr<WatchCounters> counters; // the live figures while streaming
    // Set when the file is known to hold something else now, though its identity is the
    // same: written anew in place.
    std::optional<std::string> superseded;
    // What the run saw of its file at its end (run_seal.hpp); nullopt while streaming, and
    // for a run that could not seal it.
    std::optional<RunSeal> seal;
};

class RunRegistry {
public:
    // `history`: runs kept per watch name; `limit`: runs kept in all, the oldest ended ones
    // of any watch going first (control clients may name a watch per scan).
    explicit RunRegistry(std::size_t history, std::size_t limit = 10000);

    // A run of `record.spec.name` began. Earlier runs of that watch over the same file are
    // superseded: the watch runs a file again only when it was written anew in place.
    void started(RunRecord record);
    // The run's end went out with these figures.
    void ended(const std::string& run, proto::EndReason reason, std::uint64_t frames,
               std::int64_t last_index);

    // The run's file, as it ended: later reads check it is still that file.
    void seal(const std::string& run, const RunSeal& seal);
    // The run's file is known to be another one now, for `why`: fetches answer `gone`.
    void supersede(const std::string& run, const std::string& why);

    std::optional<RunRecord> find(const std::string& watch, const std::string& run) const;
    bool knows_watch(const std::string& watch) const;
    // The runs of `watch`, oldest first, as the control channel's `runs` shows them.
    std::vector<proto::RunInfo> runs(const std::string& watch) const;

    // Whether the file at the record's path is still the one the run read, as far as a look
    // at it tells (deleted, replaced, truncated, or found rewritten before); else why not.
    // A file that changed otherwise is read again to be sure (run_seal.hpp).
    static std::optional<std::string> gone(const RunRecord& record);

private:
    void evict();

    const std::size_t history_;
    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::map<std::string, std::deque<RunRecord>> by_watch_;
    std::size_t count_ = 0;
};

} // namespace swmrd::daemon
