#include "service/signals.hpp"

#include <cerrno>
#include <csignal>
#include <system_error>

#include <sys/signalfd.h>
#include <unistd.h>

namespace swmrd::daemon {

namespace {
sigset_t daemon_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}
} // namespace

void block_daemon_signals() {
    const auto set = daemon_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalFd::SignalFd() {
    const auto set = daemon_signals();
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0)
        throw std::system_error(errno, std::generic_category(), "signalfd");
}

SignalFd::~SignalFd() {
    if (fd_ >= 0)
        close(fd_);
}

int SignalFd::read_pending() {
    signalfd_siginfo info{};
    const auto n = read(fd_, &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info))
        return 0;
    return static_cast<int>(info.ssi_signo);
}

} // namespace swmrd::daemon
