#include "layout.hpp"

namespace swmrd::sim {

namespace {

struct LayoutBase {
    const char* data;
    const char* keys;
    const char* finished;
};

LayoutBase base_paths(Layout layout) {
    switch (layout) {
    case Layout::areadetector:
        return {"/entry/instrument/detector/data", "/entry/instrument/NDAttributes/NDArrayUniqueId",
                "/entry/finished"};
    case Layout::gda:
        return {"/entry/instrument/detector/data", "/entry/diamond_scan/keys/uniqueKeys",
                "/entry/diamond_scan/scan_finished"};
    case Layout::generic:
        break;
    }
    return {"/entry/data/data", "/entry/keys/uid", "/entry/finished"};
}

// The first keeps the base name, the others get _1, _2...: how facilities number them.
std::vector<std::string> numbered(const std::string& base, std::size_t count) {
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < count; ++i) {
        paths.push_back(i == 0 ? base : base + "_" + std::to_string(i));
    }
    return paths;
}

} // namespace

DatasetPaths dataset_paths(const SimOptions& options) {
    const auto base = base_paths(options.layout);
    DatasetPaths paths;
    if (options.interleave > 0) {
        // One file per writer in real life; every interleaved dataset is numbered from 0.
        for (std::size_t i = 0; i < options.interleave; ++i) {
            paths.data.push_back("/entry/data/data_" + std::to_string(i));
        }
    } else {
        paths.data = numbered(base.data, options.datasets);
    }
    paths.keys = numbered(base.keys, options.keys);
    if (options.finished) {
        paths.finished = base.finished;
    }
    return paths;
}

} // namespace swmrd::sim
