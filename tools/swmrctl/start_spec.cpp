#include "swmrctl/start_spec.hpp"

#include "swmrctl/options.hpp"

#include <swmrd/config/config_error.hpp>
#include <swmrd/config/daemon_config.hpp>
#include <swmrd/config/watch_spec.hpp>

#include <charconv>

namespace swmrd::ctl {

namespace {

proto::Value string_value(const std::string& text) {
    proto::Value value;
    value.data = text;
    return value;
}

proto::Value string_array(const std::vector<std::string>& items) {
    proto::Array array;
    for (const auto& item : items)
        array.push_back(string_value(item));
    proto::Value value;
    value.data = std::move(array);
    return value;
}

// A plain number stays a number, as the daemon's YAML would have it; anything else goes to
// the validator as the string it is ("500ms"), so its message names the bad value.
proto::Value duration_value(const std::string& text) {
    double seconds = 0.0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, seconds);
    proto::Value value;
    if (!text.empty() && result.ec == std::errc() && result.ptr == end)
        value.data = seconds;
    else
        value.data = text;
    return value;
}

proto::Value validated(const proto::Value& spec) {
    try {
        return config::to_value(config::parse_watch_spec(spec));
    } catch (const config::ConfigError& error) {
        throw UsageError(error.what());
    }
}

} // namespace

proto::Value spec_from_arguments(const StartArguments& arguments) {
    proto::Map map;
    map.emplace_back("name", string_value(arguments.name));
    if (arguments.file)
        map.emplace_back("file", string_value(*arguments.file));
    if (!arguments.keys.empty())
        map.emplace_back("keys", string_array(arguments.keys));
    if (!arguments.datasets.empty())
        map.emplace_back("datasets", string_array(arguments.datasets));
    if (!arguments.interleaved.empty()) {
        proto::Map interleaved;
        for (const auto& [name, datasets] : arguments.interleaved)
            interleaved.emplace_back(name, string_array(datasets));
        proto::Value value;
        value.data = std::move(interleaved);
        map.emplace_back("interleaved", std::move(value));
    }
    if (arguments.finished)
        map.emplace_back("finished", string_value(*arguments.finished));
    if (arguments.timeout)
        map.emplace_back("timeout", duration_value(*arguments.timeout));
    if (arguments.encoding)
        map.emplace_back("encoding", string_value(*arguments.encoding));
    if (arguments.from)
        map.emplace_back("from", string_value(*arguments.from));
    proto::Value spec;
    spec.data = std::move(map);
    return validated(spec);
}

proto::Value spec_from_yaml(const std::string& yaml_text, const std::string& source) {
    try {
        return validated(config::yaml_to_value(yaml_text, source));
    } catch (const config::ConfigError& error) {
        throw UsageError(error.what());
    }
}

std::pair<std::string, std::vector<std::string>> parse_interleaved(const std::string& text) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
        throw UsageError("--interleaved wants NAME=DATASET,DATASET,..., not '" + text + "'");
    std::vector<std::string> datasets;
    std::size_t start = equals + 1;
    while (true) {
        const auto comma = text.find(',', start);
        datasets.push_back(text.substr(start, comma - start));
        if (datasets.back().empty())
            throw UsageError("--interleaved '" + text + "' has an empty dataset path");
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return {text.substr(0, equals), std::move(datasets)};
}

} // namespace swmrd::ctl
