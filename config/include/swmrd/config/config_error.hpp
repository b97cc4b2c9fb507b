#pragma once

#include <stdexcept>
#include <string>

namespace swmrd::config {

// The one exception type of the config layer. The message names the key that was wrong
// (a dotted path such as `watches[0].timeout`) and, for YAML, its line and column.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace swmrd::config
