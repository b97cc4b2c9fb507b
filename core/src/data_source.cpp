#include "swmrd/core/data_source.hpp"

#include "swmrd/core/h5_error.hpp"

#include <thread>

namespace swmrd::core {

struct DataSource::Impl {
    FrameSource source;
    Seconds timeout;
    Seconds poll_interval;
    std::uint64_t next = 0;
    std::uint64_t readable = 0;
    std::optional<EndReason> end;

    Impl(const SwmrFile& file, DataSourceOptions& options)
        : source(file, FrameSourceOptions{options.keys, options.datasets, options.interleaved,
                                          options.finished, options.timeout}),
          timeout(options.timeout), poll_interval(options.poll_interval) {}

    void wait_for_data(std::uint64_t index);
    FrameMap frame(std::uint64_t index);
};

// The keys say the frame is there; the data may not be yet (another writer, a flush still
// on its way). swmr_tools fails at once; waiting for the timeout first loses nothing.
void DataSource::Impl::wait_for_data(std::uint64_t index) {
    const auto deadline = Clock::now() + timeout;
    while (source.data_frontier(index + 1) <= index || !source.layout_known()) {
        if (Clock::now() >= deadline)
            throw H5Error(source.data_shortfall(index));
        std::this_thread::sleep_for(poll_interval);
    }
}

FrameMap DataSource::Impl::frame(std::uint64_t index) {
    wait_for_data(index);
    FrameMap map;
    map.index = index;
    map.maxshape = source.scan_shape();
    map.slice_metadata = source.slice_of(index);
    const auto& parts = source.parts();
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const auto at = FrameSource::locate(parts[p], index);
        const auto& info = source.member(p, at.member);
        Array array{info.dtype, info.block_shape, std::vector<std::byte>(info.frame_bytes)};
        source.read(p, at.member, at.local, 1, array.bytes);
        map.data.emplace(parts[p].name, std::move(array));
    }
    return map;
}

DataSource::DataSource(const SwmrFile& file, DataSourceOptions options) {
    silence_hdf5_errors_on_this_thread();
    impl_ = std::make_unique<Impl>(file, options);
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
        const auto poll = d.source.keys().wait_for_more(d.next, d.poll_interval);
        d.readable = poll.readable;
        d.end = poll.end;
    }
}

std::optional<EndReason> DataSource::end_reason() const noexcept {
    // Only once every readable frame has gone out: until then the run is not over.
    return impl_->next >= impl_->readable ? impl_->end : std::nullopt;
}

const ScanShape& DataSource::scan_shape() const noexcept {
    return impl_->source.scan_shape();
}

} // namespace swmrd::core
