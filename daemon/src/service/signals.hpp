#pragma once
// SIGTERM, SIGINT and SIGHUP as a file descriptor the event loop polls: nothing runs inside a
// signal handler, and no thread but the loop ever sees them.

namespace swmrd::daemon {

// Blocks the three signals in the calling thread and every thread it creates afterwards:
// call it first thing in main, before any thread starts.
void block_daemon_signals();

class SignalFd {
public:
    SignalFd(); // throws std::system_error
    ~SignalFd();
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;

    int fd() const noexcept { return fd_; }
    // The next pending signal number, or 0 when none is pending.
    int read_pending();

private:
    int fd_ = -1;
};

} // namespace swmrd::daemon
