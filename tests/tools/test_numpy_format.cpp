// NumPy-like printing: the user guide's frame exactly, every dtype in both byte orders, and a
// batch of arrays compared with what NumPy itself prints.

#include "bytes.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

#include "swmrcat/array.hpp"
#include "swmrcat/float_format.hpp"
#include "swmrcat/numpy_format.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace swmrd::cat;
using swmrd::tools::test::raw_bytes;

namespace {

Array decoded(const std::string& dtype, const std::vector<std::uint64_t>& shape,
              const std::string& bytes) {
    const auto type = parse_dtype(dtype);
    REQUIRE(type);
    std::string why;
    const auto array = decode_raw(*type, shape, bytes, &why);
    INFO(why);
    REQUIRE(array);
    return *array;
}

template <typename T>
std::string str(const std::string& dtype, const std::vector<std::uint64_t>& shape,
                const std::vector<T>& values) {
    return numpy_str(decoded(dtype, shape, raw_bytes(values, dtype[0] == '>')));
}

// The first frame of the swmr_tools user guide's example, (2, 2, 5, 10) int64 data.
const std::vector<std::int64_t> user_guide_frame{
    3980,  -3645, -5966, 8665,  360,   1863,  7697,  -769,  -5559, -2142, 4588,  -9254, 8550,
    -1948, 1172,  -886,  5600,  -4307, -3488, 2684,  6961,  -6236, -4299, -7908, 4577,  4358,
    -6297, -8586, -4147, -3344, 7149,  -2261, 1190,  -6692, -828,  4310,  5177,  -1239, 8868,
    -4319, 2442,  5367,  -1959, 6815,  5524,  -2185, -2171, -8405, -2000, -6897};

const char* user_guide_text = "[[[[ 3980 -3645 -5966  8665   360  1863  7697  -769 -5559 -2142]\n"
                              "   [ 4588 -9254  8550 -1948  1172  -886  5600 -4307 -3488  2684]\n"
                              "   [ 6961 -6236 -4299 -7908  4577  4358 -6297 -8586 -4147 -3344]\n"
                              "   [ 7149 -2261  1190 -6692  -828  4310  5177 -1239  8868 -4319]\n"
                              "   [ 2442  5367 -1959  6815  5524 -2185 -2171 -8405 -2000 -6897]]]]";

} // namespace

TEST_CASE("the user guide's 5x10 int64 frame prints as NumPy prints it") {
    CHECK(str("<i8", {1, 1, 5, 10}, user_guide_frame) == user_guide_text);
    CHECK(str(">i8", {1, 1, 5, 10}, user_guide_frame) == user_guide_text);
}

TEST_CASE("integers of every size and signedness, in both byte orders") {
    for (const char* order : {"<", ">"}) {
        const std::string o = order;
        CHECK(str(o + "i1", {1, 3}, std::vector<std::int8_t>{-128, 0, 127}) ==
              "[[-128    0  127]]");
        CHECK(str(o + "u1", {3}, std::vector<std::uint8_t>{0, 7, 255}) == "[  0   7 255]");
        CHECK(str(o + "i2", {2}, std::vector<std::int16_t>{-32768, 32767}) == "[-32768  32767]");
        CHECK(str(o + "u2", {2}, std::vector<std::uint16_t>{1, 65535}) == "[    1 65535]");
        CHECK(str(o + "i4", {2}, std::vector<std::int32_t>{-2147483647 - 1, 5}) ==
              "[-2147483648           5]");
        CHECK(str(o + "u4", {2}, std::vector<std::uint32_t>{4294967295u, 0}) ==
              "[4294967295          0]");
        CHECK(str(o + "i8", {2},
                  std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), 1}) ==
              "[-9223372036854775808                    1]");
        CHECK(str(o + "u8", {2}, std::vector<std::uint64_t>{0, 18446744073709551615ull}) ==
              "[                   0 18446744073709551615]");
    }
    CHECK(str("|u1", {1}, std::vector<std::uint8_t>{200}) == "[200]");
    CHECK(str("|i1", {1}, std::vector<std::int8_t>{5}) == "[5]");
}

TEST_CASE("floats print with NumPy's shortest digits, padding and notation") {
    CHECK(str("<f8", {1, 2}, std::vector<double>{1.0, 2.5}) == "[[1.  2.5]]");
    CHECK(str(">f8", {1, 2}, std::vector<double>{1.0, 2.5}) == "[[1.  2.5]]");
    // float32 digits are the shortest for float32, not for the double they widen to.
    CHECK(str("<f4", {3}, std::vector<float>{0.1f, 0.2f, 0.3f}) == "[0.1 0.2 0.3]");
    CHECK(str(">f4", {3}, std::vector<float>{0.1f, 0.2f, 0.3f}) == "[0.1 0.2 0.3]");
    CHECK(str("<f8", {3}, std::vector<double>{1e-5, 1.0, 1e5}) == "[1.e-05 1.e+00 1.e+05]");
    CHECK(str("<f8", {2}, std::vector<double>{1.5, 123456.789e3}) ==
          "[1.50000000e+00 1.23456789e+08]");
    CHECK(str("<f8", {3}, std::vector<double>{1.0 / 3, 2.0 / 3, 10.0}) ==
          "[ 0.33333333  0.66666667 10.        ]");
    CHECK(str("<f8", {2}, std::vector<double>{-0.0, 0.0}) == "[-0.  0.]");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(str("<f8", {3}, std::vector<double>{nan, -inf, 1.5}) == "[ nan -inf  1.5]");
    CHECK(str("<f8", {1}, std::vector<double>{nan}) == "[nan]");
}

TEST_CASE("float16 payloads decode and print as NumPy's float16") {
    std::vector<std::uint16_t> halves{float_to_half(0.1f), float_to_half(0.25f)};
    CHECK(str("<f2", {2}, halves) == "[0.1  0.25]");
    CHECK(str(">f2", {2}, halves) == "[0.1  0.25]");
    CHECK(half_to_double(0x3c00) == 1.0);
    CHECK(half_to_double(0xc000) == -2.0);
    CHECK(half_to_double(0x0001) == std::ldexp(1.0, -24));
    CHECK(half_to_double(0x7bff) == 65504.0);
    CHECK(std::isinf(half_to_double(0x7c00)));
    CHECK(std::isnan(half_to_double(0x7e00)));
    CHECK(float_to_half(65504.0f) == 0x7bff);
    CHECK(float_to_half(1e6f) == 0x7c00);
    CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);
}

TEST_CASE("bools print as NumPy's True and False") {
    CHECK(str("|b1", {1, 3}, std::vector<std::uint8_t>{1, 0, 1}) == "[[ True False  True]]");
}

TEST_CASE("long rows wrap at 75 characters and higher dimensions get blank lines") {
    std::vector<std::int64_t> row;
    for (std::int64_t i = 0; i < 30; ++i)
        row.push_back(i * 123456789 - 1000000000);
    CHECK(str("<i8", {1, 30}, row) ==
          "[[-1000000000  -876543211  -753086422  -629629633  -506172844  -382716055\n"
          "   -259259266  -135802477   -12345688   111111101   234567890   358024679\n"
          "    481481468   604938257   728395046   851851835   975308624  1098765413\n"
          "   1222222202  1345678991  1469135780  1592592569  1716049358  1839506147\n"
          "   1962962936  2086419725  2209876514  2333333303  2456790092  2580246881]]");
    std::vector<std::int16_t> block(12);
    for (std::size_t i = 0; i < block.size(); ++i)
        block[i] = static_cast<std::int16_t>(i);
    CHECK(str(">i2", {2, 2, 3}, block) ==
          "[[[ 0  1  2]\n  [ 3  4  5]]\n\n [[ 6  7  8]\n  [ 9 10 11]]]");
}

TEST_CASE("empty arrays print as []") {
    CHECK(str("<f8", {1, 0}, std::vector<double>{}) == "[]");
}

TEST_CASE("a payload whose size does not match its shape is refused, saying why") {
    std::string why;
    CHECK_FALSE(decode_raw(*parse_dtype("<u2"), {1, 4}, std::string(7, '\0'), &why));
    CHECK(why == "7 bytes where the shape needs 8");
}

TEST_CASE("summaries give min, max and mean") {
    std::vector<std::uint16_t> ramp(200);
    for (std::size_t i = 0; i < ramp.size(); ++i)
        ramp[i] = static_cast<std::uint16_t>(i);
    CHECK(summary(decoded(">u2", {1, 200}, raw_bytes(ramp, true))) == "min 0, max 199, mean 99.5");
    CHECK(summary(decoded("<i4", {3}, raw_bytes(std::vector<std::int32_t>{-7, 2, 8}, false))) ==
          "min -7, max 8, mean 1");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(
        summary(decoded("<f8", {4}, raw_bytes(std::vector<double>{0.5, nan, -2.0, 4.0}, false))) ==
        "min -2.0, max 4.0, mean 0.833333, 1 nan");
    CHECK(summary(decoded("|b1", {3}, raw_bytes(std::vector<std::uint8_t>{1, 0, 1}, false))) ==
          "2 True of 3");
}

TEST_CASE("python_float reads like Python's repr") {
    CHECK(python_float(2047.5) == "2047.5");
    CHECK(python_float(1.0) == "1.0");
    CHECK(python_float(-0.0) == "-0.0");
    CHECK(python_float(1e-5) == "1e-05");
    CHECK(python_float(1.5e16) == "1.5e+16");
    CHECK(python_float(0.1) == "0.1");
    CHECK(python_float(123456789.125) == "123456789.125");
    CHECK(python_float(std::numeric_limits<double>::infinity()) == "inf");
}

namespace {

struct Case {
    std::string dtype;
    std::vector<std::uint64_t> shape;
    std::string bytes;
};

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out.empty() ? "-" : out;
}

std::vector<Case> generated_cases() {
    std::mt19937_64 random(20240611);
    const std::vector<std::vector<std::uint64_t>> shapes{{1}, {1, 7}, {1, 1, 5, 10}, {2, 3, 4}};
    std::vector<Case> cases;
    for (const char* order : {"<", ">"}) {
        const bool big = order[0] == '>';
        for (const auto& shape : shapes) {
            std::size_t n = 1;
            for (const auto d : shape)
                n *= d;
            const auto ints = [&](auto sample) {
                using T = decltype(sample);
                std::vector<T> values(n);
                const int bits = static_cast<int>(random() % (sizeof(T) * 8)) + 1;
                for (auto& v : values)
                    v = static_cast<T>(random() >> (64 - bits));
                return values;
            };
            cases.push_back(
                {std::string(order) + "i1", shape, raw_bytes(ints(std::int8_t{}), big)});
            cases.push_back(
                {std::string(order) + "u1", shape, raw_bytes(ints(std::uint8_t{}), big)});
            cases.push_back(
                {std::string(order) + "i2", shape, raw_bytes(ints(std::int16_t{}), big)});
            cases.push_back(
                {std::string(order) + "u2", shape, raw_bytes(ints(std::uint16_t{}), big)});
            cases.push_back(
                {std::string(order) + "i4", shape, raw_bytes(ints(std::int32_t{}), big)});
            cases.push_back(
                {std::string(order) + "u4", shape, raw_bytes(ints(std::uint32_t{}), big)});
            cases.push_back(
                {std::string(order) + "i8", shape, raw_bytes(ints(std::int64_t{}), big)});
            cases.push_back(
                {std::string(order) + "u8", shape, raw_bytes(ints(std::uint64_t{}), big)});
            std::vector<std::uint8_t> bools(n);
            for (auto& b : bools)
                b = static_cast<std::uint8_t>(random() % 2);
            cases.push_back({"|b1", shape, raw_bytes(bools, false)});
            // Value profiles that take NumPy's float printing down each of its paths.
            for (int profile = 0; profile < 6; ++profile) {
                std::uniform_real_distribution<double> unit(-1.0, 1.0);
                std::vector<double> values(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const double u = unit(random);
                    switch (profile) {
                    case 0:
                        values[i] = std::round(u * 1000);
                        break; // whole numbers
                    case 1:
                        values[i] = u * 100;
                        break; // fractions
                    case 2:
                        values[i] = u * std::pow(10.0, static_cast<double>(random() % 12) - 6);
                        break;
                    case 3:
                        values[i] = u * 1e9;
                        break; // large
                    case 4:
                        values[i] = std::round(u * 8) / 4;
                        break; // short fractions
                    default:   // non-finite mixed in
                        values[i] = i % 3 == 0   ? std::numeric_limits<double>::quiet_NaN()
                                    : i % 3 == 1 ? -std::numeric_limits<double>::infinity()
                                                 : u * 10;
                    }
                }
                std::vector<float> singles(values.begin(), values.end());
                std::vector<std::uint16_t> halves;
                for (const double v : values)
                    halves.push_back(float_to_half(static_cast<float>(v)));
                cases.push_back({std::string(order) + "f8", shape, raw_bytes(values, big)});
                cases.push_back({std::string(order) + "f4", shape, raw_bytes(singles, big)});
                if (profile != 3)
                    cases.push_back({std::string(order) + "f2", shape, raw_bytes(halves, big)});
            }
        }
    }
    return cases;
}

} // namespace

TEST_CASE("printing matches NumPy's own str() for every dtype, byte order and shape") {
    swmrd::test::TempDir dir;
    const auto cases = generated_cases();
    std::string listing;
    for (const auto& c : cases) {
        std::string shape;
        for (const auto d : c.shape) {
            if (!shape.empty())
                shape += ',';
            shape += std::to_string(d);
        }
        listing += c.dtype + " " + (shape.empty() ? "-" : shape) + " " + hex(c.bytes) + "\n";
    }
    swmrd::test::write_text(dir / "cases.txt", listing);
    const auto result = swmrd::test::run_process(
        {SWMRD_TEST_PYTHON, SWMRD_TEST_NUMPY_SCRIPT, (dir / "cases.txt").string()}, dir.path());
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    std::vector<std::string> expected;
    const std::string separator = "\n\x1e\n";
    for (std::size_t start = 0; start < result.out.size();) {
        const auto end = result.out.find(separator, start);
        REQUIRE(end != std::string::npos);
        expected.push_back(result.out.substr(start, end - start));
        start = end + separator.size();
    }
    REQUIRE(expected.size() == cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO("case " << i << ": " << cases[i].dtype << " " << hex(cases[i].bytes));
        CHECK(numpy_str(decoded(cases[i].dtype, cases[i].shape, cases[i].bytes)) == expected[i]);
    }
}
