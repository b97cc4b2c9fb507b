#include "helpers.hpp"

#include "swmrd/proto/msgpack_value.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace swmrd::proto;
using namespace swmrd::proto::testing;

namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string out;
    for (int b : list)
        out += static_cast<char>(b);
    return out;
}

Value decode(const std::string& b) {
    return decode_value(b.data(), b.size());
}

} // namespace

TEST_CASE("encode_value writes the smallest integer formats and float64") {
    CHECK(encode_value(Value{std::int64_t{1}}) == bytes({0x01}));
    CHECK(encode_value(Value{std::uint64_t{1}}) == bytes({0x01}));
    CHECK(encode_value(Value{std::int64_t{-1}}) == bytes({0xff}));
    CHECK(encode_value(Value{std::int64_t{300}}) == bytes({0xcd, 0x01, 0x2c}));
    CHECK(encode_value(Value{1.0}) == bytes({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
    CHECK(encode_value(Value{}) == bytes({0xc0}));
    CHECK(encode_value(Value{true}) == bytes({0xc3}));
    CHECK(encode_value(Value{std::string("ab")}) == bytes({0xa2, 'a', 'b'}));
    CHECK(encode_value(Value{Map{{"a", Value{Array{}}}}}) == bytes({0x81, 0xa1, 'a', 0x90}));
}

TEST_CASE("decode_value gives int64 for every integer int64 holds, uint64 above") {
    const auto max64 = std::numeric_limits<std::uint64_t>::max();
    const auto min64 = std::numeric_limits<std::int64_t>::min();
    // 7 as uint64 (0xcf) still decodes to int64: the format does not carry a type.
    CHECK(std::get<std::int64_t>(decode(bytes({0xcf, 0, 0, 0, 0, 0, 0, 0, 7})).data) == 7);
    CHECK(std::get<std::int64_t>(decode(encode_value(Value{min64})).data) == min64);
    CHECK(std::get<std::uint64_t>(decode(encode_value(Value{max64})).data) == max64);
    CHECK(std::get<std::int64_t>(decode(encode_value(Value{std::uint64_t{1} << 63 >> 1})).data) ==
          std::int64_t{1} << 62);
    // float32 on the wire reads as a double.
    CHECK(std::get<double>(decode(bytes({0xca, 0x3f, 0xc0, 0, 0})).data) == 1.5);
}

TEST_CASE("decode_value and encode_value round-trip nested values, order kept") {
    const Value value{Map{
        {"z", Value{Array{Value{}, Value{false}, Value{-2.25}, Value{std::string("é")}}}},
        {"a", Value{Map{{"k", Value{std::int64_t{-70000}}}}}},
        {"", Value{std::string()}},
    }};
    const std::string packed = encode_value(value);
    CHECK(same_value(decode(packed), value));
    CHECK(encode_value(decode(packed)) == packed);
}

TEST_CASE("decode_value refuses what is not exactly one v1 value") {
    CHECK(std::string(decode_error([] { decode(""); }).what()) ==
          "message: empty message, expected a MessagePack map");
    CHECK(std::string(decode_error([] { decode(bytes({0xc1})); }).what()) ==
          "message: not MessagePack");
    CHECK(std::string(decode_error([] {
                          decode(bytes({0x01, 0x02}));
                      }).what()) == "message: 1 trailing bytes after the MessagePack object");
    CHECK(std::string(decode_error([] {
                          decode(bytes({0x92, 0x01}));
                      }).what())
              .find("message: truncated MessagePack") == 0);
    CHECK(std::string(decode_error([] {
                          decode(bytes({0x81, 0x01, 0x02}));
                      }).what()) == "message: map keys must be strings, got an integer");
    CHECK(std::string(decode_error([] {
                          decode(bytes({0x81, 0xa1, 'k', 0x81, 0xc0, 0x01}));
                      }).what()) == "message: map keys must be strings, got nil in `k`");
    CHECK(std::string(decode_error([] {
                          decode(bytes({0x91, 0xc4, 0x01, 0x00}));
                      }).what()) ==
          "message: field `[0]` holds binary data, which protocol v1 never uses");
    CHECK(decode_error([] { decode(bytes({0xc1})); }).code() == "bad_request");
}

TEST_CASE("decode_value refuses announced sizes the bytes cannot hold, without allocating them") {
    // An array, a map and a string each announcing 2^32-1 items or bytes in five bytes.
    for (int type : {0xdd, 0xdf, 0xdb}) {
        CAPTURE(type);
        const DecodeError error = decode_error([&] {
            decode(bytes({type, 0xff, 0xff, 0xff, 0xff}));
        });
        CHECK(std::string(error.what()).find("message: truncated MessagePack") == 0);
    }
}

TEST_CASE("decode_value refuses nesting deeper than 64 levels") {
    std::string deep(100, static_cast<char>(0x91));
    deep += static_cast<char>(0xc0);
    CHECK(std::string(decode_error([&] { decode(deep); }).what()) ==
          "message: nested more than 64 levels deep");
    std::string fine(30, static_cast<char>(0x91));
    fine += static_cast<char>(0xc0);
    CHECK(encode_value(decode(fine)) == fine);
}

TEST_CASE("to_json writes every scalar type") {
    CHECK(to_json(Value{}) == "null");
    CHECK(to_json(Value{true}) == "true");
    CHECK(to_json(Value{false}) == "false");
    CHECK(to_json(Value{std::numeric_limits<std::int64_t>::min()}) == "-9223372036854775808");
    CHECK(to_json(Value{std::numeric_limits<std::uint64_t>::max()}) == "18446744073709551615");
    CHECK(to_json(Value{10.0}) == "10.0");
    CHECK(to_json(Value{-0.0}) == "-0.0");
    CHECK(to_json(Value{0.1}) == "0.1");
    CHECK(to_json(Value{1718000000.123456}) == "1718000000.123456");
    CHECK(to_json(Value{1e300}) == "1e+300");
    CHECK(to_json(Value{5e-324}) == "5e-324");
    CHECK(to_json(Value{std::numeric_limits<double>::quiet_NaN()}) == "null");
    CHECK(to_json(Value{std::numeric_limits<double>::infinity()}) == "null");
}

TEST_CASE("to_json floats read back as the same double") {
    for (double d : {0.1, 1.0 / 3.0, 2.0 / 3.0 * 1e-200, 123456789.98765432, 1e21, 1e22,
                     std::nextafter(1.0, 2.0), std::numeric_limits<double>::max()}) {
        CAPTURE(d);
        const std::string text = to_json(Value{d});
        CHECK(std::stod(text) == d);
    }
}

TEST_CASE("to_json escapes strings as JSON requires") {
    CHECK(to_json(Value{std::string("a\"b\\c/")}) == R"("a\"b\\c/")");
    CHECK(to_json(Value{std::string("\n\r\t\b\f")}) == R"("\n\r\t\b\f")");
    CHECK(to_json(Value{std::string("\x01\x1f\x7f", 3)}) == "\"\\u0001\\u001f\x7f\"");
    CHECK(to_json(Value{std::string("\0", 1)}) == R"("\u0000")");
    // Valid UTF-8 stays as it is; bytes that are not UTF-8 become U+FFFD.
    CHECK(to_json(Value{std::string("µ-scan €𝄞")}) == "\"µ-scan €𝄞\"");
    CHECK(to_json(Value{std::string("a\xff"
                                    "b")}) == R"("a\ufffdb")");
    CHECK(to_json(Value{std::string("\xc0\xaf")}) == R"("\ufffd\ufffd")");           // overlong
    CHECK(to_json(Value{std::string("\xed\xa0\x80")}) == R"("\ufffd\ufffd\ufffd")"); // surrogate
    CHECK(to_json(Value{std::string("\xe2\x82")}) == R"("\ufffd\ufffd")");           // cut short
}

TEST_CASE("to_json writes arrays and maps in order, in json.dumps' style") {
    const Value value{Map{
        {"b", Value{Array{Value{std::int64_t{1}}, Value{}, Value{Array{}}}}},
        {"a\"", Value{Map{}}},
        {"c", Value{Map{{"x", Value{2.5}}}}},
    }};
    CHECK(to_json(value) == R"({"b": [1, null, []], "a\"": {}, "c": {"x": 2.5}})");
}
