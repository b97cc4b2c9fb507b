#include "options.hpp"

#include "option_values.hpp"
#include "sim_error.hpp"

#include <CLI/CLI.hpp>

#include <functional>

namespace swmrd::sim {

namespace {

constexpr const char* description =
    R"(Writes one HDF5 file in SWMR mode the way detector acquisition software does: the file is
created with libver bounds LATEST, every dataset is made, SWMR writing starts, then for each
frame: extend the datasets when needed, write the frame's data, flush the data, then write
the frame's keys and flush them. A scalar int32 finished dataset turns from 0 to 1 right
after the last keys are flushed. Exits 0 when done; on an error prints it on stderr and
exits 1 (2 for a bad command line).)";

constexpr const char* footer =
    R"(Data values: element j (C order) of frame i of data dataset d is
(d * 1000003 + i * 1009 + j) % m, m = 127 for 1-byte types, 32749 for 2-byte types,
16777213 otherwise (tools/swmr-sim/pattern.hpp).)";

// What the options set beyond SimOptions: whether a default that depends on other options
// was overridden.
struct Given {
    SimOptions options;
    bool frames = false;
    bool datasets = false;
};

using Apply = std::function<void(const std::string& option, const std::string& text)>;

// An option whose text goes to one of option_values.hpp's parsers with the option's name, so
// that its errors name it. The parsers' SimError leaves CLI11's parse() as it is.
CLI::Option* add_value(CLI::App& app, const std::string& name, const std::string& value_name,
                       Apply apply, const std::string& help) {
    return app
        .add_option_function<std::string>(
            name, [name, apply](const std::string& text) { apply(name, text); }, help)
        ->type_name(value_name);
}

void define_scan_options(CLI::App& app, Given& given) {
    auto& o = given.options;
    const std::string group = "Scan and frames";
    add_value(
        app, "--file", "PATH", [&](auto&, auto& text) { o.file = text; },
        "the HDF5 file to write (replaced if it exists); required")
        ->group(group);
    add_value(
        app, "--scan-shape", "N[xM...]",
        [&](auto& option, auto& text) { o.scan_shape = parse_shape(option, text); },
        "scan shape, e.g. 100 or 3x4 (default 10)")
        ->group(group);
    app.add_flag("--fixed", o.fixed,
                 "create every dataset at the full scan shape with a fixed max\n"
                 "shape (keys zero-filled) up front; default: growing, the first\n"
                 "scan dimension unlimited, extended as frames (1-D) or whole rows\n"
                 "of the later scan dimensions (N-D) are written")
        ->disable_flag_override()
        ->group(group);
    add_value(
        app, "--frames", "N",
        [&](auto& option, auto& text) {
            o.frames = parse_count(option, text);
            given.frames = true;
        },
        "stop after N frames (default: every point of the scan shape)")
        ->group(group);
    add_value(
        app, "--frame-shape", "AxB...",
        [&](auto& option, auto& text) { o.frame_shape = parse_frame_shape(option, text); },
        "frame dimensions after the scan dimensions (default 4x4);\n"
        "'scalar' for one value per scan point")
        ->group(group);
    add_value(
        app, "--dtype", "T", [&](auto& option, auto& text) { o.dtype = parse_dtype(option, text); },
        "u1 u2 u4 u8 i1 i2 i4 i8 f4 f8, optional byte-order prefix < or >\n(default <u2)")
        ->group(group);
}

void define_dataset_options(CLI::App& app, Given& given) {
    auto& o = given.options;
    const std::string group = "Datasets";
    add_value(
        app, "--datasets", "N",
        [&](auto& option, auto& text) {
            o.datasets = parse_positive(option, text);
            given.datasets = true;
        },
        "number of data datasets (default 1)")
        ->group(group);
    add_value(
        app, "--interleave", "N",
        [&](auto& option, auto& text) { o.interleave = parse_positive(option, text); },
        "instead of --datasets: N datasets whose frames alternate, frame i\n"
        "written to dataset i % N at index i / N (1-D scans only)")
        ->group(group);
    add_value(
        app, "--keys", "N", [&](auto& option, auto& text) { o.keys = parse_count(option, text); },
        "number of int32 key datasets, each set to i + 1 at frame i\n(default 1)")
        ->group(group);
    add_value(
        app, "--key-trailing-ones", "N",
        [&](auto& option, auto& text) { o.key_trailing_ones = parse_count(option, text); },
        "append N dimensions of size 1 to the keys' shape (default 0)")
        ->group(group);
    add_value(
        app, "--layout", "L",
        [&](auto& option, auto& text) { o.layout = parse_layout(option, text); },
        "dataset paths (default generic):\n"
        "  generic       /entry/data/data, /entry/keys/uid,\n"
        "                /entry/finished\n"
        "  areadetector  /entry/instrument/detector/data,\n"
        "                /entry/instrument/NDAttributes/NDArrayUniqueId,\n"
        "                /entry/finished\n"
        "  gda           /entry/instrument/detector/data,\n"
        "                /entry/diamond_scan/keys/uniqueKeys,\n"
        "                /entry/diamond_scan/scan_finished\n"
        "further data and key datasets get _1, _2... appended; with\n"
        "--interleave N the data are /entry/data/data_0 ... data_{N-1}")
        ->group(group);
    app.add_flag_callback(
           "--no-finished", [&] { o.finished = false; }, "write no finished dataset")
        ->disable_flag_override()
        ->group(group);
}

void define_chunk_and_timing_options(CLI::App& app, Given& given) {
    auto& o = given.options;
    const std::string chunks = "Chunks and filters (data chunks hold one frame; key chunks up to "
                               "1024 points)";
    add_value(
        app, "--compression", "C",
        [&](auto& option, auto& text) { o.compression = parse_compression(option, text); },
        "none, lz4 (filter 32004), blosc (32001), deflate or bitshuffle\n"
        "(default none); lz4 and blosc need the HDF5 filter plugins.\n"
        "bitshuffle: Bitshuffle/LZ4 (filter 32008, cd_values block size 0\n"
        "= default, 2 = LZ4) as Eiger and Jungfrau write it: each frame's\n"
        "chunk is encoded by the Bitshuffle plugin (Debian package\n"
        "bitshuffle) and written with H5Dwrite_chunk; one frame per chunk")
        ->group(chunks);
    add_value(
        app, "--direct-chunk-filter", "ID[:cd1,cd2,...]",
        [&](auto& option, auto& text) { o.direct_chunk_filter = parse_filter(option, text); },
        "put filter ID (with these cd_values) in the data pipeline as\n"
        "optional, so a filter this HDF5 lacks (e.g. 32008 Bitshuffle) is\n"
        "accepted, and write each frame's chunk with H5Dwrite_chunk: the\n"
        "stored bytes are the frame's raw bytes")
        ->group(chunks);
    add_value(
        app, "--chunk-frames", "N",
        [&](auto& option, auto& text) { o.chunk_frames = parse_positive(option, text); },
        "data chunks hold N frames along the last scan dimension, as\n"
        "writers of small frames do (default 1: one frame per chunk)")
        ->group(chunks);

    const std::string timing = "Timing";
    add_value(
        app, "--rate", "HZ",
        [&](auto& option, auto& text) { o.rate_hz = parse_rate(option, text); },
        "frames per second on a steady schedule (default 0: as fast as\npossible)")
        ->group(timing);
    add_value(
        app, "--flush-every", "N",
        [&](auto& option, auto& text) { o.flush_every = parse_positive(option, text); },
        "flush data, then write and flush keys, every N frames and at the\n"
        "end (default 1); keys are never written before their data is\nflushed")
        ->group(timing);
    add_value(
        app, "--die-after", "N",
        [&](auto& option, auto& text) { o.die_after = parse_count(option, text); },
        "after N frames (flushed) exit 0 at once without setting finished\n"
        "or closing the file, like a writer that died (default: never)")
        ->group(timing);
    add_value(
        app, "--key-times", "FILE",
        [&](auto& option, auto& text) { o.key_times_file = parse_file_name(option, text); },
        "append 'index unix_time_seconds' right after each key flush,\n"
        "index being the last frame that flush made readable (default: none)")
        ->group(timing);
}

// One definition serves the parser and the help text, so the two cannot drift apart.
void define_options(CLI::App& app, Given& given) {
    app.description(description);
    app.footer(footer);
    app.get_formatter()->column_width(28);
    // The last of a repeated option wins, as the hand-written parser had it.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    // Left over for parse_command_line to name in its own words.
    app.allow_extras();
    define_scan_options(app, given);
    define_dataset_options(app, given);
    define_chunk_and_timing_options(app, given);
    app.add_flag("--quiet", given.options.quiet, "no summary line on stdout")
        ->disable_flag_override()
        ->group("Output");
    // Defined again last, so that it is listed under Output rather than first on its own.
    app.set_help_flag();
    app.set_help_flag("-h,--help", "this text")->group("Output");
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
    CLI::App app("", "swmr-sim");
    Given given;
    define_options(app, given);
    // CLI11 takes the arguments last first.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
        if (const auto extras = app.remaining(); !extras.empty()) {
            const auto& extra = extras.front();
            throw SimError(extra + (extra.starts_with("-")
                                        ? ": unknown option"
                                        : ": unexpected argument (every setting is an --option)"));
        }
        validate(given.options, given.frames, given.datasets);
        result.options = std::move(given.options);
    } catch (const CLI::CallForHelp&) {
        result.action = CommandLine::Action::help;
    } catch (const CLI::ParseError& error) {
        result.action = CommandLine::Action::usage_error;
        result.error = error.what();
    } catch (const SimError& error) {
        result.action = CommandLine::Action::usage_error;
        result.error = error.what();
    }
    return result;
}

std::string usage_text() {
    CLI::App app("", "swmr-sim");
    Given given;
    define_options(app, given);
    return app.help();
}

} // namespace swmrd::sim
