#pragma once
// A watch spec (docs/protocol.md, The control channel: a watch spec): one validator for a YAML
// `watches` entry and a control `start` request.

#include "swmrd/config/units.hpp"
#include "swmrd/proto/value.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace swmrd::config {

enum class Encoding { raw, chunk };
enum class From { start, latest };

struct WatchSpec {
    std::string name;
    std::string file; // absolute path or glob pattern
    std::vector<std::string> keys;
    std::vector<std::string> datasets;
    // Ordered as written: name -> datasets whose frames alternate.
    std::vector<std::pair<std::string, std::vector<std::string>>> interleaved;
    std::optional<std::string> finished;
    Seconds timeout{10.0};
    Encoding encoding = Encoding::raw;
    From from = From::start;

    // The file contains glob characters (*, ?, [).
    bool is_pattern() const;
    bool operator==(const WatchSpec&) const = default;
};

// Watch names: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}; a leading `_` is reserved.
bool is_valid_watch_name(const std::string& name);

// Validates a spec map. Throws ConfigError naming the key (prefixed with `context`, e.g.
// "watches[2]") and, when the value carries a YAML mark, its line and column: unknown keys,
// missing required keys, wrong types, bad names, relative paths, bad durations,
// unknown enumeration values, and neither `datasets` nor `interleaved`.
WatchSpec parse_watch_spec(const proto::Value& spec, const std::string& context = "watch");

// The spec as a map, for `start` requests sent by tools.
proto::Value to_value(const WatchSpec& spec);

} // namespace swmrd::config
