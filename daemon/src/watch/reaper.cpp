#include "watch/reaper.hpp"
#include "base/bounded_join.hpp"

#include <spdlog/spdlog.h>

namespace swmrd::daemon {

GoneFlag Reaper::reap(std::unique_ptr<Watch> watch) {
    collect();
    auto done = std::make_shared<std::atomic<bool>>(false);
    auto name = watch->spec().name;
    std::shared_ptr<Watch> reaped(std::move(watch));
    std::weak_ptr<Watch> watched = reaped;
    std::thread thread([reaped, done]() mutable {
        reaped->join();
        const auto reaped_name = reaped->spec().name;
        reaped.reset(); // closes what the watch holds, here, not on the control loop
        spdlog::debug("watch {} reaped", reaped_name);
        done->store(true);
    });
    std::lock_guard lock(mutex_);
    entries_.push_back({std::move(name), std::move(watched), std::move(thread), done});
    return done;
}

GoneFlag Reaper::leaving(const std::string& name) {
    collect();
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_)
        if (entry.name == name)
            return entry.done;
    return nullptr;
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

std::vector<std::shared_ptr<Watch>>
Reaper::wait_all(std::chrono::steady_clock::time_point deadline) {
    std::vector<std::shared_ptr<Watch>> stuck;
    std::vector<Entry> entries;
    {
        std::lock_guard lock(mutex_);
        entries.swap(entries_);
    }
    for (auto& entry : entries) {
        // Its read may never return: the thread is then let go, and the process exits past it.
        if (!join_or_let_go(entry.thread, *entry.done, deadline)) {
            if (auto watch = entry.watch.lock())
                stuck.push_back(std::move(watch));
        }
    }
    return stuck;
}

} // namespace swmrd::daemon
