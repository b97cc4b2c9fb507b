#pragma once
// Writers run as separate processes, as SWMR intends: swmr-sim, Python with h5py, and the
// line-driven core_script_writer. Every child's exit status is checked by the tests.

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace swmrd::core::test {

struct ProcessResult {
    int exit_code = -1; // 128 + signal when killed by one, -1 when the hang guard fired
    std::string out;
    std::string err;
};

// A running child whose stdout and stderr go to files in `output_dir`.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_dir);
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess(); // kills a child still running: a failed test leaves no process behind

    // True once the child has exited (it is reaped then; wait() still reports it).
    bool exited();

    // Waits for the exit; past `hang_guard` kills the child and reports exit_code -1.
    ProcessResult wait(std::chrono::seconds hang_guard = std::chrono::seconds(60));

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
    bool reaped_ = false;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::filesystem::path& output_dir);

// core_script_writer, one command at a time: send() returns once the writer has done it.
class ScriptedWriter {
public:
    explicit ScriptedWriter(const std::filesystem::path& output_dir);
    ScriptedWriter(const ScriptedWriter&) = delete;
    ScriptedWriter& operator=(const ScriptedWriter&) = delete;
    ~ScriptedWriter();

    // Throws std::runtime_error with the writer's answer when the command failed.
    void send(const std::string& command);
    // Sends "close" and returns the exit code.
    int close();

private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    std::filesystem::path err_path_;
};

} // namespace swmrd::core::test
