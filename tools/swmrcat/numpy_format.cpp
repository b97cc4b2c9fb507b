#include "swmrcat/numpy_format.hpp"

#include "swmrcat/float_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

namespace swmrd::cat {

namespace {

// NumPy's default `linewidth`.
constexpr std::size_t line_width = 75;

template <typename T> std::vector<std::string> integer_words(const std::vector<T>& values) {
    std::vector<std::string> words;
    words.reserve(values.size());
    std::size_t width = 0;
    for (const T v : values) {
        words.push_back(std::to_string(v));
        width = std::max(width, words.back().size());
    }
    for (auto& word : words)
        word.insert(0, width - word.size(), ' ');
    return words;
}

std::string rstrip(const std::string& text) {
    const auto end = text.find_last_not_of(' ');
    return end == std::string::npos ? std::string() : text.substr(0, end + 1);
}

// NumPy's _extendLine: wrap before a word that would pass the width, unless the line holds
// nothing but its indent (wrapping would not help).
void extend_line(std::string& out, std::string& line, const std::string& word, std::size_t width,
                 const std::string& indent) {
    if (line.size() + word.size() > width && line.size() > indent.size()) {
        out += rstrip(line) + "\n";
        line = indent;
    }
    line += word;
}

// NumPy's _formatArray recursion, for the separator " " of str().
class Layout {
public:
    Layout(const std::vector<std::string>& words, const std::vector<std::uint64_t>& shape)
        : words_(words), shape_(shape), strides_(shape.size(), 1) {
        for (std::size_t axis = shape.size(); axis-- > 1;)
            strides_[axis - 1] = strides_[axis] * static_cast<std::size_t>(shape[axis]);
    }

    std::string format(std::size_t axis, std::size_t offset, const std::string& indent,
                       std::size_t width) const {
        const std::size_t axes_left = shape_.size() - axis;
        if (axes_left == 0)
            return words_[offset];
        const auto count = static_cast<std::size_t>(shape_[axis]);
        const std::string next_indent = indent + " ";
        std::string out;
        if (axes_left == 1) {
            // One less for the closing bracket.
            const std::size_t element_width = width - 1;
            std::string line = indent;
            for (std::size_t i = 0; i < count; ++i) {
                extend_line(out, line, words_[offset + i], element_width, indent);
                if (i + 1 < count)
                    line += " ";
            }
            out += line;
        } else {
            const std::string separator(axes_left - 1, '\n');
            for (std::size_t i = 0; i < count; ++i) {
                out +=
                    indent + format(axis + 1, offset + i * strides_[axis], next_indent, width - 1);
                if (i + 1 < count)
                    out += separator;
            }
        }
        std::string bracketed;
        bracketed.reserve(out.size() + 2 - indent.size());
        bracketed += '[';
        bracketed.append(out, indent.size());
        bracketed += ']';
        return bracketed;
    }

private:
    const std::vector<std::string>& words_;
    const std::vector<std::uint64_t>& shape_;
    std::vector<std::size_t> strides_;
};

std::string general(double value) {
    char buffer[64];
    const auto result =
        std::to_chars(std::begin(buffer), std::end(buffer), value, std::chars_format::general, 6);
    return {buffer, result.ptr};
}

template <typename T> std::string integer_summary(const std::vector<T>& values) {
    const auto [min, max] = std::minmax_element(values.begin(), values.end());
    double sum = 0.0;
    for (const T v : values)
        sum += static_cast<double>(v);
    return "min " + std::to_string(*min) + ", max " + std::to_string(*max) + ", mean " +
           general(sum / static_cast<double>(values.size()));
}

std::string float_summary(const std::vector<double>& values) {
    std::size_t nans = 0;
    std::size_t counted = 0;
    double min = 0.0;
    double max = 0.0;
    double sum = 0.0;
    for (const double v : values) {
        if (std::isnan(v)) {
            ++nans;
            continue;
        }
        min = counted == 0 ? v : std::min(min, v);
        max = counted == 0 ? v : std::max(max, v);
        sum += v;
        ++counted;
    }
    std::string text;
    if (counted > 0)
        text = "min " + python_float(min) + ", max " + python_float(max) + ", mean " +
               general(sum / static_cast<double>(counted));
    if (nans > 0)
        text += (text.empty() ? "" : ", ") + std::to_string(nans) + " nan";
    return text;
}

} // namespace

std::vector<std::string> numpy_words(const Array& array) {
    return std::visit(
        [&array](const auto& values) -> std::vector<std::string> {
            using T = typename std::decay_t<decltype(values)>::value_type;
            if constexpr (std::is_same_v<T, bool>) {
                std::vector<std::string> words;
                words.reserve(values.size());
                for (const bool v : values)
                    words.emplace_back(v ? " True" : "False");
                return words;
            } else if constexpr (std::is_same_v<T, double>) {
                return numpy_float_words(values, array.dtype.size);
            } else {
                return integer_words(values);
            }
        },
        array.values);
}

std::string numpy_str(const Array& array) {
    if (array.size() == 0 && !array.shape.empty())
        return "[]";
    auto words = numpy_words(array);
    if (array.shape.empty())
        return words.empty() ? "" : words.front().substr(words.front().find_first_not_of(' '));
    return Layout(words, array.shape).format(0, 0, " ", line_width);
}

std::string summary(const Array& array) {
    if (array.size() == 0)
        return "empty";
    return std::visit(
        [](const auto& values) -> std::string {
            using T = typename std::decay_t<decltype(values)>::value_type;
            if constexpr (std::is_same_v<T, bool>) {
                const auto trues = std::count(values.begin(), values.end(), true);
                return std::to_string(trues) + " True of " + std::to_string(values.size());
            } else if constexpr (std::is_same_v<T, double>) {
                return float_summary(values);
            } else {
                return integer_summary(values);
            }
        },
        array.values);
}

} // namespace swmrd::cat
