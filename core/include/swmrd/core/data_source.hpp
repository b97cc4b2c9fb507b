#pragma once
// swmr_tools' DataSource in C++: iterate the readable frames of a live SWMR file as a map
// path -> frame, with the slice metadata of each scan point.

#include "swmrd/core/frame_source.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace swmrd::core {

// A block read from a dataset, like the NumPy array swmr_tools returns.
struct Array {
    std::string dtype;                // NumPy array-interface string
    std::vector<std::uint64_t> shape; // a 1 per scan dimension, then the frame shape
    std::vector<std::byte> bytes;     // the values in C order

    template <class T> std::span<const T> values() const {
        return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
    }
};

struct FrameMap {
    std::uint64_t index = 0;                // flat scan index, C order
    std::vector<SliceRange> slice_metadata; // one per scan dimension
    ScanShape maxshape;
    std::map<std::string, Array> data; // by dataset path, or by interleaved name
};

struct DataSourceOptions {
    std::vector<std::string> keys;
    std::vector<std::string> datasets;
    // name -> datasets whose frames alternate: frame i comes from dataset i % N at i / N.
    // In the order given, after the plain datasets, as swmr_tools orders its output.
    std::vector<std::pair<std::string, std::vector<std::string>>> interleaved;
    std::optional<std::string> finished;
    Seconds timeout{10.0};
    Seconds poll_interval = std::chrono::milliseconds(10);
};

class DataSource {
public:
    // Validates every path up front; throws H5Error naming what is wrong.
    DataSource(const SwmrFile& file, DataSourceOptions options);
    DataSource(DataSource&&) noexcept;
    DataSource& operator=(DataSource&&) noexcept;
    ~DataSource();

    // Blocks until the next frame is readable and returns it; nullopt once the run is over
    // (then end_reason() says why). Frames come in index order, each once. Keys that run
    // ahead of the data are waited on for the timeout, then throw H5Error naming the dataset.
    std::optional<FrameMap> next();
    std::optional<EndReason> end_reason() const noexcept;
    const ScanShape& scan_shape() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace swmrd::core
