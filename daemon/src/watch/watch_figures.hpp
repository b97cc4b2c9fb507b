#pragma once
// What a watch shows of itself at one moment (status, /metrics, the live view): its status,
// taken on the control loop, and its counters, atomics that go on moving.

#include "runs/watch_counters.hpp"

#include <swmrd/proto/control.hpp>

#include <memory>
#include <string>
#include <vector>

namespace swmrd::daemon {

struct WatchFigures {
    proto::WatchStatus status;
    std::shared_ptr<const WatchCounters> counters;
    std::vector<std::string> datasets; // the parts of its frames: datasets, interleaved groups
};

} // namespace swmrd::daemon
