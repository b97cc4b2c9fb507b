#pragma once
// The one place frames come from. It turns "frames [a, b) are readable" into blocks with
// their index, slice and dtype, interleaving included, without ever blocking: core's
// DataSource waits on top of it, the daemon's watches and fetches read through it, and
// nothing else computes a slice.
//
// Frame i of a payload part comes from member i % N of the part at its own index i / N: a
// plain dataset is a part of one member; an interleaved group (swmr_tools'
// `interleaved_paths`) has one member per dataset, and the members may differ in dtype and
// frame shape. Parts are the plain datasets in the order given, then the interleaved groups
// in the order given, as swmr_tools fills its output.

#include "swmrd/core/frame_reader.hpp"
#include "swmrd/core/key_follower.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace swmrd::core {

struct FrameSourceOptions {
    std::vector<std::string> keys;
    std::vector<std::string> datasets;
    // Group name -> datasets whose frames alternate, in the order given.
    std::vector<std::pair<std::string, std::vector<std::string>>> interleaved;
    std::optional<std::string> finished;
    Seconds timeout{10.0};
};

struct PartInfo {
    std::string name;         // the dataset path, or the interleaved group's name
    bool interleaved = false; // a group (even of one dataset), not a plain dataset
    std::size_t members = 1;
};

// Where frame `index` of a part is stored.
struct MemberFrame {
    std::size_t member = 0;
    std::uint64_t local = 0; // the frame's index within that member's dataset
};

class FrameSource {
public:
    // Opens every key and dataset and checks them; throws H5Error naming what is wrong (a
    // missing dataset, keys of different scan rank, data of rank below the scan rank, an
    // unsupported type, an interleaved group without datasets…).
    FrameSource(const SwmrFile& file, FrameSourceOptions options);
    FrameSource(FrameSource&&) noexcept;
    FrameSource& operator=(FrameSource&&) noexcept;
    ~FrameSource();

    KeyFollower& keys() noexcept;
    const KeyFollower& keys() const noexcept;
    const ScanShape& scan_shape() const noexcept;

    const std::vector<PartInfo>& parts() const noexcept;
    const DatasetInfo& member(std::size_t part, std::size_t member) const;
    std::optional<FilterInfo> missing_filter(std::size_t part, std::size_t member) const;

    // Every member's frame shape is known (refreshing the ones created empty); until then
    // `start` cannot describe the frames.
    bool layout_known();

    // The first index before `end` whose frame some dataset does not hold yet (after a
    // refresh of the ones that look short), or `end`: keys may run ahead of the data.
    std::uint64_t data_frontier(std::uint64_t end);
    // Why frame `index` cannot be read though its keys are set, naming the dataset and both
    // extents, for the error that ends such a run.
    std::string data_shortfall(std::uint64_t index);

    static MemberFrame locate(const PartInfo& part, std::uint64_t index) noexcept {
        return {index % part.members, index / part.members};
    }
    // swmr_tools' slice_metadata of frame `index`.
    std::vector<SliceRange> slice_of(std::uint64_t index);

    // Reads `count` consecutive frames of one member, from its own index `local_first`, as
    // stored, into `out` (count * frame_bytes of that member).
    void read(std::size_t part, std::size_t member, std::uint64_t local_first, std::uint64_t count,
              std::span<std::byte> out);
    // The stored chunk of frame `index` of a part (one_frame_per_chunk members only).
    std::size_t stored_chunk_size(std::size_t part, std::uint64_t index);
    void read_chunk(std::size_t part, std::uint64_t index, std::span<std::byte> out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace swmrd::core
