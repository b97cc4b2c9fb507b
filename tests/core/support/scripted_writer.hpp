#pragma once
// core_script_writer driven line by line through pipes, to put a file in an exact state
// between two polls. Its exit status is checked by the tests through close().

#include "process.hpp"

#include <filesystem>
#include <string>

namespace swmrd::core::test {

// core_script_writer, one command at a time: send() returns once the writer has done it.
class ScriptedWriter {
public:
    explicit ScriptedWriter(const std::filesystem::path& output_dir);
    ScriptedWriter(const ScriptedWriter&) = delete;
    ScriptedWriter& operator=(const ScriptedWriter&) = delete;

    // Throws std::runtime_error with the writer's answer when the command failed.
    void send(const std::string& command);
    // Sends "close" and returns the exit code.
    int close();

private:
    // Both pipes, closed on destruction; the child's ends only until it has started.
    struct Pipes {
        Pipes();
        Pipes(const Pipes&) = delete;
        Pipes& operator=(const Pipes&) = delete;
        ~Pipes();
        void close_child_ends();

        int to_child = -1;
        int from_child = -1;
        int child_stdin = -1;
        int child_stdout = -1;
    };

    // Declared first: the pipes exist before the child starts, and the child is killed
    // before they close.
    Pipes pipes_;
    swmrd::test::ChildProcess child_;
};

} // namespace swmrd::core::test
