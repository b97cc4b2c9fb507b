#include "swmrd/config/units.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>

namespace swmrd::config {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

std::size_t skip_digits(std::string_view text, std::size_t at) {
    while (at < text.size() && is_digit(text[at]))
        ++at;
    return at;
}

// An unsigned decimal number, `12`, `1.5`, `.5`, `2.`, with an exponent where allowed; returns
// its length, or 0 when `text` does not start with one. No sign: durations and sizes are
// never negative.
std::size_t number_length(std::string_view text, bool allow_exponent) {
    std::size_t at = skip_digits(text, 0);
    std::size_t digits = at;
    if (at < text.size() && text[at] == '.') {
        const std::size_t fraction_end = skip_digits(text, at + 1);
        digits += fraction_end - at - 1;
        at = fraction_end;
    }
    if (digits == 0)
        return 0;
    if (allow_exponent && at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
        std::size_t exponent = at + 1;
        if (exponent < text.size() && (text[exponent] == '+' || text[exponent] == '-'))
            ++exponent;
        const std::size_t exponent_end = skip_digits(text, exponent);
        if (exponent_end > exponent)
            at = exponent_end;
    }
    return at;
}

std::string format_number(double value, int precision) {
    std::array<char, 48> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                      std::chars_format::general, precision);
    return std::string(buffer.data(), result.ptr);
}

struct Unit {
    std::string_view name;
    std::uint64_t bytes;
};

constexpr std::array<Unit, 11> size_units{{
    {"B", 1},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
    {"KB", 1000},
    {"kB", 1000},
    {"MB", 1000'000},
    {"GB", 1000'000'000},
    {"TB", 1000'000'000'000},
    {"", 1},
}};

} // namespace

std::optional<Seconds> parse_duration(const std::string& text) {
    const auto trimmed = trim(text);
    const std::size_t length = number_length(trimmed, true);
    if (length == 0)
        return std::nullopt;
    double number = 0;
    const auto parsed = std::from_chars(trimmed.data(), trimmed.data() + length, number);
    if (parsed.ec != std::errc{} || parsed.ptr != trimmed.data() + length)
        return std::nullopt;
    const auto unit = trim(trimmed.substr(length));
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1;
    else if (unit == "ms")
        scale = 1e-3;
    else if (unit == "us")
        scale = 1e-6;
    else if (unit == "min")
        scale = 60;
    else if (unit == "h")
        scale = 3600;
    else
        return std::nullopt;
    const double seconds = number * scale;
    if (!std::isfinite(seconds))
        return std::nullopt;
    return Seconds(seconds);
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
    const auto trimmed = trim(text);
    const std::size_t length = number_length(trimmed, false);
    if (length == 0)
        return std::nullopt;
    const auto number = trimmed.substr(0, length);
    const auto unit_name = trim(trimmed.substr(length));
    std::uint64_t unit = 0;
    for (const auto& candidate : size_units)
        if (candidate.name == unit_name)
            unit = candidate.bytes;
    if (unit == 0)
        return std::nullopt;

    // Exact integer arithmetic: "1.5KiB" is 1536 bytes, "0.3B" is no size at all.
    const auto point = number.find('.');
    const auto whole_digits = number.substr(0, point);
    auto fraction_digits =
        point == std::string_view::npos ? std::string_view{} : number.substr(point + 1);
    while (!fraction_digits.empty() && fraction_digits.back() == '0')
        fraction_digits.remove_suffix(1);
    std::uint64_t whole = 0;
    if (!whole_digits.empty()) {
        const auto parsed =
            std::from_chars(whole_digits.data(), whole_digits.data() + whole_digits.size(), whole);
        if (parsed.ec != std::errc{})
            return std::nullopt;
    }
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(whole, unit, &bytes))
        return std::nullopt;
    if (fraction_digits.empty())
        return bytes;
    if (fraction_digits.size() > 18)
        return std::nullopt;
    std::uint64_t fraction = 0;
    std::from_chars(fraction_digits.data(), fraction_digits.data() + fraction_digits.size(),
                    fraction);
    std::uint64_t denominator = 1;
    for (std::size_t i = 0; i < fraction_digits.size(); ++i)
        denominator *= 10;
    std::uint64_t scaled = 0;
    if (__builtin_mul_overflow(fraction, unit, &scaled) || scaled % denominator != 0)
        return std::nullopt;
    if (__builtin_add_overflow(bytes, scaled / denominator, &bytes))
        return std::nullopt;
    return bytes;
}

std::string format_duration(Seconds seconds) {
    const double value = seconds.count();
    if (!std::isfinite(value))
        return format_number(value, 9) + "s";
    if (value < 0) {
        std::string text = "-";
        return text.append(format_duration(Seconds(-value)));
    }
    if (value == 0)
        return "0s";
    if (value >= 3600 && std::fmod(value, 3600) == 0)
        return format_number(value / 3600, 9) + "h";
    if (value >= 60 && std::fmod(value, 60) == 0)
        return format_number(value / 60, 9) + "min";
    if (value >= 1)
        return format_number(value, 9) + "s";
    if (value >= 1e-3)
        return format_number(value * 1e3, 9) + "ms";
    return format_number(value * 1e6, 9) + "us";
}

std::string format_size(std::uint64_t bytes) {
    constexpr std::array<std::pair<std::string_view, std::uint64_t>, 4> units{{
        {"TiB", 1ull << 40},
        {"GiB", 1ull << 30},
        {"MiB", 1ull << 20},
        {"KiB", 1ull << 10},
    }};
    for (const auto& [name, size] : units) {
        if (bytes < size)
            continue;
        if (bytes % size == 0)
            return std::to_string(bytes / size) + std::string(name);
        // Not a whole number of units: two decimals are plenty for display.
        std::array<char, 48> buffer{};
        const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                          static_cast<double>(bytes) / static_cast<double>(size),
                                          std::chars_format::fixed, 2);
        std::string text(buffer.data(), result.ptr);
        while (text.back() == '0')
            text.pop_back();
        if (text.back() == '.')
            text.pop_back();
        return text + std::string(name);
    }
    return std::to_string(bytes) + "B";
}

} // namespace swmrd::config
