#pragma once
// Runs swmr-sim and the independent Python reader (check_file.py) for the sim tests, each
// in a fresh temporary folder. Paths come from CMake: SWMR_SIM_EXE, SIM_CHECK_SCRIPT,
// SIM_PYTHON.

#include "process.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace swmrd::sim::test {

class SimFixture {
public:
    // A hang guard only, past which a child is killed and its result shows it.
    static constexpr std::chrono::seconds hang_guard{120};

    std::string file(const std::string& name) const { return dir_.file(name); }
    const swmrd::test::TempDir& dir() const noexcept { return dir_; }

    // swmr-sim with `args`; the caller checks the result.
    swmrd::test::ProcessResult sim(const std::vector<std::string>& args,
                                   const std::vector<std::string>& extra_env = {}) const {
        std::vector<std::string> argv{SWMR_SIM_EXE};
        argv.insert(argv.end(), args.begin(), args.end());
        return swmrd::test::run_process(argv, dir_.path(), extra_env, hang_guard);
    }

    // swmr-sim that must succeed.
    swmrd::test::ProcessResult sim_ok(const std::vector<std::string>& args,
                                      const std::vector<std::string>& extra_env = {}) const {
        auto result = sim(args, extra_env);
        INFO("swmr-sim stderr: " << result.err);
        REQUIRE(result.exit_code == 0);
        return result;
    }

    // The Python reader's output; it must exit 0 (it prints "FAIL ..." and exits 1 on any
    // mismatch, which then shows in the test's output).
    std::string check(const std::vector<std::string>& args) const {
        auto result = swmrd::test::run_process(python_argv(args), dir_.path(), {}, hang_guard);
        INFO("check_file.py stdout: " << result.out);
        INFO("check_file.py stderr: " << result.err);
        REQUIRE(result.exit_code == 0);
        return result.out;
    }

    // For a child that must see no HDF5 filter plugin, whatever this machine has (Debian's
    // `bitshuffle` provides 32008): the sim then writes 32008 chunks it cannot encode.
    static constexpr const char* no_plugins = "HDF5_PLUGIN_PRELOAD=::";

    static std::vector<std::string> python_argv(const std::vector<std::string>& args) {
        std::vector<std::string> argv{SIM_PYTHON, SIM_CHECK_SCRIPT};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }

private:
    swmrd::test::TempDir dir_;
};

} // namespace swmrd::sim::test
