#pragma once
// The domain rules of swmr-sim's option values, apart from the command-line parsing (CLI11,
// options.cpp). Each parser throws SimError "OPTION: what is wrong", naming the option it
// was given, so every message says which option is at fault.

#include "options.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swmrd::sim {

std::uint64_t parse_count(std::string_view option, std::string_view text);    // 0 and up
std::uint64_t parse_positive(std::string_view option, std::string_view text); // 1 and up
double parse_rate(std::string_view option, std::string_view text);            // finite, >= 0
// "3x4": sizes of at least 1 joined by 'x'.
std::vector<std::uint64_t> parse_shape(std::string_view option, std::string_view text);
// A shape, or "scalar" for none.
std::vector<std::uint64_t> parse_frame_shape(std::string_view option, std::string_view text);
DType parse_dtype(std::string_view option, std::string_view text);
// "ID[:cd1,cd2,...]"
DirectChunkFilter parse_filter(std::string_view option, std::string_view text);
Layout parse_layout(std::string_view option, std::string_view text);
Compression parse_compression(std::string_view option, std::string_view text);
std::string parse_file_name(std::string_view option, std::string_view text); // not empty

// The rules that span several options; also fills in what defaults to another option's
// value (--frames to the scan's points, --datasets to --interleave).
void validate(SimOptions& options, bool frames_given, bool datasets_given);

} // namespace swmrd::sim
