#pragma once
// swmrcat's text for each message of the data channel: one line per start, end and heartbeat;
// for a frame, its slice metadata as Python prints swmr_tools' `slice_metadata`, then each
// payload part by path with its dtype and shape, and its values as NumPy prints them.

#include <swmrd/proto/messages.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace swmrd::cat {

struct PrintOptions {
    bool quiet_frames = false;    // the slice line only, no values
    std::size_t max_values = 100; // larger parts are summarised
};

// "(slice(0, 1, None), slice(1, 2, None))"; a 1-tuple keeps its comma: "(slice(3, 4, None),)".
std::string python_slices(const std::vector<proto::Slice>& slices);
// "(1, 1, 5, 10)", "(4,)", "()".
std::string python_shape(const std::vector<std::uint64_t>& shape);
// "(2, None)": swmr_tools' `maxshape`, None where unlimited.
std::string python_maxshape(const std::vector<proto::MaxDim>& shape);
// "32004 lz4 [0, 0], 2 shuffle [2]", or "none".
std::string filters_text(const std::vector<proto::Filter>& filters);

// Every function returns whole lines, each ending in '\n'.
std::string format_start(const proto::StartHeader& start);
// `payloads` are the message's parts after the header, one per entry of `frame.parts`.
std::string format_frame(const proto::FrameHeader& frame,
                         const std::vector<std::string_view>& payloads,
                         const PrintOptions& options);
std::string format_part(const proto::Part& part, std::string_view payload,
                        const PrintOptions& options);
std::string format_end(const proto::EndHeader& end);
std::string format_heartbeat(const proto::HeartbeatHeader& heartbeat);

} // namespace swmrd::cat
