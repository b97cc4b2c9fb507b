#include <swmrd/core/scan.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

using namespace swmrd::core;

TEST_CASE("scan: unravel gives C-order positions") {
    CHECK(unravel(0, {2, 3}) == std::vector<std::uint64_t>{0, 0});
    CHECK(unravel(2, {2, 3}) == std::vector<std::uint64_t>{0, 2});
    CHECK(unravel(3, {2, 3}) == std::vector<std::uint64_t>{1, 0});
    CHECK(unravel(5, {2, 3}) == std::vector<std::uint64_t>{1, 2});
    CHECK(unravel(7, {10}) == std::vector<std::uint64_t>{7});
    CHECK(unravel(0, {}).empty());
    CHECK_THROWS_AS(unravel(6, {2, 3}), std::out_of_range);
    CHECK_THROWS_AS(unravel(0, {0, 3}), std::out_of_range);
}

TEST_CASE("scan: slices_of is p to p+1 in every dimension") {
    CHECK(slices_of({1, 0}) == std::vector<SliceRange>{{1, 2}, {0, 1}});
    CHECK(slices_of({}).empty());
}

TEST_CASE("scan: total is the number of points of a fixed shape only") {
    CHECK(ScanShape{{2, 3}}.total() == 6);
    CHECK(ScanShape{{std::nullopt, 3}}.total() == std::nullopt);
    CHECK(ScanShape{{}}.total() == 1);
    CHECK(ScanShape{{std::nullopt}}.rank() == 1);
}
