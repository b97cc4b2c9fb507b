#include "swmrd/config/units.hpp"

#include <doctest/doctest.h>

#include <string>

using swmrd::config::format_duration;
using swmrd::config::format_size;
using swmrd::config::parse_duration;
using swmrd::config::parse_size;
using swmrd::config::Seconds;

namespace {

double seconds_of(const std::string& text) {
    const auto parsed = parse_duration(text);
    REQUIRE_MESSAGE(parsed.has_value(), "\"", text, "\" did not parse as a duration");
    return parsed->count();
}

std::uint64_t bytes_of(const std::string& text) {
    const auto parsed = parse_size(text);
    REQUIRE_MESSAGE(parsed.has_value(), "\"", text, "\" did not parse as a size");
    return *parsed;
}

} // namespace

TEST_CASE("durations in every unit") {
    CHECK(seconds_of("10") == 10.0);
    CHECK(seconds_of("2.5") == 2.5);
    CHECK(seconds_of("10s") == 10.0);
    CHECK(seconds_of("0.5s") == 0.5);
    CHECK(seconds_of("500ms") == doctest::Approx(0.5));
    CHECK(seconds_of("250us") == doctest::Approx(250e-6));
    CHECK(seconds_of("2min") == 120.0);
    CHECK(seconds_of("1h") == 3600.0);
    CHECK(seconds_of("1.5h") == 5400.0);
    CHECK(seconds_of(".5s") == 0.5);
    CHECK(seconds_of("1e3ms") == doctest::Approx(1.0));
    CHECK(seconds_of("10 s") == 10.0);
    CHECK(seconds_of("0") == 0.0);
}

TEST_CASE("malformed durations are refused") {
    for (const char* text : {"", "s", "10 parsecs", "10S", "10sec", "-1s", "+1s", "1m", "ten",
                             "1e999", "10s10", "inf", "nan", "0x10", "1,5s", ". s"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_duration(text).has_value());
    }
}

TEST_CASE("sizes in every unit") {
    CHECK(bytes_of("0") == 0);
    CHECK(bytes_of("100") == 100);
    CHECK(bytes_of("100B") == 100);
    CHECK(bytes_of("64KiB") == 64 * 1024);
    CHECK(bytes_of("512MiB") == 512ull << 20);
    CHECK(bytes_of("1GiB") == 1ull << 30);
    CHECK(bytes_of("2TiB") == 2ull << 40);
    CHECK(bytes_of("10KB") == 10'000);
    CHECK(bytes_of("10kB") == 10'000);
    CHECK(bytes_of("10MB") == 10'000'000);
    CHECK(bytes_of("3GB") == 3'000'000'000ull);
    CHECK(bytes_of("1TB") == 1'000'000'000'000ull);
    CHECK(bytes_of("1.5KiB") == 1536);
    CHECK(bytes_of("0.5GiB") == 512ull << 20);
    CHECK(bytes_of("1.25MB") == 1'250'000);
    CHECK(bytes_of("2.0B") == 2);
    CHECK(bytes_of("512 MiB") == 512ull << 20);
    CHECK(bytes_of("18446744073709551615") == 18446744073709551615ull);
}

TEST_CASE("malformed sizes are refused") {
    for (const char* text :
         {"", "MiB", "1.5", "0.3B", "1.0001KiB", "64kib", "64KIB", "64K", "-1", "+1", "1e3",
          "64 parsecs", "1MiB2", "18446744073709551616", "16777216TiB", "99999999999TB"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_size(text).has_value());
    }
}

TEST_CASE("durations format in the largest whole unit") {
    CHECK(format_duration(Seconds(10)) == "10s");
    CHECK(format_duration(Seconds(0.5)) == "500ms");
    CHECK(format_duration(Seconds(1.5)) == "1.5s");
    CHECK(format_duration(Seconds(120)) == "2min");
    CHECK(format_duration(Seconds(90)) == "90s");
    CHECK(format_duration(Seconds(7200)) == "2h");
    CHECK(format_duration(Seconds(0.00025)) == "250us");
    CHECK(format_duration(Seconds(0)) == "0s");
    CHECK(format_duration(Seconds(0.1)) == "100ms");
}

TEST_CASE("formatted durations parse back to the same value") {
    for (const double seconds : {10.0, 0.5, 1.5, 120.0, 90.0, 7200.0, 0.00025, 0.1, 3.25, 1e7}) {
        CAPTURE(seconds);
        CHECK(seconds_of(format_duration(Seconds(seconds))) == doctest::Approx(seconds));
    }
}

TEST_CASE("sizes format in binary units") {
    CHECK(format_size(0) == "0B");
    CHECK(format_size(100) == "100B");
    CHECK(format_size(1000) == "1000B");
    CHECK(format_size(1024) == "1KiB");
    CHECK(format_size(1536) == "1.5KiB");
    CHECK(format_size(512ull << 20) == "512MiB");
    CHECK(format_size(1ull << 30) == "1GiB");
    CHECK(format_size(3ull << 40) == "3TiB");
    for (const std::uint64_t bytes : {1ull, 1024ull, 1536ull, 512ull << 20, 5ull << 40}) {
        CAPTURE(bytes);
        CHECK(bytes_of(format_size(bytes)) == bytes);
    }
}
