#include "base/control_loop_calls.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace swmrd::daemon {

ControlLoopCalls::ControlLoopCalls() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!fd_)
        throw std::system_error(errno, std::generic_category(), "eventfd for the control loop");
}

ControlLoopCalls::~ControlLoopCalls() = default;

void ControlLoopCalls::post(std::function<void()> work) {
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(std::move(work));
    }
    const std::uint64_t one = 1;
    // Only fails when the counter would overflow, which a wake-up does not need.
    [[maybe_unused]] const auto written = ::write(fd_.get(), &one, sizeof one);
}

void ControlLoopCalls::run_pending() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(fd_.get(), &count, sizeof count);
    std::deque<std::function<void()>> work;
    {
        std::lock_guard lock(mutex_);
        work.swap(pending_);
    }
    for (auto& call : work)
        call();
}

} // namespace swmrd::daemon
