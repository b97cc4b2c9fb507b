#pragma once
// Real processes for the tests: daemons, tools, writers and Python readers run as children
// with their output in files, and every exit status is checked by the caller.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace swmrd::test {

struct ProcessResult {
    int exit_code = -1; // 128 + signal when killed by one; -1 when the hang guard fired
    std::string out;
    std::string err; // starts with "[hang guard: ...]" when the hang guard fired
};

// Descriptors a child gets as stdin and stdout instead of /dev/null and its .out file, for
// a child driven through pipes. The child gets duplicates: the caller still owns these.
struct ChildStreams {
    int stdin_fd = -1;
    int stdout_fd = -1;
};

// A running child whose stdout and stderr go to files in `output_dir`; `extra_env` entries
// ("NAME=value") are added to the inherited environment.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_dir,
                 const std::vector<std::string>& extra_env = {}, ChildStreams streams = {});
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess(); // kills a child still running: a failed test leaves no process behind

    // False once the child has exited (it is reaped then; wait() still reports it).
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

} // namespace swmrd::test
