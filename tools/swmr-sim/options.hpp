#pragma once
// The swmr-sim command line as typed values. parse_command_line() checks every option and
// every combination, so the writer can trust what it gets.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace swmrd::sim {

enum class Layout { generic, areadetector, gda };

// bitshuffle: Bitshuffle/LZ4 (filter 32008) as Eiger and Jungfrau write it, each frame's
// chunk encoded by the plugin and written with H5Dwrite_chunk (bitshuffle_chunks.hpp).
enum class Compression { none, lz4, blosc, deflate, bitshuffle };

// A NumPy-style element type: kind 'u', 'i' or 'f', item size in bytes, byte order.
struct DType {
    char kind = 'u';
    std::size_t size = 2;
    bool big_endian = false;
};

// A filter id put in the pipeline as optional, with frames written as raw chunks.
struct DirectChunkFilter {
    unsigned id = 0;
    std::vector<unsigned> cd_values;
};

struct SimOptions {
    std::string file;
    std::vector<std::uint64_t> scan_shape{10};
    bool fixed = false;
    std::uint64_t frames = 10; // every point of the scan unless --frames says fewer
    std::vector<std::uint64_t> frame_shape{4, 4}; // empty: scalar frames
    DType dtype;
    std::size_t datasets = 1;   // data datasets; equals `interleave` when interleaved
    std::size_t interleave = 0; // 0: not interleaved
    std::size_t keys = 1;
    std::size_t key_trailing_ones = 0;
    Layout layout = Layout::generic;
    bool finished = true;
    double rate_hz = 0; // 0: as fast as possible
    std::uint64_t flush_every = 1;
    std::uint64_t chunk_frames = 1; // frames per data chunk, along the last scan dimension
    Compression compression = Compression::none;
    std::optional<DirectChunkFilter> direct_chunk_filter;
    std::optional<std::uint64_t> die_after;
    std::string key_times_file; // empty: none
    bool quiet = false;

    std::uint64_t scan_points() const noexcept;
};

struct CommandLine {
    enum class Action { run, help, usage_error };
    Action action = Action::run;
    SimOptions options;
    std::string error; // for usage_error: names the option at fault
};

// `args` excludes the program name.
CommandLine parse_command_line(std::span<const char* const> args);

std::string usage_text();

// "<u2", ">f8": the NumPy spelling of a type.
std::string dtype_name(const DType& dtype);

} // namespace swmrd::sim
