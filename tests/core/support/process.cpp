#include "process.hpp"

#include "paths.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace swmrd::core::test {

namespace {

std::atomic<unsigned> output_counter{0};

int decode_status(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// posix_spawn with stdin/stdout either from/to files or the given pipe ends.
pid_t spawn(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
            const std::filesystem::path& stdout_path, const std::filesystem::path& stderr_path) {
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (stdout_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        throw std::runtime_error("cannot start " + argv.front() + ": " + std::strerror(error));
    return pid;
}

void kill_and_reap(pid_t pid) {
    if (pid > 0) {
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
    }
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& output_dir) {
    const auto n = output_counter++;
    out_path_ = output_dir / ("child" + std::to_string(n) + ".out");
    err_path_ = output_dir / ("child" + std::to_string(n) + ".err");
    pid_ = spawn(argv, -1, -1, out_path_, err_path_);
}

ChildProcess::~ChildProcess() {
    if (!reaped_)
        kill_and_reap(pid_);
}

bool ChildProcess::exited() {
    int status = 0;
    if (!reaped_ && waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = decode_status(status);
        reaped_ = true;
    }
    return reaped_;
}

ProcessResult ChildProcess::wait(std::chrono::seconds hang_guard) {
    ProcessResult result;
    const auto deadline = std::chrono::steady_clock::now() + hang_guard;
    while (!reaped_) {
        int status = 0;
        const pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exit_code_ = decode_status(status);
            reaped_ = true;
            break;
        }
        if (done < 0 && errno != EINTR)
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            kill_and_reap(pid_);
            reaped_ = true;
            result.err =
                "[hang guard: killed after " + std::to_string(hang_guard.count()) + " s]\n";
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    result.exit_code = exit_code_;
    result.out = read_text(out_path_);
    result.err += read_text(err_path_);
    return result;
}

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::filesystem::path& output_dir) {
    ChildProcess child(argv, output_dir);
    return child.wait();
}

ScriptedWriter::ScriptedWriter(const std::filesystem::path& output_dir) {
    err_path_ = output_dir / ("writer" + std::to_string(output_counter++) + ".err");
    int in_pipe[2];
    int out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    pid_ = spawn({script_writer_path}, in_pipe[0], out_pipe[1], {}, err_path_);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    to_child_ = in_pipe[1];
    from_child_ = out_pipe[0];
}

ScriptedWriter::~ScriptedWriter() {
    if (to_child_ >= 0)
        ::close(to_child_);
    if (from_child_ >= 0)
        ::close(from_child_);
    kill_and_reap(pid_);
}

void ScriptedWriter::send(const std::string& command) {
    const auto line = command + "\n";
    if (::write(to_child_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("writer gone before: " + command);
    std::string answer;
    char c = 0;
    // Hang guard only: the writer answers within milliseconds.
    pollfd ready{from_child_, POLLIN, 0};
    while (answer.empty() || answer.back() != '\n') {
        if (::poll(&ready, 1, 30000) <= 0)
            throw std::runtime_error("writer did not answer: " + command);
        if (::read(from_child_, &c, 1) != 1)
            throw std::runtime_error("writer exited on: " + command + ": " + read_text(err_path_));
        answer += c;
    }
    if (answer != "ok\n")
        throw std::runtime_error(answer + read_text(err_path_));
}

int ScriptedWriter::close() {
    send("close");
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return decode_status(status);
}

} // namespace swmrd::core::test
