#include "base/inflight_budget.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using swmrd::daemon::InflightBudget;
using swmrd::daemon::Reservation;

TEST_CASE("a budget takes what fits and refuses what does not") {
    InflightBudget budget(100);
    CHECK(budget.try_acquire(60));
    CHECK(budget.try_acquire(40));
    CHECK_FALSE(budget.try_acquire(1));
    CHECK(budget.held() == 100);
    budget.release(40);
    CHECK(budget.try_acquire(30));
    CHECK(budget.held() == 90);
    CHECK(budget.peak() == 100);
}

TEST_CASE("a frame larger than the whole budget is still sent, alone") {
    InflightBudget budget(100);
    CHECK(budget.try_acquire(1000));
    CHECK_FALSE(budget.try_acquire(1));
    budget.release(1000);
    CHECK(budget.held() == 0);
}

TEST_CASE("acquire waits for a release from another thread") {
    InflightBudget budget(100);
    REQUIRE(budget.try_acquire(100));
    std::atomic<bool> acquired{false};
    std::thread waiter([&] { acquired = budget.acquire(50, [] { return false; }); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(acquired.load());
    budget.release(60);
    waiter.join();
    CHECK(acquired.load());
    CHECK(budget.held() == 90);
}

TEST_CASE("acquire gives up when cancelled") {
    InflightBudget budget(10);
    REQUIRE(budget.try_acquire(10));
    std::atomic<bool> cancelled{false};
    bool result = true;
    std::thread waiter([&] { result = budget.acquire(5, [&] { return cancelled.load(); }); });
    cancelled = true;
    budget.wake_all();
    waiter.join();
    CHECK_FALSE(result);
    CHECK(budget.held() == 10);
}

TEST_CASE("a reservation returns what it did not hand over") {
    InflightBudget budget(100);
    REQUIRE(budget.try_acquire(80));
    {
        Reservation reservation(budget, 80);
        reservation.hand_over(50); // now owned by something that releases it itself
    }
    CHECK(budget.held() == 50);
}
