#pragma once
// Writing processed results back to HDF5, as swmr_tools' create_dataset / append_data do:
// one result per scan point, placed at the point's slice.

#include "swmrd/core/data_source.hpp"

#include <memory>
#include <string>
#include <vector>

namespace swmrd::core {

// An HDF5 file opened (created or truncated) for writing results.
class ResultFile {
public:
    static ResultFile create(const std::string& path);
    ResultFile(ResultFile&&) noexcept;
    ResultFile& operator=(ResultFile&&) noexcept;
    ~ResultFile();

    struct Impl;
    Impl& impl() const noexcept { return *impl_; }

private:
    explicit ResultFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A dataset of results: max shape = the scan's max shape followed by the result's shape.
class ResultDataset {
public:
    // Creates `path` (intermediate groups too) for results shaped like `first_result` (its
    // shape without scan dimensions) over a scan of `scan_max`, holding `first_result` at the
    // first scan point, as swmr_tools does.
    static ResultDataset create(ResultFile& file, const std::string& path,
                                const ScanShape& scan_max, const Array& first_result);
    ResultDataset(ResultDataset&&) noexcept;
    ResultDataset& operator=(ResultDataset&&) noexcept;
    ~ResultDataset();

    // Writes `result` at `slice` (the frame's slice_metadata), growing the dataset as needed.
    void append(const Array& result, const std::vector<SliceRange>& slice);

private:
    struct Impl;
    explicit ResultDataset(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace swmrd::core
