#pragma once
// Reads the frames of one data dataset: frame i is the block at the scan position of i,
// spanning every dimension after the scan dimensions.

#include "swmrd/core/scan.hpp"
#include "swmrd/core/swmr_file.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace swmrd::core {

// One stage of a dataset's filter pipeline, as HDF5 applies it on writing.
struct FilterInfo {
    unsigned id = 0;  // 32001 Blosc, 32004 LZ4, 32008 Bitshuffle, 1 deflate…
    std::string name; // the name HDF5 reports, or a well-known name for a missing plugin
    std::vector<unsigned> cd_values;
    bool available = false; // HDF5 can decode it here (built in, or its plugin was found)
    std::string package;    // the Debian package providing its plugin, where one is known
};

struct DatasetInfo {
    std::string path;
    std::string dtype; // NumPy array-interface string: "<u2", ">f8", "|u1"…
    std::size_t item_size = 0;
    std::size_t scan_rank = 0;
    std::vector<std::uint64_t> frame_shape; // the dataset's dimensions after the scan dims
    std::vector<std::uint64_t> block_shape; // a 1 per scan dimension, then frame_shape
    std::size_t frame_bytes = 0;            // product(frame_shape) * item_size
    std::vector<FilterInfo> filters;        // in the order HDF5 applied them
    bool one_frame_per_chunk = false;       // chunk = 1 in every scan dim, frame_shape after
};

class FrameReader {
public:
    // Throws H5Error naming the dataset when it is missing, has a rank below `scan_rank`, or
    // has a type other than an integer of 1, 2, 4 or 8 bytes, an IEEE float of 2, 4 or 8
    // bytes or a bool.
    FrameReader(const SwmrFile& file, const std::string& dataset_path, std::size_t scan_rank);
    FrameReader(FrameReader&&) noexcept;
    FrameReader& operator=(FrameReader&&) noexcept;
    ~FrameReader();

    const DatasetInfo& info() const noexcept;

    // The first filter HDF5 cannot decode here, if any: a raw read would fail on it.
    std::optional<FilterInfo> missing_filter() const;

    // False while a frame dimension is still 0 though it may grow: a writer that creates the
    // dataset empty sizes it at its first frame. refresh() picks the shape up; until then
    // info() shows the zero.
    bool frame_shape_known() const noexcept;
    // Frames the dataset holds in its scan dimensions, as of the last refresh.
    std::uint64_t frames_held() const noexcept;
    // Picks up the dataset's current extent (and a frame shape that became known).
    void refresh();
    // The dataset's whole extent as of the last refresh, for messages.
    std::vector<std::uint64_t> extent() const;

    // Scan position of frame `index`, unravelled over the dataset's current extent in the
    // scan dimensions (refreshed when the index lies past it).
    std::vector<std::uint64_t> position(std::uint64_t index);

    // Reads frames [first, first + count) into `out` (count * frame_bytes bytes), in index
    // order, with one HDF5 read. Refreshes the dataset when a frame lies past its known
    // extent. A missing filter throws H5Error naming the filter and suggesting
    // `encoding: chunk`.
    void read(std::uint64_t first, std::uint64_t count, std::span<std::byte> out);

    // Direct chunk access, for one_frame_per_chunk datasets: the chunk of frame `index`
    // byte for byte as stored, still encoded. Works whether or not the filter is available.
    std::size_t stored_chunk_size(std::uint64_t index);
    void read_chunk(std::uint64_t index, std::span<std::byte> out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace swmrd::core
