#pragma once
// Programs and scripts the tests run, set by tests/core/CMakeLists.txt.

namespace swmrd::core::test {

inline constexpr const char* sim_path = SWMRD_SIM_PATH;
inline constexpr const char* script_writer_path = SWMRD_SCRIPT_WRITER_PATH;
inline constexpr const char* python_path = "/usr/bin/python3";
inline constexpr const char* scripts_dir = SWMRD_CORE_TEST_SCRIPTS;

} // namespace swmrd::core::test
