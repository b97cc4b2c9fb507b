#pragma once
// Work other threads hand to the daemon's control loop, which owns the watch list: the HTTP
// endpoint reads the daemon's state through it, so that state keeps a single thread that
// changes it and reads it. The loop polls fd() with its sockets and runs what is pending.

#include "base/unique_fd.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>

namespace swmrd::daemon {

class ControlLoopCalls {
public:
    ControlLoopCalls();
    ~ControlLoopCalls();
    ControlLoopCalls(const ControlLoopCalls&) = delete;
    ControlLoopCalls& operator=(const ControlLoopCalls&) = delete;

    // Readable while calls are pending; the control loop polls it.
    int fd() const noexcept { return fd_.get(); }
    // On the control loop: runs every pending call.
    void run_pending();

    // From any other thread: runs `call` on the control loop and returns its result, or
    // nullopt when the loop did not get to it within `patience` (the call is then dropped
    // unrun if still pending). An exception the call throws is rethrown here.
    template <typename Result>
    std::optional<Result> call(std::function<Result()> work, std::chrono::milliseconds patience) {
        auto promise = std::make_shared<std::promise<Result>>();
        auto future = promise->get_future();
        auto abandoned = std::make_shared<std::atomic<bool>>(false);
        post([work = std::move(work), promise, abandoned] {
            if (abandoned->load())
                return;
            try {
                promise->set_value(work());
            } catch (...) {
                promise->set_exception(std::current_exception());
            }
        });
        if (future.wait_for(patience) != std::future_status::ready) {
            abandoned->store(true);
            return std::nullopt;
        }
        return future.get();
    }

private:
    void post(std::function<void()> work);

    UniqueFd fd_; // an eventfd
    std::mutex mutex_;
    std::deque<std::function<void()>> pending_;
};

} // namespace swmrd::daemon
