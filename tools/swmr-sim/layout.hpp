#pragma once
// Where each layout puts its datasets, so facility file structures can be imitated.

#include "options.hpp"

#include <optional>
#include <string>
#include <vector>

namespace swmrd::sim {

struct DatasetPaths {
    std::vector<std::string> data; // in pattern order: data[d] holds dataset number d
    std::vector<std::string> keys;
    std::optional<std::string> finished;
};

DatasetPaths dataset_paths(const SimOptions& options);

} // namespace swmrd::sim
