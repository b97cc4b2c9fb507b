#include "unpack.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace swmrd::proto::detail {

namespace {

// Every string, binary and extension value refers to the input instead of being copied: the
// decoders convert what they keep before the input goes away.
bool refer_to_input(msgpack::type::object_type, std::size_t, void*) {
    return true;
}

// Requests and replies are a few levels deep; a limit keeps hostile nesting from exhausting
// the stack of the recursive readers.
constexpr std::size_t max_depth = 64;

} // namespace

msgpack::object_handle unpack_one(const void* data, std::size_t size, const char* what) {
    const std::string name = what;
    if (size == 0)
        throw DecodeError(name + ": empty message, expected a MessagePack map");
    // MessagePack announces a container's size before its items and msgpack-c allocates the
    // items at once: no announced size may exceed what the bytes could hold, or five hostile
    // bytes would make it allocate gigabytes.
    const msgpack::unpack_limit limit(size, size / 2 + 1, size, size, size, max_depth);
    std::size_t offset = 0;
    msgpack::object_handle handle;
    try {
        handle = msgpack::unpack(static_cast<const char*>(data), size, offset, refer_to_input,
                                 nullptr, limit);
    } catch (const msgpack::depth_size_overflow&) {
        throw DecodeError(name + ": nested more than " + std::to_string(max_depth) +
                          " levels deep");
    } catch (const msgpack::insufficient_bytes&) {
        throw DecodeError(name + ": truncated MessagePack (the " + std::to_string(size) +
                          " bytes end inside an object)");
    } catch (const msgpack::size_overflow&) {
        throw DecodeError(name +
                          ": truncated MessagePack (an object announces more items or "
                          "bytes than the " +
                          std::to_string(size) + " bytes of the message hold)");
    } catch (const msgpack::unpack_error&) {
        throw DecodeError(name + ": not MessagePack");
    }
    if (offset != size)
        throw DecodeError(name + ": " + std::to_string(size - offset) +
                          " trailing bytes after the MessagePack object");
    return handle;
}

const char* type_name(const msgpack::object& object) {
    switch (object.type) {
    case msgpack::type::NIL:
        return "nil";
    case msgpack::type::BOOLEAN:
        return "a boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
        return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        return "a float";
    case msgpack::type::STR:
        return "a string";
    case msgpack::type::BIN:
        return "binary data";
    case msgpack::type::ARRAY:
        return "an array";
    case msgpack::type::MAP:
        return "a map";
    case msgpack::type::EXT:
        return "an extension value";
    }
    return "an unknown MessagePack type";
}

void Path::append_field(std::string& out) const {
    if (parent_ == nullptr)
        return;
    parent_->append_field(out);
    if (!is_index_) {
        if (!out.empty())
            out += '.';
        out.append(key_);
    } else {
        out += '[';
        out += std::to_string(index_);
        out += ']';
    }
}

std::string Path::field() const {
    std::string out;
    append_field(out);
    return out;
}

void Path::missing() const {
    throw DecodeError(std::string(message_) + ": missing field `" + field() + "`");
}

void Path::wrong_type(const char* expected, const msgpack::object& got) const {
    invalid(std::string("must be ") + expected + ", got " + type_name(got));
}

void Path::invalid(const std::string& problem, const char* code) const {
    throw DecodeError(std::string(message_) + ": field `" + field() + "` " + problem, code);
}

void Path::fail(const std::string& problem, const char* code) const {
    throw DecodeError(std::string(message_) + ": " + problem, code);
}

namespace {

bool key_is(const msgpack::object& key, std::string_view name) {
    return key.type == msgpack::type::STR && key.via.str.size == name.size() &&
           std::memcmp(key.via.str.ptr, name.data(), name.size()) == 0;
}

} // namespace

const msgpack::object* find(const msgpack::object_map& map, std::string_view key) {
    for (std::uint32_t i = 0; i < map.size; ++i)
        if (key_is(map.ptr[i].key, key))
            return &map.ptr[i].val;
    return nullptr;
}

void reject_unknown_keys(const msgpack::object_map& map, const Path& path,
                         std::initializer_list<std::string_view> allowed) {
    for (std::uint32_t i = 0; i < map.size; ++i) {
        const msgpack::object& key = map.ptr[i].key;
        if (key.type != msgpack::type::STR)
            path.fail(std::string("field names must be strings, got ") + type_name(key));
        const std::string_view name(key.via.str.ptr, key.via.str.size);
        bool known = false;
        for (std::string_view candidate : allowed)
            known = known || candidate == name;
        if (!known)
            Path(path, name).invalid("is not a field of this request");
        for (std::uint32_t j = 0; j < i; ++j)
            if (key_is(map.ptr[j].key, name))
                Path(path, name).invalid("appears more than once");
    }
}

const msgpack::object_map& as_map(const msgpack::object& object, const Path& path) {
    if (object.type != msgpack::type::MAP)
        path.wrong_type("a map", object);
    return object.via.map;
}

const msgpack::object_array& as_array(const msgpack::object& object, const Path& path) {
    if (object.type != msgpack::type::ARRAY)
        path.wrong_type("an array", object);
    return object.via.array;
}

std::string_view as_string_view(const msgpack::object& object, const Path& path) {
    if (object.type != msgpack::type::STR)
        path.wrong_type("a string", object);
    return {object.via.str.ptr, object.via.str.size};
}

std::string as_string(const msgpack::object& object, const Path& path) {
    return std::string(as_string_view(object, path));
}

std::optional<std::string> as_optional_string(const msgpack::object& object, const Path& path) {
    if (object.type == msgpack::type::NIL)
        return std::nullopt;
    if (object.type != msgpack::type::STR)
        path.wrong_type("a string or nil", object);
    return std::string(object.via.str.ptr, object.via.str.size);
}

bool as_bool(const msgpack::object& object, const Path& path) {
    if (object.type != msgpack::type::BOOLEAN)
        path.wrong_type("a boolean", object);
    return object.via.boolean;
}

std::uint64_t as_uint(const msgpack::object& object, const Path& path) {
    if (object.type == msgpack::type::NEGATIVE_INTEGER)
        path.invalid("must not be negative, got " + std::to_string(object.via.i64));
    if (object.type != msgpack::type::POSITIVE_INTEGER)
        path.wrong_type("an integer", object);
    return object.via.u64;
}

std::int64_t as_int(const msgpack::object& object, const Path& path) {
    if (object.type == msgpack::type::NEGATIVE_INTEGER)
        return object.via.i64;
    if (object.type != msgpack::type::POSITIVE_INTEGER)
        path.wrong_type("an integer", object);
    if (object.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        path.invalid("must be at most 2^63-1, got " + std::to_string(object.via.u64));
    return static_cast<std::int64_t>(object.via.u64);
}

unsigned as_uint32(const msgpack::object& object, const Path& path) {
    const std::uint64_t value = as_uint(object, path);
    if (value > std::numeric_limits<std::uint32_t>::max())
        path.invalid("must fit in 32 bits, got " + std::to_string(value));
    return static_cast<unsigned>(value);
}

double as_float(const msgpack::object& object, const Path& path) {
    if (object.type != msgpack::type::FLOAT64 && object.type != msgpack::type::FLOAT32)
        path.wrong_type("a float", object);
    return object.via.f64;
}

const msgpack::object& Fields::require(const Path& field) const {
    const msgpack::object* value = detail::find(map_, field.key());
    if (value == nullptr)
        field.missing();
    return *value;
}

std::string Fields::string(std::string_view key) const {
    const Path field(path_, key);
    return as_string(require(field), field);
}

std::optional<std::string> Fields::optional_string(std::string_view key) const {
    const Path field(path_, key);
    return as_optional_string(require(field), field);
}

std::uint64_t Fields::uint(std::string_view key) const {
    const Path field(path_, key);
    return as_uint(require(field), field);
}

std::int64_t Fields::integer(std::string_view key) const {
    const Path field(path_, key);
    return as_int(require(field), field);
}

double Fields::floating(std::string_view key) const {
    const Path field(path_, key);
    return as_float(require(field), field);
}

bool Fields::boolean(std::string_view key) const {
    const Path field(path_, key);
    return as_bool(require(field), field);
}

Value to_value(const msgpack::object& object, const Path& path) {
    Value value;
    switch (object.type) {
    case msgpack::type::NIL:
        break;
    case msgpack::type::BOOLEAN:
        value.data = object.via.boolean;
        break;
    case msgpack::type::POSITIVE_INTEGER:
        // One integer type for every integer a validator is likely to meet; uint64 only for
        // what int64 cannot hold.
        if (object.via.u64 <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            value.data = static_cast<std::int64_t>(object.via.u64);
        else
            value.data = object.via.u64;
        break;
    case msgpack::type::NEGATIVE_INTEGER:
        value.data = object.via.i64;
        break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        value.data = object.via.f64;
        break;
    case msgpack::type::STR:
        value.data = std::string(object.via.str.ptr, object.via.str.size);
        break;
    case msgpack::type::ARRAY: {
        Array array;
        array.reserve(object.via.array.size);
        for (std::uint32_t i = 0; i < object.via.array.size; ++i)
            array.push_back(to_value(object.via.array.ptr[i], Path(path, std::size_t{i})));
        value.data = std::move(array);
        break;
    }
    case msgpack::type::MAP: {
        Map map;
        map.reserve(object.via.map.size);
        for (std::uint32_t i = 0; i < object.via.map.size; ++i) {
            const msgpack::object_kv& kv = object.via.map.ptr[i];
            if (kv.key.type != msgpack::type::STR)
                path.fail(std::string("map keys must be strings, got ") + type_name(kv.key) +
                          (path.field().empty() ? "" : " in `" + path.field() + "`"));
            std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
            Value item = to_value(kv.val, Path(path, std::string_view(key)));
            map.emplace_back(std::move(key), std::move(item));
        }
        value.data = std::move(map);
        break;
    }
    case msgpack::type::BIN:
    case msgpack::type::EXT:
        if (path.field().empty())
            path.fail(std::string("holds ") + type_name(object) + ", which protocol v1 never uses");
        path.invalid(std::string("holds ") + type_name(object) + ", which protocol v1 never uses");
    }
    return value;
}

} // namespace swmrd::proto::detail
