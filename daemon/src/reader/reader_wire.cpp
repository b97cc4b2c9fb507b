#include "reader/reader_wire.hpp"

#include <cstring>

namespace swmrd::reader {

const char* to_string(LinkPolicy links) noexcept {
    switch (links) {
    case LinkPolicy::any:
        return "any";
    case LinkPolicy::roots:
        return "roots";
    case LinkPolicy::this_file:
        break;
    }
    return "this-file";
}

std::optional<LinkPolicy> link_policy_named(std::string_view name) noexcept {
    for (auto links : {LinkPolicy::any, LinkPolicy::roots, LinkPolicy::this_file})
        if (name == to_string(links))
            return links;
    return std::nullopt;
}

Writer& Writer::u8(std::uint8_t value) {
    out_.push_back(static_cast<char>(value));
    return *this;
}

Writer& Writer::u64(std::uint64_t value) {
    char bytes[8];
    std::memcpy(bytes, &value, sizeof bytes); // both ends are this machine: native order
    out_.append(bytes, sizeof bytes);
    return *this;
}

Writer& Writer::f64(double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return u64(bits);
}

Writer& Writer::str(std::string_view value) {
    u64(value.size());
    out_.append(value);
    return *this;
}

std::string_view Reader::take(std::size_t n) {
    if (n > in_.size() - at_)
        throw WireError("a reader message ends early");
    const auto part = in_.substr(at_, n);
    at_ += n;
    return part;
}

std::uint8_t Reader::u8() {
    return static_cast<std::uint8_t>(take(1)[0]);
}

std::uint64_t Reader::u64() {
    std::uint64_t value;
    std::memcpy(&value, take(8).data(), sizeof value);
    return value;
}

double Reader::f64() {
    const auto bits = u64();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

std::string Reader::str() {
    const auto size = u64();
    if (size > in_.size() - at_)
        throw WireError("a reader message ends inside a string");
    return std::string(take(static_cast<std::size_t>(size)));
}

bool Reader::boolean() {
    const auto value = u8();
    if (value > 1)
        throw WireError("a reader message holds a bad flag");
    return value == 1;
}

std::size_t Reader::count(std::size_t min_item) {
    const auto n = u64();
    if (n > (in_.size() - at_) / std::max<std::size_t>(min_item, 1))
        throw WireError("a reader message counts more items than it holds");
    return static_cast<std::size_t>(n);
}

namespace {

void write_strings(Writer& out, const std::vector<std::string>& strings) {
    out.u64(strings.size());
    for (const auto& s : strings)
        out.str(s);
}

std::vector<std::string> read_strings(Reader& in) {
    std::vector<std::string> strings(in.count(8));
    for (auto& s : strings)
        s = in.str();
    return strings;
}

void write_dims(Writer& out, const std::vector<std::uint64_t>& dims) {
    out.u64(dims.size());
    for (auto d : dims)
        out.u64(d);
}

std::vector<std::uint64_t> read_dims(Reader& in) {
    std::vector<std::uint64_t> dims(in.count(8));
    for (auto& d : dims)
        d = in.u64();
    return dims;
}

void write_filter(Writer& out, const core::FilterInfo& filter) {
    out.u64(filter.id).str(filter.name).boolean(filter.available).str(filter.package);
    out.u64(filter.cd_values.size());
    for (auto value : filter.cd_values)
        out.u64(value);
}

core::FilterInfo read_filter(Reader& in) {
    core::FilterInfo filter;
    filter.id = static_cast<unsigned>(in.u64());
    filter.name = in.str();
    filter.available = in.boolean();
    filter.package = in.str();
    filter.cd_values.resize(in.count(8));
    for (auto& value : filter.cd_values)
        value = static_cast<unsigned>(in.u64());
    return filter;
}

void write_dataset(Writer& out, const core::DatasetInfo& info) {
    out.str(info.path).str(info.dtype).u64(info.item_size).u64(info.scan_rank);
    write_dims(out, info.frame_shape);
    out.u64(info.filters.size());
    for (const auto& filter : info.filters)
        write_filter(out, filter);
    out.boolean(info.one_frame_per_chunk);
}

// The sizes the daemon allocates by are recomputed here, never taken on the reader's word.
core::DatasetInfo read_dataset(Reader& in) {
    core::DatasetInfo info;
    info.path = in.str();
    info.dtype = in.str();
    info.item_size = static_cast<std::size_t>(in.u64());
    info.scan_rank = static_cast<std::size_t>(in.u64());
    info.frame_shape = read_dims(in);
    info.filters.resize(in.count(8));
    for (auto& filter : info.filters)
        filter = read_filter(in);
    info.one_frame_per_chunk = in.boolean();
    if (info.item_size == 0 || info.item_size > 16 || info.scan_rank > 32)
        throw WireError("a reader described dataset " + info.path + " impossibly");
    std::uint64_t bytes = info.item_size;
    for (auto d : info.frame_shape)
        if (__builtin_mul_overflow(bytes, d, &bytes))
            throw WireError("a reader described frames of " + info.path + " too large to count");
    info.frame_bytes = static_cast<std::size_t>(bytes);
    info.block_shape.assign(info.scan_rank, 1);
    info.block_shape.insert(info.block_shape.end(), info.frame_shape.begin(),
                            info.frame_shape.end());
    return info;
}

} // namespace

void write_options(Writer& out, const core::FrameSourceOptions& options) {
    write_strings(out, options.keys);
    write_strings(out, options.datasets);
    out.u64(options.interleaved.size());
    for (const auto& [name, paths] : options.interleaved) {
        out.str(name);
        write_strings(out, paths);
    }
    out.boolean(options.finished.has_value());
    if (options.finished)
        out.str(*options.finished);
    out.f64(options.timeout.count());
}

core::FrameSourceOptions read_options(Reader& in) {
    core::FrameSourceOptions options;
    options.keys = read_strings(in);
    options.datasets = read_strings(in);
    options.interleaved.resize(in.count(16));
    for (auto& [name, paths] : options.interleaved) {
        name = in.str();
        paths = read_strings(in);
    }
    if (in.boolean())
        options.finished = in.str();
    options.timeout = core::Seconds(in.f64());
    return options;
}

void write_layout(Writer& out, const Layout& layout) {
    out.u64(layout.scan_shape.max.size());
    for (const auto& dim : layout.scan_shape.max) {
        out.boolean(dim.has_value());
        out.u64(dim.value_or(0));
    }
    out.u64(layout.parts.size());
    for (std::size_t p = 0; p < layout.parts.size(); ++p) {
        const auto& part = layout.parts[p];
        out.str(part.name).boolean(part.interleaved).u64(part.members);
        for (std::size_t m = 0; m < part.members; ++m) {
            write_dataset(out, layout.members[p][m]);
            const auto& missing = layout.missing_filters[p][m];
            out.boolean(missing.has_value());
            if (missing)
                write_filter(out, *missing);
        }
    }
}

Layout read_layout(Reader& in) {
    Layout layout;
    layout.scan_shape.max.resize(in.count(9));
    for (auto& dim : layout.scan_shape.max) {
        const bool bounded = in.boolean();
        const auto size = in.u64();
        if (bounded)
            dim = size;
    }
    const auto parts = in.count(16);
    if (parts == 0)
        throw WireError("a reader described a layout without datasets");
    for (std::size_t p = 0; p < parts; ++p) {
        core::PartInfo part;
        part.name = in.str();
        part.interleaved = in.boolean();
        part.members = in.count(16);
        if (part.members == 0)
            throw WireError("a reader described part " + part.name + " without members");
        std::vector<core::DatasetInfo> members;
        std::vector<std::optional<core::FilterInfo>> missing;
        for (std::size_t m = 0; m < part.members; ++m) {
            members.push_back(read_dataset(in));
            if (in.boolean())
                missing.emplace_back(read_filter(in));
            else
                missing.emplace_back();
        }
        layout.parts.push_back(std::move(part));
        layout.members.push_back(std::move(members));
        layout.missing_filters.push_back(std::move(missing));
    }
    return layout;
}

void write_slices(Writer& out, const std::vector<std::vector<core::SliceRange>>& slices) {
    out.u64(slices.size());
    for (const auto& slice : slices) {
        out.u64(slice.size());
        for (const auto& range : slice)
            out.u64(range.start).u64(range.stop);
    }
}

std::vector<std::vector<core::SliceRange>> read_slices(Reader& in) {
    std::vector<std::vector<core::SliceRange>> slices(in.count(8));
    for (auto& slice : slices) {
        slice.resize(in.count(16));
        for (auto& range : slice) {
            range.start = in.u64();
            range.stop = in.u64();
        }
    }
    return slices;
}

} // namespace swmrd::reader
