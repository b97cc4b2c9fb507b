// YAML text -> proto::Value, so the validators see YAML and MessagePack alike. yaml-cpp 0.7
// leaves plain scalars untyped and keeps duplicate keys; both are settled here.

#include "checks.hpp"
#include "yaml_guard.hpp"

#include "swmrd/config/config_error.hpp"
#include "swmrd/config/daemon_config.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace swmrd::config {

namespace {

using detail::child_path;
using detail::element_path;
using detail::position;
using detail::quoted;

constexpr int max_depth = 64;
// Aliases share nodes, so a small document can stand for an enormous one.
constexpr std::size_t max_values = 1'000'000;

constexpr std::string_view tag_str = "tag:yaml.org,2002:str";
constexpr std::string_view tag_int = "tag:yaml.org,2002:int";
constexpr std::string_view tag_float = "tag:yaml.org,2002:float";
constexpr std::string_view tag_bool = "tag:yaml.org,2002:bool";
constexpr std::string_view tag_null = "tag:yaml.org,2002:null";

std::optional<proto::Mark> mark_of(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0 || mark.column < 0)
        return std::nullopt;
    return proto::Mark{mark.line + 1, mark.column + 1};
}

bool all_of(std::string_view text, std::string_view allowed) {
    return !text.empty() && text.find_first_not_of(allowed) == std::string_view::npos;
}

std::optional<proto::Value> resolve_int(std::string_view text) {
    bool negative = false;
    int base = 10;
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
        if (!all_of(digits, "0123456789"))
            return std::nullopt;
    } else if (digits.starts_with("0o")) {
        base = 8;
        digits.remove_prefix(2);
        if (!all_of(digits, "01234567"))
            return std::nullopt;
    } else if (digits.starts_with("0x")) {
        base = 16;
        digits.remove_prefix(2);
        if (!all_of(digits, "0123456789abcdefABCDEF"))
            return std::nullopt;
    } else if (!all_of(digits, "0123456789")) {
        return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    const auto parsed =
        std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (parsed.ec == std::errc{}) {
        constexpr auto int_max =
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (!negative && magnitude <= int_max)
            return proto::Value{static_cast<std::int64_t>(magnitude)};
        if (!negative)
            return proto::Value{magnitude};
        if (magnitude <= int_max + 1)
            return proto::Value{static_cast<std::int64_t>(0 - magnitude)};
    }
    // Integers beyond 64 bits: the nearest float, as YAML readers in most languages do.
    double value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return proto::Value{negative ? -value : value};
}

std::optional<proto::Value> resolve_float(std::string_view text) {
    std::string_view body = text;
    bool negative = false;
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    if (body == ".inf" || body == ".Inf" || body == ".INF") {
        const double infinity = std::numeric_limits<double>::infinity();
        return proto::Value{negative ? -infinity : infinity};
    }
    if (text == ".nan" || text == ".NaN" || text == ".NAN")
        return proto::Value{std::numeric_limits<double>::quiet_NaN()};
    // [0-9]* ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )? with at least one mantissa digit.
    std::size_t at = 0;
    std::size_t mantissa_digits = 0;
    while (at < body.size() && body[at] >= '0' && body[at] <= '9')
        ++at, ++mantissa_digits;
    if (at < body.size() && body[at] == '.')
        for (++at; at < body.size() && body[at] >= '0' && body[at] <= '9'; ++at)
            ++mantissa_digits;
    if (mantissa_digits == 0)
        return std::nullopt;
    if (at < body.size() && (body[at] == 'e' || body[at] == 'E')) {
        ++at;
        if (at < body.size() && (body[at] == '-' || body[at] == '+'))
            ++at;
        if (!all_of(body.substr(at), "0123456789"))
            return std::nullopt;
        at = body.size();
    }
    if (at != body.size())
        return std::nullopt;
    double value = 0;
    const auto parsed = std::from_chars(body.data(), body.data() + body.size(), value);
    if (parsed.ec == std::errc::result_out_of_range)
        value = std::numeric_limits<double>::infinity();
    else if (parsed.ec != std::errc{})
        return std::nullopt;
    return proto::Value{negative ? -value : value};
}

// YAML 1.2 core schema for plain scalars.
proto::Value resolve_plain(const std::string& text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
        return proto::Value{proto::Nil{}};
    if (text == "true" || text == "True" || text == "TRUE")
        return proto::Value{true};
    if (text == "false" || text == "False" || text == "FALSE")
        return proto::Value{false};
    if (auto integer = resolve_int(text))
        return std::move(*integer);
    if (auto real = resolve_float(text))
        return std::move(*real);
    return proto::Value{text};
}

class Converter {
public:
    explicit Converter(const std::string& source) : source_(source) {}

    proto::Value convert(const YAML::Node& node, const std::string& path, int depth) {
        const auto mark = mark_of(node.Mark());
        if (depth > max_depth)
            fail(path.substr(0, 60) + (path.size() > 60 ? "…" : ""),
                 "nested more than " + std::to_string(max_depth) +
                     " levels deep (an alias that contains itself?)",
                 mark);
        if (++values_ > max_values)
            fail(path, "the document holds more than a million values (aliases repeated?)", mark);
        proto::Value value;
        switch (node.Type()) {
        case YAML::NodeType::Map:
            value = convert_map(node, path, depth);
            break;
        case YAML::NodeType::Sequence: {
            proto::Array array;
            std::size_t index = 0;
            for (const auto& item : node)
                array.push_back(convert(item, element_path(path, index++), depth + 1));
            value.data = std::move(array);
            break;
        }
        case YAML::NodeType::Scalar:
            value = convert_scalar(node, path, mark);
            break;
        case YAML::NodeType::Null:
            // `!!str` or quotes on nothing is the empty string; otherwise null.
            if (node.Tag() == tag_str || node.Tag() == "!")
                value.data = std::string();
            break;
        case YAML::NodeType::Undefined:
            break;
        }
        value.mark = mark;
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& path, const std::string& message,
                           const std::optional<proto::Mark>& mark) const {
        throw ConfigError(source_ + ": " + (path.empty() ? std::string("top level") : path) + ": " +
                          message + position(mark));
    }

    proto::Value convert_map(const YAML::Node& node, const std::string& path, int depth) {
        proto::Value value;
        proto::Map map;
        std::unordered_map<std::string, std::size_t> seen;
        for (const auto& entry : node) {
            const auto key_mark = mark_of(entry.first.Mark());
            if (!entry.first.IsScalar())
                fail(path, entry.first.IsNull() ? "a key is empty" : "a key is not a plain name",
                     key_mark);
            const std::string& key = entry.first.Scalar();
            const auto key_path = child_path(path, key);
            if (const auto [first, inserted] = seen.emplace(key, map.size()); !inserted) {
                const auto& first_mark = value.key_marks[first->second];
                fail(key_path,
                     "given twice" +
                         (first_mark ? " (first at line " + std::to_string(first_mark->line) + ")"
                                     : std::string()) +
                         "; keep one",
                     key_mark);
            }
            auto item = convert(entry.second, key_path, depth + 1);
            // yaml-cpp marks an empty value (`key:` then a new line) where the next token
            // starts; the key's own position is where the reader should look.
            if (item.is_nil() && item.mark && key_mark && item.mark->line != key_mark->line)
                item.mark = key_mark;
            map.emplace_back(key, std::move(item));
            value.key_marks.push_back(key_mark);
        }
        value.data = std::move(map);
        return value;
    }

    proto::Value convert_scalar(const YAML::Node& node, const std::string& path,
                                const std::optional<proto::Mark>& mark) const {
        const std::string& tag = node.Tag();
        const std::string& text = node.Scalar();
        if (tag == "?")
            return resolve_plain(text);
        if (tag == "!" || tag == tag_str)
            return proto::Value{text};
        if (tag != tag_int && tag != tag_float && tag != tag_bool && tag != tag_null)
            fail(path, "has the tag " + tag + ", which is not supported here", mark);
        auto resolved = resolve_plain(text);
        const bool matches =
            (tag == tag_int && (std::holds_alternative<std::int64_t>(resolved.data) ||
                                std::holds_alternative<std::uint64_t>(resolved.data))) ||
            (tag == tag_float && (std::holds_alternative<double>(resolved.data) ||
                                  std::holds_alternative<std::int64_t>(resolved.data) ||
                                  std::holds_alternative<std::uint64_t>(resolved.data))) ||
            (tag == tag_bool && std::holds_alternative<bool>(resolved.data)) ||
            (tag == tag_null && resolved.is_nil());
        if (tag == tag_float && matches && !std::holds_alternative<double>(resolved.data))
            return resolve_float(text).value_or(std::move(resolved));
        if (!matches)
            fail(path, quoted(text) + " does not fit its tag " + tag, mark);
        return resolved;
    }

    const std::string& source_;
    std::size_t values_ = 0;
};

} // namespace

proto::Value yaml_to_value(const std::string& yaml_text, const std::string& source) {
    if (auto trap = yaml_cpp_trap(yaml_text))
        throw ConfigError(source + ": invalid YAML: " + *trap);
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(yaml_text);
    } catch (const YAML::Exception& error) {
        throw ConfigError(source + ": invalid YAML: " + error.msg + position(mark_of(error.mark)));
    }
    if (documents.empty())
        return proto::Value{proto::Nil{}};
    if (documents.size() > 1)
        throw ConfigError(source + ": holds " + std::to_string(documents.size()) +
                          " YAML documents (separated by ---) but is read as one" +
                          position(mark_of(documents[1].Mark())));
    return Converter(source).convert(documents.front(), "", 0);
}

} // namespace swmrd::config
