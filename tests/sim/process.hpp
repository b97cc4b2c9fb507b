#pragma once
// Child processes and temporary folders for the sim tests: swmr-sim and the Python reader
// run as real processes, their output captured, their exit status checked.

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace swmrd::sim::test {

struct ProcessResult {
    int exit_code = -1; // 128 + signal when killed by one
    std::string out;
    std::string err;
};

// A running child whose stdout and stderr go to files in `output_dir`.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_dir,
                 const std::vector<std::string>& extra_env = {});
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess(); // kills a child still running: a failed test leaves no process behind

    // Waits for the exit; past `hang_guard` kills the child and reports exit_code -1.
    ProcessResult wait(std::chrono::seconds hang_guard = std::chrono::seconds(120));

private:
    pid_t pid_ = -1;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::filesystem::path& output_dir,
                          const std::vector<std::string>& extra_env = {});

// A unique folder under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

std::string read_text(const std::filesystem::path& path);

} // namespace swmrd::sim::test
