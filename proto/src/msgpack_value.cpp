#include "swmrd/proto/msgpack_value.hpp"

#include "pack.hpp"
#include "unpack.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

namespace swmrd::proto {

Value decode_value(const void* data, std::size_t size) {
    const msgpack::object_handle handle = detail::unpack_one(data, size, "message");
    return detail::to_value(handle.get(), detail::Path("message"));
}

std::string encode_value(const Value& value) {
    std::string out;
    detail::Writer w(out);
    w.value(value);
    return out;
}

namespace {

// Length of the valid UTF-8 sequence at the start of `text`, or 0 if it is not one
// (overlong forms and surrogates included).
std::size_t utf8_sequence(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned min_second = 0x80;
    unsigned max_second = 0xbf;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0)
            min_second = 0xa0;
        if (lead == 0xed)
            max_second = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0)
            min_second = 0x90;
        if (lead == 0xf4)
            max_second = 0x8f;
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < min_second || byte(1) > max_second)
        return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (byte(i) < 0x80 || byte(i) > 0xbf)
            return 0;
    return length;
}

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    while (!text.empty()) {
        const auto c = static_cast<unsigned char>(text.front());
        std::size_t used = 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else if (const std::size_t length = utf8_sequence(text); length > 0) {
                out.append(text.substr(0, length));
                used = length;
            } else {
                // JSON text must be Unicode: a byte that is not UTF-8 becomes U+FFFD, as
                // decoders of the wire format would show it.
                out += "\\ufffd";
            }
        }
        text.remove_prefix(used);
    }
    out += '"';
}

void append_json_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        // JSON has no NaN or infinity; null is what JSON encoders commonly write instead.
        out += "null";
        return;
    }
    std::array<char, 32> buffer{};
    // The shortest text that reads back as the same double.
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), d);
    const std::string_view text(buffer.data(),
                                static_cast<std::size_t>(result.ptr - buffer.data()));
    out += text;
    // Keep floats recognisable as floats: 10.0, not 10.
    if (text.find_first_of(".e") == std::string_view::npos)
        out += ".0";
}

void append_json(std::string& out, const Value& value) {
    if (value.is_nil()) {
        out += "null";
    } else if (const bool* b = std::get_if<bool>(&value.data)) {
        out += *b ? "true" : "false";
    } else if (const std::int64_t* i = std::get_if<std::int64_t>(&value.data)) {
        out += std::to_string(*i);
    } else if (const std::uint64_t* u = std::get_if<std::uint64_t>(&value.data)) {
        out += std::to_string(*u);
    } else if (const double* d = std::get_if<double>(&value.data)) {
        append_json_double(out, *d);
    } else if (const std::string* s = value.as_string()) {
        append_json_string(out, *s);
    } else if (const Array* array = value.as_array()) {
        out += '[';
        for (std::size_t n = 0; n < array->size(); ++n) {
            if (n > 0)
                out += ", ";
            append_json(out, (*array)[n]);
        }
        out += ']';
    } else if (const Map* map = value.as_map()) {
        out += '{';
        for (std::size_t n = 0; n < map->size(); ++n) {
            if (n > 0)
                out += ", ";
            append_json_string(out, (*map)[n].first);
            out += ": ";
            append_json(out, (*map)[n].second);
        }
        out += '}';
    }
}

} // namespace

std::string to_json(const Value& value) {
    std::string out;
    append_json(out, value);
    return out;
}

} // namespace swmrd::proto
