#include "swmrd/core/frame_source.hpp"

#include "swmrd/core/h5_error.hpp"

#include <algorithm>

namespace swmrd::core {

namespace {

std::string extent_text(const std::vector<std::uint64_t>& dims) {
    std::string text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i)
        text += (i > 0 ? ", " : "") + std::to_string(dims[i]);
    return text + (dims.size() == 1 ? ",)" : ")");
}

} // namespace

struct FrameSource::Impl {
    std::string file_path;
    KeyFollower follower;
    std::vector<PartInfo> parts;
    std::vector<std::vector<FrameReader>> readers; // per part, per member

    Impl(const SwmrFile& file, const FrameSourceOptions& options)
        : file_path(file.path()),
          follower(file, KeyFollowerOptions{options.keys, options.finished, options.timeout}) {}

    void add_part(const SwmrFile& file, std::string name, bool interleaved,
                  const std::vector<std::string>& paths);
    // The first index member `m` of `part` does not hold, as of its last refresh.
    std::uint64_t first_missing(std::size_t part, std::size_t m) const {
        const auto n = parts[part].members;
        return readers[part][m].frames_held() * n + m;
    }
};

void FrameSource::Impl::add_part(const SwmrFile& file, std::string name, bool interleaved,
                                 const std::vector<std::string>& paths) {
    if (paths.empty())
        throw H5Error("interleaved datasets " + name + " of " + file.path() + " list no dataset");
    const auto scan_rank = follower.scan_shape().rank();
    std::vector<FrameReader> members;
    for (const auto& path : paths)
        members.emplace_back(file, path, scan_rank);
    parts.push_back({std::move(name), interleaved, paths.size()});
    readers.push_back(std::move(members));
}

FrameSource::FrameSource(const SwmrFile& file, FrameSourceOptions options) {
    silence_hdf5_errors_on_this_thread();
    if (options.datasets.empty() && options.interleaved.empty())
        throw H5Error("no dataset given for " + file.path() + ": at least one is needed");
    impl_ = std::make_unique<Impl>(file, options);
    for (const auto& path : options.datasets)
        impl_->add_part(file, path, false, {path});
    for (const auto& [name, paths] : options.interleaved)
        impl_->add_part(file, name, true, paths);
}

FrameSource::FrameSource(FrameSource&&) noexcept = default;
FrameSource& FrameSource::operator=(FrameSource&&) noexcept = default;
FrameSource::~FrameSource() = default;

KeyFollower& FrameSource::keys() noexcept {
    return impl_->follower;
}

const KeyFollower& FrameSource::keys() const noexcept {
    return impl_->follower;
}

const ScanShape& FrameSource::scan_shape() const noexcept {
    return impl_->follower.scan_shape();
}

const std::vector<PartInfo>& FrameSource::parts() const noexcept {
    return impl_->parts;
}

const DatasetInfo& FrameSource::member(std::size_t part, std::size_t member) const {
    return impl_->readers.at(part).at(member).info();
}

std::optional<FilterInfo> FrameSource::missing_filter(std::size_t part, std::size_t member) const {
    return impl_->readers.at(part).at(member).missing_filter();
}

bool FrameSource::layout_known() {
    bool known = true;
    for (auto& members : impl_->readers)
        for (auto& reader : members) {
            if (!reader.frame_shape_known())
                reader.refresh();
            known = known && reader.frame_shape_known();
        }
    return known;
}

std::uint64_t FrameSource::data_frontier(std::uint64_t end) {
    auto& d = *impl_;
    std::uint64_t frontier = end;
    for (std::size_t p = 0; p < d.parts.size(); ++p) {
        for (std::size_t m = 0; m < d.parts[p].members; ++m) {
            if (d.first_missing(p, m) < end)
                d.readers[p][m].refresh();
            frontier = std::min(frontier, d.first_missing(p, m));
        }
    }
    return frontier;
}

std::string FrameSource::data_shortfall(std::uint64_t index) {
    auto& d = *impl_;
    for (std::size_t p = 0; p < d.parts.size(); ++p) {
        const auto at = locate(d.parts[p], index);
        auto& reader = d.readers[p][at.member];
        const auto& info = reader.info();
        if (!reader.frame_shape_known())
            return "the keys mark frame " + std::to_string(index) + " readable, but dataset " +
                   info.path + " still has extent " + extent_text(reader.extent()) +
                   ": its frame shape was never set";
        if (at.local >= reader.frames_held())
            return "the keys mark frame " + std::to_string(index) + " readable, but dataset " +
                   info.path + " holds only " + std::to_string(reader.frames_held()) +
                   " frames (extent " + extent_text(reader.extent()) + "); it needs " +
                   std::to_string(at.local + 1) + " in its scan dimensions";
    }
    return "frame " + std::to_string(index) + " is readable";
}

std::vector<SliceRange> FrameSource::slice_of(std::uint64_t index) {
    // swmr_tools: the first plain dataset's position. Without plain datasets, the first
    // interleaved group's, with the frame's own index in its first dimension (the group
    // stands for the whole scan there), even when the scan has rank 0.
    auto& d = *impl_;
    const auto& part = d.parts.front();
    const auto at = locate(part, index);
    auto slice = slices_of(d.readers.front()[at.member].position(at.local));
    if (part.interleaved) {
        if (slice.empty())
            slice.push_back({index, index + 1});
        else
            slice.front() = {index, index + 1};
    }
    return slice;
}

void FrameSource::read(std::size_t part, std::size_t member, std::uint64_t local_first,
                       std::uint64_t count, std::span<std::byte> out) {
    impl_->readers.at(part).at(member).read(local_first, count, out);
}

std::size_t FrameSource::stored_chunk_size(std::size_t part, std::uint64_t index) {
    const auto at = locate(impl_->parts.at(part), index);
    return impl_->readers[part][at.member].stored_chunk_size(at.local);
}

void FrameSource::read_chunk(std::size_t part, std::uint64_t index, std::span<std::byte> out) {
    const auto at = locate(impl_->parts.at(part), index);
    impl_->readers[part][at.member].read_chunk(at.local, out);
}

} // namespace swmrd::core
