#include "reaper.hpp"

#include <spdlog/spdlog.h>

namespace swmrd::daemon {

void Reaper::reap(std::unique_ptr<Watch> watch) {
    collect();
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<Watch> reaped(std::move(watch));
    std::thread thread([reaped, done]() mutable {
        reaped->join();
        const auto name = reaped->spec().name;
        reaped.reset(); // closes what the watch holds, here, not on the control loop
        spdlog::debug("watch {} reaped", name);
        done->store(true);
    });
    std::lock_guard lock(mutex_);
    entries_.push_back({std::move(thread), std::move(done)});
}

std::size_t Reaper::pending() {
    collect();
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void Reaper::collect() {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->done->load()) {
            it->thread.join();
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
}

void Reaper::wait_all() {
    std::vector<Entry> entries;
    {
        std::lock_guard lock(mutex_);
        entries.swap(entries_);
    }
    for (auto& entry : entries)
        if (entry.thread.joinable())
            entry.thread.join();
}

} // namespace swmrd::daemon
