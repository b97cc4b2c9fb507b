#include "swmrcat/message_format.hpp"

#include "swmrcat/array.hpp"
#include "swmrcat/dtype.hpp"
#include "swmrcat/numpy_format.hpp"

#include <swmrd/config/units.hpp>

namespace swmrd::cat {

namespace {

template <typename T, typename F> std::string python_tuple(const std::vector<T>& items, F text) {
    std::string out = "(";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += text(items[i]);
    }
    return out + (items.size() == 1 ? ",)" : ")");
}

const char* filter_name(unsigned id) {
    switch (id) {
    case 1:
        return "deflate";
    case 2:
        return "shuffle";
    case 3:
        return "fletcher32";
    case 4:
        return "szip";
    case 5:
        return "nbit";
    case 6:
        return "scaleoffset";
    case 307:
        return "bzip2";
    case 32000:
        return "lzf";
    case 32001:
        return "blosc";
    case 32004:
        return "lz4";
    case 32008:
        return "bitshuffle";
    case 32013:
        return "zfp";
    case 32015:
        return "zstd";
    case 32026:
        return "blosc2";
    default:
        return nullptr;
    }
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::string envelope_prefix(const proto::Envelope& envelope, const char* kind) {
    return envelope.watch + " " + kind;
}

} // namespace

std::string python_slices(const std::vector<proto::Slice>& slices) {
    return python_tuple(slices, [](const proto::Slice& s) {
        return "slice(" + std::to_string(s.start) + ", " + std::to_string(s.stop) + ", None)";
    });
}

std::string python_shape(const std::vector<std::uint64_t>& shape) {
    return python_tuple(shape, [](std::uint64_t d) { return std::to_string(d); });
}

std::string python_maxshape(const std::vector<proto::MaxDim>& shape) {
    return python_tuple(
        shape, [](const proto::MaxDim& d) { return d ? std::to_string(*d) : std::string("None"); });
}

std::string filters_text(const std::vector<proto::Filter>& filters) {
    if (filters.empty())
        return "none";
    std::vector<std::string> items;
    for (const auto& filter : filters) {
        auto item = std::to_string(filter.id);
        if (const char* name = filter_name(filter.id))
            item += std::string(" ") + name;
        std::vector<std::string> cd_values;
        for (const auto cd : filter.cd_values)
            cd_values.push_back(std::to_string(cd));
        items.push_back(item + " [" + join(cd_values) + "]");
    }
    return join(items);
}

std::string format_start(const proto::StartHeader& start) {
    std::vector<std::string> datasets;
    for (const auto& d : start.datasets) {
        auto text = d.path + " " + d.dtype + " " + python_shape(d.frame_shape) + " " +
                    proto::to_string(d.encoding);
        if (d.encoding == proto::Encoding::chunk)
            text += " (" + filters_text(d.filters) + ")";
        datasets.push_back(text);
    }
    return envelope_prefix(start.envelope, "start") + ": " + start.file + ", scan shape " +
           python_maxshape(start.scan_shape) + ", first index " +
           std::to_string(start.first_index) + ", timeout " +
           config::format_duration(config::Seconds(start.timeout)) + ", datasets " +
           join(datasets) + "\n";
}

std::string format_part(const proto::Part& part, std::string_view payload,
                        const PrintOptions& options) {
    const auto head = part.path + " " + part.dtype + " " + python_shape(part.shape);
    if (part.encoding == proto::Encoding::chunk)
        return head + ": chunk of " + std::to_string(payload.size()) + " bytes stored, " +
               std::to_string(part.nbytes) + " decoded, filters " + filters_text(part.filters) +
               "\n";
    const auto dtype = parse_dtype(part.dtype);
    if (!dtype)
        return head + ": " + std::to_string(payload.size()) +
               " bytes of a dtype protocol v1 does not have\n";
    std::string why;
    const auto array = decode_raw(*dtype, part.shape, payload, &why);
    if (!array)
        return head + ": bad payload: " + why + "\n";
    if (array->size() > options.max_values)
        return head + ": " + summary(*array) + "\n";
    return head + "\n" + numpy_str(*array) + "\n";
}

std::string format_frame(const proto::FrameHeader& frame,
                         const std::vector<std::string_view>& payloads,
                         const PrintOptions& options) {
    auto out = envelope_prefix(frame.envelope, "frame") + " " + std::to_string(frame.index) + ": " +
               python_slices(frame.slice) + "\n";
    if (options.quiet_frames)
        return out;
    if (payloads.size() != frame.parts.size())
        return out + "bad frame: " + std::to_string(payloads.size()) +
               " payload parts where the header lists " + std::to_string(frame.parts.size()) + "\n";
    for (std::size_t i = 0; i < payloads.size(); ++i)
        out += format_part(frame.parts[i], payloads[i], options);
    return out;
}

std::string format_end(const proto::EndHeader& end) {
    auto out = envelope_prefix(end.envelope, "end") + ": " + end.file + ", " +
               proto::to_string(end.reason) + ", " + std::to_string(end.frames) +
               " frames, last index " + std::to_string(end.last_index);
    if (end.error)
        out += ", error: " + *end.error;
    return out + "\n";
}

std::string format_heartbeat(const proto::HeartbeatHeader& heartbeat) {
    return envelope_prefix(heartbeat.envelope, "heartbeat") + ": swmrd " + heartbeat.version +
           " on " + heartbeat.host + ", watches [" + join(heartbeat.watches) + "]\n";
}

} // namespace swmrd::cat
