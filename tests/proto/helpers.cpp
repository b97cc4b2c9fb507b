#include "helpers.hpp"

#include <stdexcept>
#include <type_traits>
#include <variant>

namespace swmrd::proto::testing {

bool same_value(const Value& a, const Value& b) {
    if (a.data.index() != b.data.index())
        return false;
    if (const Array* x = a.as_array()) {
        const Array& y = *b.as_array();
        if (x->size() != y.size())
            return false;
        for (std::size_t i = 0; i < x->size(); ++i)
            if (!same_value((*x)[i], y[i]))
                return false;
        return true;
    }
    if (const Map* x = a.as_map()) {
        const Map& y = *b.as_map();
        if (x->size() != y.size())
            return false;
        for (std::size_t i = 0; i < x->size(); ++i)
            if ((*x)[i].first != y[i].first || !same_value((*x)[i].second, y[i].second))
                return false;
        return true;
    }
    return std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Array> || std::is_same_v<T, Map>)
                return false; // handled above
            else
                return x == std::get<T>(b.data);
        },
        a.data);
}

Map map_of(const std::string& bytes) {
    Value value = decode_value(bytes.data(), bytes.size());
    if (value.as_map() == nullptr)
        throw std::logic_error("map_of: not a map");
    return std::get<Map>(std::move(value.data));
}

std::string bytes_of(Map map) {
    return encode_value(Value{std::move(map)});
}

std::string with_field(const std::string& bytes, const std::string& key, Value value) {
    Map map = map_of(bytes);
    for (auto& [name, item] : map) {
        if (name == key) {
            item = std::move(value);
            return bytes_of(std::move(map));
        }
    }
    map.emplace_back(key, std::move(value));
    return bytes_of(std::move(map));
}

std::string without_field(const std::string& bytes, const std::string& key) {
    Map map = map_of(bytes);
    std::erase_if(map, [&](const auto& entry) { return entry.first == key; });
    return bytes_of(std::move(map));
}

DecodeError decode_error(const std::function<void()>& decode) {
    try {
        decode();
    } catch (const DecodeError& error) {
        return error;
    }
    FAIL("expected a DecodeError, nothing was thrown");
    return DecodeError("unreachable");
}

} // namespace swmrd::proto::testing
