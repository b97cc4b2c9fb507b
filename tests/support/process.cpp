#include "process.hpp"

#include "temp_dir.hpp"

#include <atomic>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace swmrd::test {

namespace {

std::atomic<unsigned> output_counter{0};

int decode_status(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& output_dir,
                           const std::vector<std::string>& extra_env, ChildStreams streams) {
    const auto n = output_counter++;
    out_path_ = output_dir / ("child" + std::to_string(n) + ".out");
    err_path_ = output_dir / ("child" + std::to_string(n) + ".err");

    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e)
        env.push_back(*e);
    for (const auto& e : extra_env)
        env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (streams.stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, streams.stdin_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (streams.stdout_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, streams.stdout_fd, STDOUT_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + argv.front() + ": " + std::strerror(error));
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

bool ChildProcess::running() {
    if (pid_ <= 0)
        return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = decode_status(status);
        pid_ = -1;
        return false;
    }
    return true;
}

void ChildProcess::signal(int signal_number) {
    if (pid_ > 0)
        kill(pid_, signal_number);
}

std::string ChildProcess::out() const {
    return read_text(out_path_);
}
std::string ChildProcess::err() const {
    return read_text(err_path_);
}

ProcessResult ChildProcess::wait(std::chrono::seconds hang_guard) {
    std::string guard_note;
    if (!wait_until([this] { return !running(); }, hang_guard)) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        exit_code_ = -1;
        guard_note = "[hang guard: killed after " + std::to_string(hang_guard.count()) + " s]\n";
    }
    return ProcessResult{exit_code_, out(), guard_note + err()};
}

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::filesystem::path& output_dir,
                          const std::vector<std::string>& extra_env,
                          std::chrono::seconds hang_guard) {
    ChildProcess child(argv, output_dir, extra_env);
    return child.wait(hang_guard);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::seconds hang_guard) {
    const auto deadline = std::chrono::steady_clock::now() + hang_guard;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

} // namespace swmrd::test
