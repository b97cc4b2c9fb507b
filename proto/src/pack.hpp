#pragma once
// Writing MessagePack straight into the output string: the header encoder runs once per frame,
// so it packs field by field with no intermediate Value and no buffer besides the result.

#include "swmrd/proto/value.hpp"
#include "swmrd/proto/vocabulary.hpp"

#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace swmrd::proto::detail {

// The stream msgpack::packer writes to.
class StringSink {
public:
    explicit StringSink(std::string& out) : out_(out) {}
    void write(const char* data, std::size_t size) { out_.append(data, size); }

private:
    std::string& out_;
};

// Appends MessagePack objects to a string. Integers take their smallest format; floats are
// always float64, which msgpack::packer does not guarantee: it writes 10.0 as the integer 10.
class Writer {
public:
    explicit Writer(std::string& out) : sink_(out), packer_(sink_) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void nil() { packer_.pack_nil(); }
    void boolean(bool b) {
        if (b)
            packer_.pack_true();
        else
            packer_.pack_false();
    }
    void uint(std::uint64_t u) { packer_.pack_uint64(u); }
    void integer(std::int64_t i) { packer_.pack_int64(i); }
    void float64(double d);
    void string(std::string_view text);
    // A map key: keys are strings in protocol v1.
    void key(std::string_view name) { string(name); }
    void optional_string(const std::optional<std::string>& text) {
        if (text)
            string(*text);
        else
            nil();
    }
    template <ProtocolWord Enum> void word(Enum value) { string(to_string(value)); }
    template <ProtocolWord Enum> void optional_word(const std::optional<Enum>& value) {
        if (value)
            word(*value);
        else
            nil();
    }
    void array(std::size_t size) { packer_.pack_array(length32(size)); }
    void map(std::size_t size) { packer_.pack_map(length32(size)); }
    void value(const Value& value);

private:
    // Checked narrowing for MessagePack's 32-bit lengths: a longer object cannot be encoded.
    static std::uint32_t length32(std::size_t size);

    StringSink sink_;
    msgpack::packer<StringSink> packer_;
};

} // namespace swmrd::proto::detail
