#include "swmrcat/float_format.hpp"

#include "swmrcat/array.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace swmrd::cat {

namespace {

// NumPy's default `precision`: digits after the point, at most.
constexpr int max_digits = 8;

// value = (negative ? -1 : 1) * d0.d1d2... * 10^exponent
struct Decimal {
    bool negative = false;
    std::string digits;
    int exponent = 0;
};

Decimal parse_scientific(std::string_view text) {
    Decimal d;
    std::size_t i = 0;
    if (text[0] == '-') {
        d.negative = true;
        i = 1;
    }
    const auto e = text.find('e');
    for (; i < e; ++i)
        if (text[i] != '.')
            d.digits += text[i];
    std::size_t j = e + 1;
    const bool negative_exponent = text[j] == '-';
    if (text[j] == '-' || text[j] == '+')
        ++j;
    std::from_chars(text.data() + j, text.data() + text.size(), d.exponent);
    if (negative_exponent)
        d.exponent = -d.exponent;
    return d;
}

std::string to_text(double value, std::chars_format format, int precision) {
    char buffer[512];
    const auto result =
        std::to_chars(std::begin(buffer), std::end(buffer), value, format, precision);
    return {buffer, result.ptr};
}

// The fewest digits that read back as the same value of the array's own type.
Decimal shortest(double value, std::size_t item_size) {
    char buffer[64];
    std::to_chars_result result{};
    if (item_size == 8) {
        result = std::to_chars(std::begin(buffer), std::end(buffer), value,
                               std::chars_format::scientific);
    } else if (item_size == 4) {
        result = std::to_chars(std::begin(buffer), std::end(buffer), static_cast<float>(value),
                               std::chars_format::scientific);
    } else {
        const auto as_float = static_cast<float>(value);
        const auto bits = float_to_half(as_float);
        for (int precision = 0; precision < 9; ++precision) {
            result = std::to_chars(std::begin(buffer), std::end(buffer), as_float,
                                   std::chars_format::scientific, precision);
            *result.ptr = '\0';
            if (float_to_half(std::strtof(buffer, nullptr)) == bits)
                break;
        }
    }
    return parse_scientific(
        std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer)));
}

void trim_zeros(std::string& fraction) {
    while (!fraction.empty() && fraction.back() == '0')
        fraction.pop_back();
}

struct Positional {
    std::string int_part; // with its sign
    std::string fraction;
};

Positional from_digits(const Decimal& d) {
    const int n = static_cast<int>(d.digits.size());
    Positional p;
    if (d.exponent >= 0) {
        const int whole = d.exponent + 1;
        p.int_part = d.digits.substr(0, static_cast<std::size_t>(std::min(n, whole)));
        if (whole > n)
            p.int_part.append(static_cast<std::size_t>(whole - n), '0');
        if (n > whole)
            p.fraction = d.digits.substr(static_cast<std::size_t>(whole));
    } else {
        p.int_part.push_back('0');
        p.fraction.assign(static_cast<std::size_t>(-d.exponent - 1), '0');
        p.fraction += d.digits;
    }
    if (d.negative)
        p.int_part.insert(p.int_part.begin(), '-');
    return p;
}

Positional positional(double value, std::size_t item_size) {
    const auto d = shortest(value, item_size);
    const int n = static_cast<int>(d.digits.size());
    // Dragon4 writes every digit before the point exactly: 81812944. for a float32, where the
    // shortest digits would give 81812940.
    if (d.exponent + 1 > n)
        return Positional{to_text(value, std::chars_format::fixed, 0), {}};
    if (n - 1 - d.exponent <= max_digits)
        return from_digits(d);
    // Too many digits: rounded at the eighth, from the exact value as NumPy's Dragon4 does.
    const auto text = to_text(value, std::chars_format::fixed, max_digits);
    const auto dot = text.find('.');
    Positional p{text.substr(0, dot), text.substr(dot + 1)};
    trim_zeros(p.fraction);
    return p;
}

struct Scientific {
    std::string int_part; // sign and one digit
    std::string fraction;
    int exponent = 0;
};

Scientific scientific(double value, std::size_t item_size) {
    auto d = shortest(value, item_size);
    if (static_cast<int>(d.digits.size()) - 1 > max_digits)
        d = parse_scientific(to_text(value, std::chars_format::scientific, max_digits));
    Scientific s;
    s.int_part = std::string(d.negative ? "-" : "") + d.digits[0];
    s.fraction = d.digits.substr(1);
    trim_zeros(s.fraction);
    s.exponent = d.exponent;
    return s;
}

std::string exponent_text(int exponent, std::size_t digits) {
    auto magnitude = std::to_string(std::abs(exponent));
    if (magnitude.size() < digits)
        magnitude.insert(0, digits - magnitude.size(), '0');
    return (exponent < 0 ? "-" : "+") + magnitude;
}

std::string pad_left(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string non_finite_text(double value) {
    if (std::isnan(value))
        return "nan";
    return value < 0 ? "-inf" : "inf";
}

} // namespace

std::vector<std::string> numpy_float_words(const std::vector<double>& values,
                                           std::size_t item_size) {
    bool any_finite = false;
    bool exp_format = false;
    double max_abs = 0.0;
    double min_abs = 0.0;
    bool any_non_zero = false;
    bool negative_inf = false;
    bool any_non_finite = false;
    for (const double v : values) {
        if (!std::isfinite(v)) {
            any_non_finite = true;
            negative_inf = negative_inf || (std::isinf(v) && v < 0);
            continue;
        }
        any_finite = true;
        if (v == 0.0)
            continue;
        const double a = std::fabs(v);
        max_abs = any_non_zero ? std::max(max_abs, a) : a;
        min_abs = any_non_zero ? std::min(min_abs, a) : a;
        any_non_zero = true;
    }
    if (any_non_zero)
        exp_format = max_abs >= 1e8 || min_abs < 0.0001 || max_abs / min_abs > 1000.0;

    std::size_t left = 0;  // characters before the point
    std::size_t right = 0; // characters after it
    std::size_t precision = 0;
    std::size_t exp_digits = 0;
    std::vector<Positional> positionals;
    if (any_finite && exp_format) {
        for (const double v : values) {
            if (!std::isfinite(v))
                continue;
            const auto s = scientific(v, item_size);
            left = std::max(left, s.int_part.size());
            precision = std::max(precision, s.fraction.size());
            exp_digits = std::max(exp_digits, std::to_string(std::abs(s.exponent)).size());
        }
        exp_digits = std::max<std::size_t>(exp_digits, 2);
        right = exp_digits + 2 + precision;
    } else if (any_finite) {
        positionals.reserve(values.size());
        for (const double v : values) {
            if (!std::isfinite(v)) {
                positionals.emplace_back();
                continue;
            }
            positionals.push_back(positional(v, item_size));
            left = std::max(left, positionals.back().int_part.size());
            right = std::max(right, positionals.back().fraction.size());
        }
    }
    if (any_non_finite) {
        const std::size_t offset = right + 1;
        const std::size_t inf_length = negative_inf ? 4 : 3;
        if (offset < 3)
            left = std::max(left, 3 - offset);
        if (offset < inf_length)
            left = std::max(left, inf_length - offset);
    }

    std::vector<std::string> words;
    words.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (!std::isfinite(v)) {
            words.push_back(pad_left(non_finite_text(v), left + right + 1));
        } else if (exp_format) {
            // Every element shows `precision` digits; those past its shortest ones are the
            // exact value's next digits, rounded, as NumPy's min_digits gives them.
            const auto s = parse_scientific(
                to_text(v, std::chars_format::scientific, static_cast<int>(precision)));
            std::string int_part(s.negative ? "-" : "");
            int_part += s.digits[0];
            words.push_back(pad_left(int_part, left) + "." + s.digits.substr(1) + "e" +
                            exponent_text(s.exponent, exp_digits));
        } else {
            const auto& p = positionals[i];
            words.push_back(pad_left(p.int_part, left) + "." + p.fraction +
                            std::string(right - p.fraction.size(), ' '));
        }
    }
    return words;
}

std::string python_float(double value) {
    if (!std::isfinite(value))
        return non_finite_text(value);
    const auto d = shortest(value, 8);
    std::string text;
    if (d.exponent < -4 || d.exponent >= 16) {
        if (d.negative)
            text += '-';
        text += d.digits[0];
        if (d.digits.size() > 1) {
            text += '.';
            text.append(d.digits, 1);
        }
        text += 'e';
        text += exponent_text(d.exponent, 2);
        return text;
    }
    const auto p = from_digits(d);
    text = p.int_part;
    text += '.';
    text += p.fraction.empty() ? "0" : p.fraction;
    return text;
}

} // namespace swmrd::cat
