#pragma once
// Strict reading of unpacked MessagePack. Every accessor names the field it reads when it
// throws; the field's path is only rendered to text on that error, so a successful decode
// builds no strings besides its results.

#include "swmrd/proto/decode_error.hpp"
#include "swmrd/proto/value.hpp"
#include "swmrd/proto/vocabulary.hpp"

#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace swmrd::proto::detail {

// Unpacks exactly one object from the bytes. Strings in the result point into `data`, which
// must outlive the handle. `what` names the message in errors ("request", "header").
msgpack::object_handle unpack_one(const void* data, std::size_t size, const char* what);

// "a string", "an integer"… for error messages.
const char* type_name(const msgpack::object& object);

// Where a value sits in its message: a chain of nodes on the caller's stack, from the root
// (naming the message: "frame header") down to a key or an array position.
class Path {
public:
    explicit Path(const char* message) : message_(message) {}
    Path(const Path& parent, std::string_view key)
        : message_(parent.message_), parent_(&parent), key_(key) {}
    Path(const Path& parent, std::size_t index)
        : message_(parent.message_), parent_(&parent), index_(index), is_index_(true) {}

    // "parts[1].nbytes"
    std::string field() const;

    // "<message>: missing field `<field>`"
    [[noreturn]] void missing() const;
    // "<message>: field `<field>` must be <expected>, got <type of got>"
    [[noreturn]] void wrong_type(const char* expected, const msgpack::object& got) const;
    // "<message>: field `<field>` <problem>"
    [[noreturn]] void invalid(const std::string& problem,
                              const char* code = to_string(ErrorCode::bad_request)) const;
    // "<message>: <problem>", about the message itself rather than one of its fields.
    [[noreturn]] void fail(const std::string& problem,
                           const char* code = to_string(ErrorCode::bad_request)) const;

    const std::string_view& key() const { return key_; }

private:
    void append_field(std::string& out) const;

    const char* message_;
    const Path* parent_ = nullptr;
    std::string_view key_;
    std::size_t index_ = 0;
    bool is_index_ = false;
};

// The value under `key`, or nullptr; non-string keys never match.
const msgpack::object* find(const msgpack::object_map& map, std::string_view key);

// Requests, unlike headers, refuse what they do not know (docs/protocol.md, The control channel):
// every key must be a string listed in `allowed`, and appear once.
void reject_unknown_keys(const msgpack::object_map& map, const Path& path,
                         std::initializer_list<std::string_view> allowed);

// The accessors below check the type of `object`, the value at `path`.
const msgpack::object_map& as_map(const msgpack::object& object, const Path& path);
const msgpack::object_array& as_array(const msgpack::object& object, const Path& path);
std::string as_string(const msgpack::object& object, const Path& path);
std::string_view as_string_view(const msgpack::object& object, const Path& path);
std::optional<std::string> as_optional_string(const msgpack::object& object, const Path& path);
bool as_bool(const msgpack::object& object, const Path& path);
std::uint64_t as_uint(const msgpack::object& object, const Path& path);
std::int64_t as_int(const msgpack::object& object, const Path& path);
unsigned as_uint32(const msgpack::object& object, const Path& path);
double as_float(const msgpack::object& object, const Path& path);

// A map's member: the Path names the key; throws "missing field" when absent.
class Fields {
public:
    Fields(const msgpack::object_map& map, const Path& path) : map_(map), path_(path) {}

    const msgpack::object& require(const Path& field) const;
    const msgpack::object* find(std::string_view key) const { return detail::find(map_, key); }

    std::string string(std::string_view key) const;
    std::optional<std::string> optional_string(std::string_view key) const;
    std::uint64_t uint(std::string_view key) const;
    std::int64_t integer(std::string_view key) const;
    double floating(std::string_view key) const;
    bool boolean(std::string_view key) const;
    // A protocol word (vocabulary.hpp); "must be one of …" names the words allowed.
    template <ProtocolWord Enum> Enum word(std::string_view key) const {
        const Path field(path_, key);
        const auto text = as_string_view(require(field), field);
        if (const auto value = parse<Enum>(text))
            return *value;
        std::string names;
        for (const auto name : Words<Enum>::names)
            names += (names.empty() ? "`" : ", `") + std::string(name) + "`";
        field.invalid("must be one of " + names + ", got `" + std::string(text) + "`");
    }
    template <ProtocolWord Enum> std::optional<Enum> optional_word(std::string_view key) const {
        const auto* value = find(key);
        if (!value || value->type == msgpack::type::NIL)
            return std::nullopt;
        return word<Enum>(key);
    }

    const Path& path() const { return path_; }
    const msgpack::object_map& map() const { return map_; }

private:
    const msgpack::object_map& map_;
    const Path& path_;
};

// A generic Value of an unpacked object; only string map keys are allowed, as in protocol v1.
Value to_value(const msgpack::object& object, const Path& path);

} // namespace swmrd::proto::detail
