#include "scripted_writer.hpp"

#include "paths.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <unistd.h>

namespace swmrd::core::test {

namespace {

void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

} // namespace

ScriptedWriter::Pipes::Pipes() {
    // Close-on-exec: the child keeps only the duplicates it gets as stdin and stdout.
    int in_pipe[2];
    int out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    child_stdin = in_pipe[0];
    to_child = in_pipe[1];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        const auto error = std::string(std::strerror(errno));
        close_fd(child_stdin);
        close_fd(to_child);
        throw std::runtime_error("pipe: " + error);
    }
    from_child = out_pipe[0];
    child_stdout = out_pipe[1];
}

ScriptedWriter::Pipes::~Pipes() {
    close_child_ends();
    close_fd(to_child);
    close_fd(from_child);
}

// Once only the child holds these, its exit shows as end of file on from_child.
void ScriptedWriter::Pipes::close_child_ends() {
    close_fd(child_stdin);
    close_fd(child_stdout);
}

ScriptedWriter::ScriptedWriter(const std::filesystem::path& output_dir)
    : child_({script_writer_path}, output_dir, {}, {pipes_.child_stdin, pipes_.child_stdout}) {
    pipes_.close_child_ends();
}

void ScriptedWriter::send(const std::string& command) {
    const auto line = command + "\n";
    if (::write(pipes_.to_child, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("writer gone before: " + command);
    std::string answer;
    char c = 0;
    // Hang guard only: the writer answers within milliseconds.
    pollfd ready{pipes_.from_child, POLLIN, 0};
    while (answer.empty() || answer.back() != '\n') {
        if (::poll(&ready, 1, 30000) <= 0)
            throw std::runtime_error("writer did not answer: " + command);
        if (::read(pipes_.from_child, &c, 1) != 1)
            throw std::runtime_error("writer exited on: " + command + ": " + child_.err());
        answer += c;
    }
    if (answer != "ok\n")
        throw std::runtime_error(answer + child_.err());
}

int ScriptedWriter::close() {
    send("close");
    const auto result = child_.wait();
    return result.exit_code;
}

} // namespace swmrd::core::test
