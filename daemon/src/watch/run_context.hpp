#pragma once
// What a run borrows from its watch: where messages go, how memory is bounded, and how to
// notice a stop.

#include "base/inflight_budget.hpp"
#include "delivery/publisher.hpp"
#include "files/file_events.hpp"
#include "runs/watch_counters.hpp"

#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/messages.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace swmrd::daemon {

struct RunContext {
    const config::WatchSpec& spec;
    Publisher& publisher;
    InflightBudget& budget;
    Delivery delivery;
    // A message larger than this ends the run with an error before it is read.
    std::uint64_t max_message;
    std::shared_ptr<WatchCounters> counters;
    // Set when the watch is asked to stop: `stopped` or `shutdown`.
    std::function<std::optional<proto::EndReason>()> stop_reason;
    // Sleeps up to `duration`, returning early on a stop.
    std::function<void(std::chrono::microseconds)> sleep;
    // Something the run ignores rather than fails on: logged once, shown in status.
    std::function<void(const std::string&)> warn;
    // The run's start goes out, from `first_index`: it is remembered for fetching.
    std::function<void(std::uint64_t first_index)> on_start;
    // The run's end went out, with its final figures.
    std::function<void(const proto::EndHeader&)> on_end;
    // The watch's events of the file the run reads (following it already), if any; a stop
    // wakes a wait for them.
    FileEvents* file_events = nullptr;
};

} // namespace swmrd::daemon
