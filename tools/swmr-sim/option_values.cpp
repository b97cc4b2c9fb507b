#include "option_values.hpp"

#include "sim_error.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace swmrd::sim {

namespace {

// HDF5's limit on dataspace rank.
constexpr std::size_t max_rank = 32;

[[noreturn]] void fail(std::string_view option, const std::string& message) {
    throw SimError(std::string(option) + ": " + message);
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string text;
    for (auto size : shape) {
        if (!text.empty()) {
            text += 'x';
        }
        text += std::to_string(size);
    }
    return text;
}

} // namespace

std::uint64_t parse_count(std::string_view option, std::string_view text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        fail(option, "expected a non-negative integer, got '" + std::string(text) + "'");
    }
    return value;
}

std::uint64_t parse_positive(std::string_view option, std::string_view text) {
    const auto value = parse_count(option, text);
    if (value == 0) {
        fail(option, "must be at least 1");
    }
    return value;
}

double parse_rate(std::string_view option, std::string_view text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value) || value < 0) {
        fail(option, "expected a non-negative number of frames per second, got '" +
                         std::string(text) + "'");
    }
    return value;
}

std::vector<std::uint64_t> parse_shape(std::string_view option, std::string_view text) {
    std::vector<std::uint64_t> shape;
    std::size_t start = 0;
    while (true) {
        const auto cut = text.find('x', start);
        const auto part = text.substr(start, cut == std::string_view::npos ? cut : cut - start);
        std::uint64_t size = 0;
        const auto* end = part.data() + part.size();
        auto [ptr, ec] = std::from_chars(part.data(), end, size);
        if (part.empty() || ec != std::errc{} || ptr != end || size == 0) {
            fail(option, "expected sizes of at least 1 joined by 'x' (e.g. 3x4), got '" +
                             std::string(text) + "'");
        }
        shape.push_back(size);
        if (cut == std::string_view::npos) {
            return shape;
        }
        start = cut + 1;
    }
}

std::vector<std::uint64_t> parse_frame_shape(std::string_view option, std::string_view text) {
    return text == "scalar" ? std::vector<std::uint64_t>{} : parse_shape(option, text);
}

DType parse_dtype(std::string_view option, std::string_view text) {
    DType dtype;
    std::string_view rest = text;
    if (!rest.empty() && (rest.front() == '<' || rest.front() == '>')) {
        dtype.big_endian = rest.front() == '>';
        rest.remove_prefix(1);
    }
    const bool known_kind =
        rest.size() == 2 && (rest[0] == 'u' || rest[0] == 'i' || rest[0] == 'f');
    const std::size_t size = known_kind ? static_cast<std::size_t>(rest[1] - '0') : 0;
    const bool known_size =
        known_kind && (rest[0] == 'f' ? (size == 4 || size == 8)
                                      : (size == 1 || size == 2 || size == 4 || size == 8));
    if (!known_kind || !known_size) {
        fail(option, "unknown type '" + std::string(text) +
                         "' (expected u1 u2 u4 u8 i1 i2 i4 i8 f4 f8, optionally prefixed by "
                         "< or >)");
    }
    dtype.kind = rest[0];
    dtype.size = size;
    return dtype;
}

DirectChunkFilter parse_filter(std::string_view option, std::string_view text) {
    DirectChunkFilter filter;
    const auto colon = text.find(':');
    const auto id = parse_count(option, text.substr(0, colon));
    if (id == 0 || id > 65535) {
        fail(option, "filter id must be between 1 and 65535, got '" + std::string(text) + "'");
    }
    filter.id = static_cast<unsigned>(id);
    if (colon == std::string_view::npos) {
        return filter;
    }
    auto rest = text.substr(colon + 1);
    while (true) {
        const auto comma = rest.find(',');
        const auto value = parse_count(option, rest.substr(0, comma));
        if (value > std::numeric_limits<unsigned>::max()) {
            fail(option, "cd_value " + std::to_string(value) + " does not fit in 32 bits");
        }
        filter.cd_values.push_back(static_cast<unsigned>(value));
        if (comma == std::string_view::npos) {
            return filter;
        }
        rest.remove_prefix(comma + 1);
    }
}

Layout parse_layout(std::string_view option, std::string_view text) {
    if (text == "generic") {
        return Layout::generic;
    }
    if (text == "areadetector") {
        return Layout::areadetector;
    }
    if (text == "gda") {
        return Layout::gda;
    }
    fail(option,
         "unknown layout '" + std::string(text) + "' (expected generic, areadetector or gda)");
}

Compression parse_compression(std::string_view option, std::string_view text) {
    if (text == "none") {
        return Compression::none;
    }
    if (text == "lz4") {
        return Compression::lz4;
    }
    if (text == "blosc") {
        return Compression::blosc;
    }
    if (text == "deflate") {
        return Compression::deflate;
    }
    if (text == "bitshuffle") {
        return Compression::bitshuffle;
    }
    fail(option, "unknown compression '" + std::string(text) +
                     "' (expected none, lz4, blosc, deflate or bitshuffle)");
}

std::string parse_file_name(std::string_view option, std::string_view text) {
    if (text.empty()) {
        fail(option, "expected a file name");
    }
    return std::string(text);
}

void validate(SimOptions& options, bool frames_given, bool datasets_given) {
    if (options.file.empty()) {
        fail("--file", "missing: the HDF5 file to write is required");
    }
    const auto points = options.scan_points();
    if (!frames_given) {
        options.frames = points;
    } else if (options.frames > points) {
        fail("--frames", std::to_string(options.frames) + " is more than the " +
                             std::to_string(points) + " points of scan shape " +
                             shape_text(options.scan_shape));
    }
    if (options.frames > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
        fail("--frames", "keys are int32: at most 2147483647 frames");
    }
    if (options.interleave > 0) {
        if (datasets_given) {
            fail("--interleave", "cannot be combined with --datasets");
        }
        if (options.scan_shape.size() != 1) {
            fail("--interleave", "needs a 1-D scan shape, got " + shape_text(options.scan_shape));
        }
        if (options.interleave > points) {
            fail("--interleave", std::to_string(options.interleave) +
                                     " datasets is more than the " + std::to_string(points) +
                                     " points of the scan");
        }
        options.datasets = options.interleave;
    }
    if (options.direct_chunk_filter && options.chunk_frames != 1) {
        fail("--direct-chunk-filter", "writes one frame per chunk: it cannot be combined with "
                                      "--chunk-frames");
    }
    if (options.compression == Compression::bitshuffle && options.chunk_frames != 1) {
        fail("--compression", "bitshuffle writes one frame per chunk, as Eiger does: it cannot be "
                              "combined with --chunk-frames");
    }
    if (options.direct_chunk_filter && options.compression != Compression::none) {
        fail("--direct-chunk-filter", "cannot be combined with --compression");
    }
    if (options.die_after && *options.die_after > options.frames) {
        fail("--die-after", std::to_string(*options.die_after) + " is more than the " +
                                std::to_string(options.frames) + " frames to write");
    }
    if (options.scan_shape.size() + options.frame_shape.size() > max_rank) {
        fail("--frame-shape", "scan and frame dimensions together exceed HDF5's rank limit of 32");
    }
    if (options.scan_shape.size() + options.key_trailing_ones > max_rank) {
        fail("--key-trailing-ones", "scan and trailing dimensions exceed HDF5's rank limit of 32");
    }
}

} // namespace swmrd::sim
