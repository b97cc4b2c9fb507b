#pragma once
// Real processes for the end-to-end tests: swmrd, swmrctl, swmrcat and swmr-sim run as
// children with their output in files, and every exit status is checked.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace swmrd::tools::test {

struct ProcessResult {
    int exit_code = -1; // 128 + signal when killed by one; -1 when the hang guard fired
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

    bool running();
    void signal(int signal_number);
    std::string out() const;
    std::string err() const;
    // Waits for the exit; past `hang_guard` kills the child and reports exit_code -1.
    ProcessResult wait(std::chrono::seconds hang_guard = std::chrono::seconds(60));

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::filesystem::path& output_dir,
                          const std::vector<std::string>& extra_env = {},
                          std::chrono::seconds hang_guard = std::chrono::seconds(60));

// Polls `condition` until it holds; false once `hang_guard` passed.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::seconds hang_guard = std::chrono::seconds(30));

// A unique folder under the system temp dir, canonical, removed with everything in it.
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
void write_text(const std::filesystem::path& path, const std::string& text);

} // namespace swmrd::tools::test
