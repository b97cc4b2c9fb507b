#include "checks.hpp"

#include "swmrd/config/config_error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace swmrd::config::detail {

namespace {

std::string number_text(double value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// Levenshtein distance, to suggest `timeout` for `timout`.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string join(std::initializer_list<std::string_view> words, std::string_view last_joint) {
    std::string text;
    std::size_t index = 0;
    for (const auto word : words) {
        if (index > 0)
            text += index + 1 == words.size() ? last_joint : std::string_view(", ");
        text += word;
        ++index;
    }
    return text;
}

std::optional<proto::Mark> key_mark(const proto::Value& map_value, std::size_t index) {
    if (index < map_value.key_marks.size() && map_value.key_marks[index])
        return map_value.key_marks[index];
    return map_value.mark;
}

} // namespace

std::string position(const std::optional<proto::Mark>& mark) {
    if (!mark)
        return {};
    return " (line " + std::to_string(mark->line) + ", column " + std::to_string(mark->column) +
           ")";
}

void fail(const std::string& path, const std::string& message,
          const std::optional<proto::Mark>& mark) {
    throw ConfigError((path.empty() ? std::string("top level") : path) + ": " + message +
                      position(mark));
}

std::string child_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string element_path(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += "\\x";
            out += "0123456789abcdef"[(c >> 4) & 0xf];
            out += "0123456789abcdef"[c & 0xf];
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string describe(const proto::Value& value) {
    struct Describe {
        std::string operator()(const proto::Nil&) const { return "null (no value)"; }
        std::string operator()(bool b) const {
            return b ? "the boolean true" : "the boolean false";
        }
        std::string operator()(std::int64_t i) const { return "the number " + std::to_string(i); }
        std::string operator()(std::uint64_t u) const { return "the number " + std::to_string(u); }
        std::string operator()(double d) const { return "the number " + number_text(d); }
        std::string operator()(const std::string& s) const {
            if (s.size() > 60)
                return "a string of " + std::to_string(s.size()) + " characters";
            return "the string " + quoted(s);
        }
        std::string operator()(const proto::Array&) const { return "a list"; }
        std::string operator()(const proto::Map&) const { return "a map"; }
    };
    return std::visit(Describe{}, value.data);
}

const proto::Map& expect_map(const proto::Value& value, const std::string& path,
                             const std::string& what) {
    if (const auto* map = value.as_map())
        return *map;
    fail(path, "expected " + what + ", got " + describe(value), value.mark);
}

const proto::Array& expect_array(const proto::Value& value, const std::string& path,
                                 const std::string& what) {
    if (const auto* array = value.as_array())
        return *array;
    std::string hint;
    if (const auto* text = value.as_string())
        hint = "; write a list even for one entry: [" + *text + "]";
    fail(path, "expected " + what + ", got " + describe(value) + hint, value.mark);
}

const std::string& expect_string(const proto::Value& value, const std::string& path,
                                 const std::string& what) {
    if (const auto* text = value.as_string())
        return *text;
    fail(path, "expected " + what + ", got " + describe(value), value.mark);
}

void check_keys(const proto::Value& map_value, const std::string& path,
                std::initializer_list<std::string_view> known, const std::string& what) {
    const auto& map = *map_value.as_map();
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t index = 0; index < map.size(); ++index) {
        const std::string& key = map[index].first;
        const auto key_path = child_path(path, key.empty() ? "\"\"" : key);
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            std::string message = "unknown key";
            std::string_view closest;
            std::size_t best = 3; // a suggestion farther than 2 edits is noise
            for (const auto candidate : known) {
                const auto distance = edit_distance(key, candidate);
                if (distance < best) {
                    best = distance;
                    closest = candidate;
                }
            }
            if (!closest.empty())
                message += " (did you mean " + std::string(closest) + "?)";
            message += "; " + what + " takes " + join(known, " and ");
            fail(key_path, message, key_mark(map_value, index));
        }
        if (const auto [first, inserted] = seen.emplace(key, index); !inserted) {
            const auto first_mark = key_mark(map_value, first->second);
            fail(key_path,
                 "given twice" +
                     (first_mark ? " (first at line " + std::to_string(first_mark->line) + ")"
                                 : std::string()) +
                     "; keep one",
                 key_mark(map_value, index));
        }
    }
}

Seconds expect_duration(const proto::Value& value, const std::string& path) {
    std::optional<Seconds> seconds;
    if (const auto* i = std::get_if<std::int64_t>(&value.data))
        seconds = Seconds(static_cast<double>(*i));
    else if (const auto* u = std::get_if<std::uint64_t>(&value.data))
        seconds = Seconds(static_cast<double>(*u));
    else if (const auto* d = std::get_if<double>(&value.data))
        seconds = Seconds(*d);
    else if (const auto* text = value.as_string()) {
        seconds = parse_duration(*text);
        if (!seconds)
            fail(path,
                 quoted(*text) + " is not a duration (use seconds, or a unit: 500ms, 10s, 2min)",
                 value.mark);
    } else
        fail(path,
             "expected a duration (seconds, or a string with a unit: 500ms, 10s, 2min), got " +
                 describe(value),
             value.mark);
    if (!std::isfinite(seconds->count()) || seconds->count() <= 0)
        fail(path, "must be more than 0 seconds, got " + describe(value), value.mark);
    return *seconds;
}

std::uint64_t expect_count(const proto::Value& value, const std::string& path, std::uint64_t min,
                           std::uint64_t max) {
    std::optional<std::uint64_t> count;
    if (const auto* i = std::get_if<std::int64_t>(&value.data)) {
        if (*i >= 0)
            count = static_cast<std::uint64_t>(*i);
    } else if (const auto* u = std::get_if<std::uint64_t>(&value.data)) {
        count = *u;
    }
    const auto range = std::to_string(min) + " to " + std::to_string(max);
    if (!count)
        fail(path, "expected a whole number from " + range + ", got " + describe(value),
             value.mark);
    if (*count < min || *count > max)
        fail(path, std::to_string(*count) + " is out of range: give " + range, value.mark);
    return *count;
}

std::uint64_t expect_size(const proto::Value& value, const std::string& path) {
    std::optional<std::uint64_t> bytes;
    if (const auto* i = std::get_if<std::int64_t>(&value.data)) {
        if (*i >= 0)
            bytes = static_cast<std::uint64_t>(*i);
    } else if (const auto* u = std::get_if<std::uint64_t>(&value.data)) {
        bytes = *u;
    } else if (const auto* d = std::get_if<double>(&value.data)) {
        // YAML reads 1e9 as a float; a whole number of bytes is still a size.
        if (*d >= 0 && *d < 0x1p64 && std::floor(*d) == *d)
            bytes = static_cast<std::uint64_t>(*d);
    } else if (const auto* text = value.as_string()) {
        bytes = parse_size(*text);
        if (!bytes)
            fail(path,
                 quoted(*text) +
                     " is not a size (use a whole number of bytes, or a unit: 64KiB, 512MiB, "
                     "1GiB, 10MB)",
                 value.mark);
    }
    if (!bytes)
        fail(path,
             "expected a size (bytes, or a string with a unit: 64KiB, 512MiB, 1GiB), got " +
                 describe(value),
             value.mark);
    if (*bytes == 0)
        fail(path, "must be more than 0 bytes", value.mark);
    return *bytes;
}

std::size_t expect_choice(const proto::Value& value, const std::string& path,
                          std::initializer_list<std::string_view> choices) {
    const auto options = join(choices, " or ");
    const auto& text = expect_string(value, path, options);
    const auto found = std::find(choices.begin(), choices.end(), text);
    if (found == choices.end())
        fail(path, quoted(text) + " is not one of the choices: use " + options, value.mark);
    return static_cast<std::size_t>(found - choices.begin());
}

const std::string& expect_absolute(const proto::Value& value, const std::string& path,
                                   const std::string& what) {
    const auto& text = expect_string(value, path, what);
    if (text.empty())
        fail(path, "is empty; expected " + what, value.mark);
    if (text.front() != '/')
        fail(path, quoted(text) + " is not " + what + " (start it with /)", value.mark);
    return text;
}

bool has_glob_characters(std::string_view text) {
    return text.find_first_of("*?[") != std::string_view::npos;
}

} // namespace swmrd::config::detail
