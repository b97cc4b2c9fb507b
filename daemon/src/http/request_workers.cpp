#include "http/request_workers.hpp"

namespace swmrd::daemon {

RequestWorkers::RequestWorkers(std::size_t workers, std::size_t max_waiting)
    : max_waiting_(workers + max_waiting) {
    for (std::size_t worker = 0; worker < workers; ++worker)
        threads_.emplace_back([this] { work(); });
}

RequestWorkers::~RequestWorkers() {
    stop(std::chrono::steady_clock::now() + std::chrono::seconds(10));
}

bool RequestWorkers::reserve() {
    std::lock_guard lock(mutex_);
    if (stopping_ || reserved_ >= max_waiting_)
        return false;
    ++reserved_;
    return true;
}

void RequestWorkers::submit(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    changed_.notify_all();
}

void RequestWorkers::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return !tasks_.empty() || (stopping_ && reserved_ == 0); });
        if (tasks_.empty())
            return;
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        task();
        lock.lock();
        --reserved_;
        changed_.notify_all();
    }
}

bool RequestWorkers::stop(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
    const bool done = changed_.wait_until(lock, deadline, [this] { return reserved_ == 0; });
    lock.unlock();
    for (auto& thread : threads_) {
        if (!thread.joinable())
            continue;
        if (done)
            thread.join();
        else
            thread.detach(); // a task stuck past the deadline; the process is ending
    }
    threads_.clear();
    return done;
}

} // namespace swmrd::daemon
