#include "swmrd/core/data_source.hpp"

#include "swmrd/core/h5_error.hpp"

#include <thread>

namespace swmrd::core {

namespace {

struct Source {
    std::string name;                 // the dataset path, or the interleaved name
    std::vector<FrameReader> readers; // frame i: readers[i % N] at index i / N
};

} // namespace

struct DataSource::Impl {
    KeyFollower follower;
    std::vector<Source> sources;
    bool first_is_interleaved = false;
    Seconds poll_interval;
    std::uint64_t next = 0;
    std::uint64_t readable = 0;
    std::optional<EndReason> end;

    Impl(const SwmrFile& file, DataSourceOptions& options)
        : follower(file, KeyFollowerOptions{options.keys, options.finished, options.timeout}),
          poll_interval(options.poll_interval) {}

    FrameMap frame(std::uint64_t index);
};

FrameMap DataSource::Impl::frame(std::uint64_t index) {
    FrameMap map;
    map.index = index;
    map.maxshape = follower.scan_shape();
    for (auto& source : sources) {
        const auto n = source.readers.size();
        auto& reader = source.readers[index % n];
        const auto local = index / n;
        const auto& info = reader.info();
        Array array{info.dtype, info.block_shape, std::vector<std::byte>(info.frame_bytes)};
        reader.read(local, 1, array.bytes);
        if (map.slice_metadata.empty() && &source == &sources.front()) {
            map.slice_metadata = slices_of(reader.position(local));
            // swmr_tools: an interleaved stack stands for the whole scan in its first
            // dimension, so the frame's own index goes there.
            if (first_is_interleaved && !map.slice_metadata.empty())
                map.slice_metadata.front() = {index, index + 1};
        }
        map.data.emplace(source.name, std::move(array));
    }
    return map;
}

DataSource::DataSource(const SwmrFile& file, DataSourceOptions options) {
    silence_hdf5_errors_on_this_thread();
    if (options.datasets.empty() && options.interleaved.empty())
        throw H5Error("no dataset given for " + file.path() + ": at least one is needed");
    impl_ = std::make_unique<Impl>(file, options);
    const auto scan_rank = impl_->follower.scan_shape().rank();
    for (const auto& path : options.datasets) {
        Source source{path, {}};
        source.readers.emplace_back(file, path, scan_rank);
        impl_->sources.push_back(std::move(source));
    }
    impl_->first_is_interleaved = options.datasets.empty();
    for (const auto& [name, paths] : options.interleaved) {
        if (paths.empty())
            throw H5Error("interleaved datasets " + name + " of " + file.path() +
                          " list no dataset");
        Source source{name, {}};
        for (const auto& path : paths)
            source.readers.emplace_back(file, path, scan_rank);
        impl_->sources.push_back(std::move(source));
    }
}

DataSource::DataSource(DataSource&&) noexcept = default;
DataSource& DataSource::operator=(DataSource&&) noexcept = default;
DataSource::~DataSource() = default;

std::optional<FrameMap> DataSource::next() {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    for (;;) {
        if (d.next < d.readable)
            return d.frame(d.next++);
        if (d.end)
            return std::nullopt;
        const auto poll = d.follower.wait_for_more(d.next, d.poll_interval);
        d.readable = poll.readable;
        d.end = poll.end;
    }
}

std::optional<EndReason> DataSource::end_reason() const noexcept {
    // Only once every readable frame has gone out: until then the run is not over.
    return impl_->next >= impl_->readable ? impl_->end : std::nullopt;
}

const ScanShape& DataSource::scan_shape() const noexcept {
    return impl_->follower.scan_shape();
}

} // namespace swmrd::core
