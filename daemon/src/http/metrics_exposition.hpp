#pragma once
// /metrics: the daemon's figures in the Prometheus text exposition format (docs/protocol.md,
// HTTP), written by prometheus-cpp's serializer. Every metric is listed, with its
// meaning, in the README's "Metrics" section.

#include "http/daemon_figures.hpp"

#include <string>

namespace swmrd::daemon {

std::string metrics_exposition(const DaemonFigures& figures);

} // namespace swmrd::daemon
