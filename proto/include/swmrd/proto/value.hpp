#pragma once
// A dynamically typed value: what a MessagePack map or a YAML document holds before it is
// validated into typed structs. Control requests and the YAML config share it, so one
// validator serves both.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace swmrd::proto {

// Where a value stood in its source text (YAML); absent for MessagePack.
struct Mark {
    int line = 0;   // 1-based
    int column = 0; // 1-based
};

struct Value;
struct MapEntry;
using Array = std::vector<Value>;
// Ordered as in the source, so errors come out in reading order.
using Map = std::vector<MapEntry>;
// MessagePack nil, YAML null.
struct Nil {
    bool operator==(const Nil&) const = default;
};

struct Value {
    std::variant<Nil, bool, std::int64_t, std::uint64_t, double, std::string, Array, Map> data;
    // Initialised here so that `Value{x}` names only the data, without -Wextra's
    // missing-field-initializers warning.
    std::optional<Mark> mark{};
    // Marks of the keys of a Map, in the same order (YAML only).
    std::vector<std::optional<Mark>> key_marks{};

    bool is_nil() const;
    const Map* as_map() const;
    const Array* as_array() const;
    const std::string* as_string() const;
    // The name of the held type, for error messages: "a map", "a string", "an integer"…
    const char* type_name() const;
    // The value under `key` of a map, or nullptr.
    const Value* find(const std::string& key) const;
};

// A key and its value, as std::pair names them. Not a std::pair: with clang, instantiating
// pair<string, Value> inside Value's own definition recurses into itself.
struct MapEntry {
    std::string first; // the key
    Value second;
    MapEntry() = default;
    MapEntry(std::string key, Value value) : first(std::move(key)), second(std::move(value)) {}
};

// Defined once Value is complete: clang instantiates the variant's alternatives (a pair
// holding a Value) as soon as a body inside the class names them.
inline bool Value::is_nil() const {
    return std::holds_alternative<Nil>(data);
}
inline const Map* Value::as_map() const {
    return std::get_if<Map>(&data);
}
inline const Array* Value::as_array() const {
    return std::get_if<Array>(&data);
}
inline const std::string* Value::as_string() const {
    return std::get_if<std::string>(&data);
}

} // namespace swmrd::proto
