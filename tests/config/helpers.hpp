#pragma once

#include "swmrd/config/config_error.hpp"

#include <doctest/doctest.h>

#include <string>

namespace swmrd::config::test {

// The message of the ConfigError that `action` throws; fails the test when it throws none.
template <class Action> std::string config_error(Action&& action) {
    try {
        action();
    } catch (const ConfigError& error) {
        return error.what();
    }
    FAIL("expected a ConfigError, none was thrown");
    return {};
}

} // namespace swmrd::config::test
