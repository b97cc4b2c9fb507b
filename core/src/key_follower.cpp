#include "swmrd/core/key_follower.hpp"

#include "check.hpp"
#include "flat_selection.hpp"
#include "objects.hpp"
#include "swmr_file_impl.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <thread>

namespace swmrd::core {

namespace {

// Keys are read in windows past the known readable frames: a poll of a fixed scan of 10^6
// zero-filled keys reads one window, not the whole key; a file caught up late reads
// geometrically larger windows.
constexpr hsize_t first_window = 1024;
constexpr hsize_t max_window = 65536;

// Keys and the finished flag are read as doubles, whatever their type in the file: HDF5
// converts integers, floats of any size and enums (h5py's bool), so "written" is a value
// test, as in NumPy: -0.0 is not written, NaN is.
const hid_t value_type = H5T_NATIVE_DOUBLE;

struct Key {
    std::string path;
    DatasetHandle dataset;
    std::vector<hsize_t> dims;
    hsize_t points = 0;
    SpaceHandle space;
    FlatSelection selection;
    std::vector<double> values; // the window being looked at
};

struct Finished {
    std::string path;
    DatasetHandle dataset;
};

std::size_t scan_rank_of(const std::vector<hsize_t>& max_dims) {
    auto rank = max_dims.size();
    while (rank > 0 && max_dims[rank - 1] == 1)
        --rank;
    return rank;
}

// Integers, floats and enums (h5py stores bool as an enum) have a numeric value.
void require_numeric(hid_t dataset, const std::string& what, const char* purpose) {
    auto type = check_handle<TypeHandle>(H5Dget_type(dataset),
                                         [&] { return "reading the type of " + what; });
    const auto type_class =
        check(H5Tget_class(type.get()), [&] { return "reading the type of " + what; });
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT && type_class != H5T_ENUM)
        throw H5Error(what + " is not numeric (its type is " + type_class_name(type_class) +
                      "): " + purpose);
}

} // namespace

const char* to_string(EndReason reason) noexcept {
    switch (reason) {
    case EndReason::finished:
        return "finished";
    case EndReason::complete:
        return "complete";
    case EndReason::timeout:
        return "timeout";
    }
    return "unknown";
}

struct KeyFollower::Impl {
    std::string file_path;
    KeyFollowerOptions options;
    ScanShape scan_shape;
    std::vector<Key> keys;
    std::optional<Finished> finished;
    SpaceHandle memory_space;
    std::vector<double> merged; // the keys' product over the window being looked at
    std::uint64_t readable = 0;
    std::optional<EndReason> end;
    // When the finished flag was first seen set: the run ends at the first poll a grace of
    // timeout/20 later that finds no new frame, because the last keys may land just after
    // the flag (swmr_tools polls the keys once more, a poll interval later).
    std::optional<Clock::time_point> finished_seen_at;
    std::optional<Clock::time_point> last_progress;
    std::optional<std::string> warning;

    std::string in_file() const { return " in " + file_path; }
    void open_key(const SwmrFile& file, const std::string& path);
    void open_finished(const SwmrFile& file, const std::string& path);
    hsize_t refresh_key(Key& key);
    void read_window(Key& key, std::uint64_t at, std::uint64_t count);
    std::uint64_t leading_run(std::uint64_t from, std::uint64_t limit);
    bool finished_set();
    Seconds finished_grace() const { return options.timeout / 20.0; }
};

void KeyFollower::Impl::open_key(const SwmrFile& file, const std::string& path) {
    Key key;
    key.path = path;
    key.dataset = open_dataset(file, path, "key dataset");
    const auto what = "key dataset " + path + in_file();
    require_numeric(key.dataset.get(), what,
                    "keys must be numbers, 0 until their frame is written");
    const auto extent = dataset_extent(key.dataset.get(), what);
    key.dims = extent.dims;
    const auto rank = scan_rank_of(extent.max_dims);
    if (keys.empty()) {
        for (std::size_t dim = 0; dim < rank; ++dim) {
            const auto max = extent.max_dims[dim];
            scan_shape.max.push_back(max == H5S_UNLIMITED ? std::nullopt
                                                          : std::optional<std::uint64_t>(max));
        }
    } else if (rank != scan_shape.rank()) {
        throw H5Error("key datasets must have the same scan rank: " + keys.front().path +
                      " has scan rank " + std::to_string(scan_shape.rank()) + ", " + path +
                      " has scan rank " + std::to_string(rank) + " (max shape " +
                      shape_text(extent.max_dims) + ")" + in_file());
    }
    keys.push_back(std::move(key));
}

void KeyFollower::Impl::open_finished(const SwmrFile& file, const std::string& path) {
    Finished flag;
    flag.path = path;
    flag.dataset = open_dataset(file, path, "finished dataset");
    require_numeric(flag.dataset.get(), "finished dataset " + path + in_file(),
                    "it must hold a number, non-zero once the file is complete");
    // Its shape is looked at on every poll, as swmr_tools does: one that does not hold
    // exactly one value is ignored then, with a warning, and may still become a flag.
    finished = std::move(flag);
}

hsize_t KeyFollower::Impl::refresh_key(Key& key) {
    const auto describe = [&] { return "refreshing key dataset " + key.path + in_file(); };
    // Without it HDF5 keeps showing the extent and values it saw first, without an error.
    check(H5Drefresh(key.dataset.get()), describe);
    key.space = check_handle<SpaceHandle>(H5Dget_space(key.dataset.get()), describe);
    check(H5Sget_simple_extent_dims(key.space.get(), key.dims.data(), nullptr), describe);
    key.points = product(key.dims.data(), key.dims.size());
    return key.points;
}

// The key's values at [at, at + count), zero past its end (a shorter key counts as zero).
void KeyFollower::Impl::read_window(Key& key, std::uint64_t at, std::uint64_t count) {
    key.values.assign(count, 0.0);
    if (at >= key.points)
        return;
    const auto inside = std::min<std::uint64_t>(count, key.points - at);
    key.selection.set_dims(key.dims, {});
    check(key.selection.read(key.dataset.get(), value_type, key.space.get(), memory_space.get(), at,
                             inside, key.values.data(), sizeof(double)),
          [&] {
              return "reading key dataset " + key.path + " from index " + std::to_string(at) +
                     in_file();
          });
}

// The first index in [from, limit) where the keys' product is zero, or `limit`. The product
// is formed as swmr_tools forms it (in double, key by key, in the order given), so even its
// corner cases agree: NaN times a missing key is NaN, which counts as written.
std::uint64_t KeyFollower::Impl::leading_run(std::uint64_t from, std::uint64_t limit) {
    hsize_t window = first_window;
    for (std::uint64_t at = from; at < limit;) {
        const hsize_t count = std::min<hsize_t>(window, limit - at);
        for (auto& key : keys)
            read_window(key, at, count);
        merged.assign(keys.front().values.begin(), keys.front().values.end());
        for (std::size_t k = 1; k < keys.size(); ++k)
            for (hsize_t i = 0; i < count; ++i)
                merged[i] *= keys[k].values[i];
        for (hsize_t i = 0; i < count; ++i)
            if (merged[i] == 0.0)
                return at + i;
        at += count;
        window = std::min(window * 4, max_window);
    }
    return limit;
}

bool KeyFollower::Impl::finished_set() {
    auto& flag = *finished;
    const auto describe = [&] { return "reading finished dataset " + flag.path + in_file(); };
    check(H5Drefresh(flag.dataset.get()), describe);
    auto space = check_handle<SpaceHandle>(H5Dget_space(flag.dataset.get()), describe);
    const auto points = check(H5Sget_simple_extent_npoints(space.get()), describe);
    if (points != 1) {
        if (!warning) {
            const auto rank = check(H5Sget_simple_extent_ndims(space.get()), describe);
            std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
            check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), describe);
            warning = "finished dataset " + flag.path + in_file() + " holds " +
                      std::to_string(points) + " values (shape " + shape_text(dims) +
                      "), not one: it is ignored, and the run ends by its timeout";
        }
        return false;
    }
    check(H5Sselect_all(space.get()), describe);
    const hsize_t one = 1;
    check(H5Sset_extent_simple(memory_space.get(), 1, &one, nullptr), describe);
    double value = 0.0;
    check(H5Dread(flag.dataset.get(), value_type, memory_space.get(), space.get(), H5P_DEFAULT,
                  &value),
          describe);
    return value != 0.0; // NaN is set, -0.0 is not
}

KeyFollower::KeyFollower(const SwmrFile& file, KeyFollowerOptions options)
    : impl_(std::make_unique<Impl>()) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    d.file_path = file.path();
    d.options = std::move(options);
    if (d.options.keys.empty())
        throw H5Error("no key dataset given for " + file.path() + ": at least one is needed");
    for (const auto& path : d.options.keys)
        d.open_key(file, path);
    if (d.options.finished)
        d.open_finished(file, *d.options.finished);
    const hsize_t one = 1;
    d.memory_space = check_handle<SpaceHandle>(H5Screate_simple(1, &one, nullptr), [&] {
        return "creating a memory dataspace for the keys" + d.in_file();
    });
}

KeyFollower::KeyFollower(KeyFollower&&) noexcept = default;
KeyFollower& KeyFollower::operator=(KeyFollower&&) noexcept = default;
KeyFollower::~KeyFollower() = default;

const ScanShape& KeyFollower::scan_shape() const noexcept {
    return impl_->scan_shape;
}
const KeyFollowerOptions& KeyFollower::options() const noexcept {
    return impl_->options;
}
const std::optional<std::string>& KeyFollower::warning() const noexcept {
    return impl_->warning;
}

KeyPoll KeyFollower::poll(Clock::time_point now) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    if (d.end)
        return {d.readable, d.end};
    if (!d.last_progress)
        d.last_progress = now;

    // One key is taken as it is; several are multiplied over the longest one's length, a
    // shorter key counting as zero past its end.
    std::uint64_t limit = 0;
    for (auto& key : d.keys)
        limit = std::max<std::uint64_t>(limit, d.refresh_key(key));
    const auto run_end = limit > d.readable ? d.leading_run(d.readable, limit) : d.readable;

    if (run_end > d.readable) {
        d.readable = run_end;
        d.last_progress = now;
    } else {
        // swmr_tools looks at the finished flag only when no new frame came.
        if (d.finished_seen_at) {
            if (now - *d.finished_seen_at >= d.finished_grace())
                d.end = EndReason::finished;
        } else if (d.finished && d.finished_set()) {
            d.finished_seen_at = now;
        }
        if (!d.end && now - *d.last_progress >= d.options.timeout)
            d.end = EndReason::timeout;
    }
    if (!d.end) {
        if (const auto total = d.scan_shape.total(); total && d.readable >= *total)
            d.end = EndReason::complete;
    }
    return {d.readable, d.end};
}

void KeyFollower::restart_timeout(Clock::time_point now) {
    impl_->last_progress = now;
}

std::uint64_t KeyFollower::digest(std::uint64_t count) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    // FNV-1a over each value's bits, key after key, window after window.
    std::uint64_t hash = 14695981039346656037ull;
    const auto mix = [&hash](std::uint64_t word) {
        for (int byte = 0; byte < 8; ++byte, word >>= 8) {
            hash ^= word & 0xff;
            hash *= 1099511628211ull;
        }
    };
    for (auto& key : d.keys) {
        d.refresh_key(key);
        for (std::uint64_t at = 0; at < count;) {
            const auto window = std::min<std::uint64_t>(max_window, count - at);
            d.read_window(key, at, window);
            for (const double value : key.values)
                mix(std::bit_cast<std::uint64_t>(value));
            at += window;
        }
    }
    mix(count);
    return hash;
}

KeyPoll KeyFollower::wait_for_more(std::uint64_t known, Seconds interval) {
    if (known >= impl_->readable)
        restart_timeout();
    for (;;) {
        const auto result = poll();
        if (result.readable > known || result.end)
            return result;
        std::this_thread::sleep_for(interval);
    }
}

} // namespace swmrd::core
