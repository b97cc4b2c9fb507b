#pragma once
// The watch spec of `swmrctl start`, from its options or from a YAML file.

#include <swmrd/proto/value.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace swmrd::ctl {

// `start NAME --file F --keys K... ...` as given; unset options keep the daemon's defaults.
struct StartArguments {
    std::string name;
    std::optional<std::string> file;
    std::vector<std::string> keys;
    std::vector<std::string> datasets;
    std::vector<std::pair<std::string, std::vector<std::string>>> interleaved;
    std::optional<std::string> finished;
    std::optional<std::string> timeout; // a duration as written: "10", "500ms", "2min"
    std::optional<std::string> encoding;
    std::optional<std::string> from;
};

// Both validate with config::parse_watch_spec, the daemon's own validator, and return the
// spec in canonical form (config::to_value). Throw UsageError carrying the validator's message.
proto::Value spec_from_arguments(const StartArguments& arguments);
proto::Value spec_from_yaml(const std::string& yaml_text, const std::string& source);

// "NAME=D1,D2,..." of --interleaved. Throws UsageError.
std::pair<std::string, std::vector<std::string>> parse_interleaved(const std::string& text);

} // namespace swmrd::ctl
