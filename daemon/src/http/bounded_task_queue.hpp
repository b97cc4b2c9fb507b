#pragma once
// cpp-httplib's worker pool with a bound on waiting connections: when every worker is busy
// and `max_waiting` connections wait, the accepting thread waits too, and further clients
// wait in the kernel's listen backlog (then are refused) instead of costing the daemon
// memory and descriptors. Each connection a worker serves is bounded by the read and write
// timeouts, so the queue always drains.

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace swmrd::daemon {

class BoundedTaskQueue final : public httplib::TaskQueue {
public:
    BoundedTaskQueue(std::size_t workers, std::size_t max_waiting) : max_waiting_(max_waiting) {
        for (std::size_t worker = 0; worker < workers; ++worker)
            threads_.emplace_back([this] { work(); });
    }
    ~BoundedTaskQueue() override { shutdown(); }

    void enqueue(std::function<void()> task) override {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [this] { return tasks_.size() < max_waiting_ || stopping_; });
        if (stopping_)
            return; // the server is closing; its listening socket is gone
        tasks_.push_back(std::move(task));
        ready_.notify_one();
    }

    void shutdown() override {
        {
            std::lock_guard lock(mutex_);
            if (stopping_ && threads_.empty())
                return;
            stopping_ = true;
        }
        ready_.notify_all();
        room_.notify_all();
        for (auto& thread : threads_)
            thread.join();
        threads_.clear();
    }

private:
    void work() {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return !tasks_.empty() || stopping_; });
                if (tasks_.empty())
                    return;
                task = std::move(tasks_.front());
                tasks_.pop_front();
                room_.notify_one();
            }
            task();
        }
    }

    const std::size_t max_waiting_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable room_;
    std::deque<std::function<void()>> tasks_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

} // namespace swmrd::daemon
