#pragma once
// Durations and sizes as the config and control requests write them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace swmrd::config {

using Seconds = std::chrono::duration<double>;

// "500ms", "10s", "2min", "1h", or a plain number of seconds. nullopt when malformed or
// negative.
std::optional<Seconds> parse_duration(const std::string& text);
// "64KiB", "512MiB", "1GiB", "10MB", "100B", or a plain number of bytes.
std::optional<std::uint64_t> parse_size(const std::string& text);

std::string format_duration(Seconds seconds); // "10s", "500ms"
std::string format_size(std::uint64_t bytes); // "512MiB"

} // namespace swmrd::config
