#include "options.hpp"

#include "sim_error.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>

namespace swmrd::sim {

namespace {

// HDF5's limit on dataspace rank.
constexpr std::size_t max_rank = 32;

[[noreturn]] void fail(std::string_view option, const std::string& message) {
    throw SimError(std::string(option) + ": " + message);
}

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
    fail(option,
         "unknown compression '" + std::string(text) + "' (expected none, lz4, blosc or deflate)");
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

// Combinations that each option alone cannot see.
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

} // namespace

std::uint64_t SimOptions::scan_points() const noexcept {
    std::uint64_t points = 1;
    for (auto size : scan_shape) {
        points *= size;
    }
    return points;
}

std::string dtype_name(const DType& dtype) {
    return std::string(dtype.big_endian ? ">" : "<") + dtype.kind + std::to_string(dtype.size);
}

CommandLine parse_command_line(std::span<const char* const> args) {
    CommandLine result;
    auto& options = result.options;
    bool frames_given = false;
    bool datasets_given = false;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            std::string_view arg = args[i];
            std::string_view inline_value;
            bool has_inline_value = false;
            if (const auto eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
                inline_value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                has_inline_value = true;
            }
            const auto flag = [&](bool& target) {
                if (has_inline_value) {
                    fail(arg, "takes no value");
                }
                target = true;
            };
            const auto value = [&]() -> std::string_view {
                if (has_inline_value) {
                    return inline_value;
                }
                if (i + 1 >= args.size()) {
                    fail(arg, "missing value");
                }
                return args[++i];
            };

            if (arg == "--help" || arg == "-h") {
                result.action = CommandLine::Action::help;
                return result;
            } else if (arg == "--file") {
                options.file = value();
            } else if (arg == "--scan-shape") {
                options.scan_shape = parse_shape(arg, value());
            } else if (arg == "--fixed") {
                flag(options.fixed);
            } else if (arg == "--frames") {
                options.frames = parse_count(arg, value());
                frames_given = true;
            } else if (arg == "--frame-shape") {
                const auto text = value();
                options.frame_shape =
                    text == "scalar" ? std::vector<std::uint64_t>{} : parse_shape(arg, text);
            } else if (arg == "--dtype") {
                options.dtype = parse_dtype(arg, value());
            } else if (arg == "--datasets") {
                options.datasets = parse_positive(arg, value());
                datasets_given = true;
            } else if (arg == "--interleave") {
                options.interleave = parse_positive(arg, value());
            } else if (arg == "--keys") {
                options.keys = parse_count(arg, value());
            } else if (arg == "--key-trailing-ones") {
                options.key_trailing_ones = parse_count(arg, value());
            } else if (arg == "--layout") {
                options.layout = parse_layout(arg, value());
            } else if (arg == "--no-finished") {
                bool no_finished = false;
                flag(no_finished);
                options.finished = false;
            } else if (arg == "--rate") {
                options.rate_hz = parse_rate(arg, value());
            } else if (arg == "--flush-every") {
                options.flush_every = parse_positive(arg, value());
            } else if (arg == "--chunk-frames") {
                options.chunk_frames = parse_positive(arg, value());
            } else if (arg == "--compression") {
                options.compression = parse_compression(arg, value());
            } else if (arg == "--direct-chunk-filter") {
                options.direct_chunk_filter = parse_filter(arg, value());
            } else if (arg == "--die-after") {
                options.die_after = parse_count(arg, value());
            } else if (arg == "--key-times") {
                options.key_times_file = value();
                if (options.key_times_file.empty()) {
                    fail(arg, "expected a file name");
                }
            } else if (arg == "--quiet") {
                flag(options.quiet);
            } else if (arg.starts_with("-")) {
                fail(arg, "unknown option");
            } else {
                fail(arg, "unexpected argument (every setting is an --option)");
            }
        }
        validate(options, frames_given, datasets_given);
    } catch (const SimError& error) {
        result.action = CommandLine::Action::usage_error;
        result.error = error.what();
    }
    return result;
}

std::string usage_text() {
    return R"(Usage: swmr-sim --file PATH [options]

Writes one HDF5 file in SWMR mode the way detector acquisition software does: the file is
created with libver bounds LATEST, every dataset is made, SWMR writing starts, then for each
frame: extend the datasets when needed, write the frame's data, flush the data, then write
the frame's keys and flush them. A scalar int32 finished dataset turns from 0 to 1 right
after the last keys are flushed. Exits 0 when done; on an error prints it on stderr and
exits 1 (2 for a bad command line).

Scan and frames:
  --file PATH               the HDF5 file to write (replaced if it exists); required
  --scan-shape N[xM...]     scan shape, e.g. 100 or 3x4 (default 10)
  --fixed                   create every dataset at the full scan shape with a fixed max
                            shape (keys zero-filled) up front; default: growing, the first
                            scan dimension unlimited, extended as frames (1-D) or whole rows
                            of the later scan dimensions (N-D) are written
  --frames N                stop after N frames (default: every point of the scan shape)
  --frame-shape AxB...      frame dimensions after the scan dimensions (default 4x4);
                            'scalar' for one value per scan point
  --dtype T                 u1 u2 u4 u8 i1 i2 i4 i8 f4 f8, optional byte-order prefix < or >
                            (default <u2)

Datasets:
  --datasets N              number of data datasets (default 1)
  --interleave N            instead of --datasets: N datasets whose frames alternate, frame i
                            written to dataset i % N at index i / N (1-D scans only)
  --keys N                  number of int32 key datasets, each set to i + 1 at frame i
                            (default 1)
  --key-trailing-ones N     append N dimensions of size 1 to the keys' shape (default 0)
  --layout L                dataset paths (default generic):
                              generic       /entry/data/data, /entry/keys/uid,
                                            /entry/finished
                              areadetector  /entry/instrument/detector/data,
                                            /entry/instrument/NDAttributes/NDArrayUniqueId,
                                            /entry/finished
                              gda           /entry/instrument/detector/data,
                                            /entry/diamond_scan/keys/uniqueKeys,
                                            /entry/diamond_scan/scan_finished
                            further data and key datasets get _1, _2... appended; with
                            --interleave N the data are /entry/data/data_0 ... data_{N-1}
  --no-finished             write no finished dataset

Chunks and filters (data chunks hold one frame; key chunks up to 1024 points):
  --compression C           none, lz4 (filter 32004), blosc (32001) or deflate (default none);
                            lz4 and blosc need the HDF5 filter plugins
  --direct-chunk-filter ID[:cd1,cd2,...]
                            put filter ID (with these cd_values) in the data pipeline as
                            optional, so a filter this HDF5 lacks (e.g. 32008 Bitshuffle) is
                            accepted, and write each frame's chunk with H5Dwrite_chunk: the
                            stored bytes are the frame's raw bytes

  --chunk-frames N          data chunks hold N frames along the last scan dimension, as
                            writers of small frames do (default 1: one frame per chunk)

Timing:
  --rate HZ                 frames per second on a steady schedule (default 0: as fast as
                            possible)
  --flush-every N           flush data, then write and flush keys, every N frames and at the
                            end (default 1); keys are never written before their data is
                            flushed
  --die-after N             after N frames (flushed) exit 0 at once without setting finished
                            or closing the file, like a writer that died
  --key-times FILE          append 'index unix_time_seconds' right after each key flush,
                            index being the last frame that flush made readable

Output:
  --quiet                   no summary line on stdout
  --help                    this text

Data values: element j (C order) of frame i of data dataset d is
(d * 1000003 + i * 1009 + j) % m, m = 127 for 1-byte types, 32749 for 2-byte types,
16777213 otherwise (tools/swmr-sim/pattern.hpp).
)";
}

} // namespace swmrd::sim
