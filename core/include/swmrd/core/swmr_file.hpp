#pragma once
// An HDF5 file opened for SWMR reading.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace swmrd::core {

using Clock = std::chrono::steady_clock;

class SwmrFile {
public:
    // Opens `path` read-only in SWMR mode. The errors of a file that is still being created
    // (missing, locked by its writer, truncated, not yet in SWMR mode…) are retried until
    // `deadline`; past it, or on any other error at once, throws H5Error naming the path.
    static SwmrFile open(const std::string& path, Clock::time_point deadline);

    // One attempt, for callers that multiplex many files. A transient error returns nullopt
    // and, when `why` is given, the reason in words; any other error throws H5Error.
    // A file that exists but is not HDF5 at all is not transient.
    //
    // HDF5 shares one open file, and each dataset in it, between every handle of a process
    // that opens it: two threads that read and refresh the same growing dataset through
    // their own handles then trip over each other's extents. `apart` opens the file through
    // another HDF5 driver (the `log` driver, logging nothing), which HDF5 keeps separate, for
    // a reader that runs beside another one of the same file.
    static std::optional<SwmrFile> try_open(const std::string& path, std::string* why = nullptr,
                                            bool apart = false);

    SwmrFile(SwmrFile&&) noexcept;
    SwmrFile& operator=(SwmrFile&&) noexcept;
    ~SwmrFile();

    const std::string& path() const noexcept;
    // The file HDF5 really opened, from its descriptor (/proc/self/fd): what a path check
    // made before the open cannot vouch for, if the path was swapped in between. Empty when
    // it cannot be told.
    std::string opened_path() const;
    bool has_dataset(const std::string& dataset_path) const;

    // Whether a file other than this one may be read: the absolute path of an external
    // link's target or a virtual dataset's source. False, with `why` in words, refuses it.
    using FileFilter = std::function<bool(const std::string& path, std::string* why)>;

    // From now on, datasets are read from this file and from the files `allowed` accepts:
    // an external link (also one reached through a soft link) to another file, a virtual
    // dataset mapping another file, and a dataset whose values are stored in external raw
    // files, are refused with an H5Error naming the link or dataset, the other file and
    // why. A virtual dataset whose sources are in this file is
    // read as any other. For readers confined to some folders (the daemon's allowed_roots),
    // which links could otherwise leave. Relative names resolve from this file's folder.
    void confine(FileFilter allowed);
    // confine() with nothing else allowed.
    void confine_to_this_file() { confine(nullptr); }

    struct Impl;
    Impl& impl() const noexcept { return *impl_; }

private:
    explicit SwmrFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace swmrd::core
