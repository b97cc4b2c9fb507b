#include "swmrd/core/key_follower.hpp"

#include "check.hpp"
#include "flat_selection.hpp"
#include "objects.hpp"
#include "swmr_file_impl.hpp"

#include <algorithm>
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
constexpr std::size_t max_finished_size = 16;

struct Key {
    std::string path;
    DatasetHandle dataset;
    TypeHandle type; // the file's own type: reading it converts nothing
    std::size_t item_size = 0;
    std::vector<hsize_t> dims;
    hsize_t points = 0;
    SpaceHandle space;
    FlatSelection selection;
    std::vector<std::byte> buffer;
};

struct Finished {
    std::string path;
    DatasetHandle dataset;
    TypeHandle type;
    std::vector<hsize_t> first; // the first element, whatever the rank
    std::vector<hsize_t> ones;
};

// Index of the first element whose bytes are all zero, or `count`.
std::size_t first_zero(const std::byte* data, std::size_t count, std::size_t item_size) {
    const auto load = [&](auto zero, std::size_t i) {
        decltype(zero) value;
        std::memcpy(&value, data + i * sizeof value, sizeof value);
        return value == zero;
    };
    for (std::size_t i = 0; i < count; ++i) {
        bool zero = false;
        switch (item_size) {
        case 1:
            zero = load(std::uint8_t{0}, i);
            break;
        case 2:
            zero = load(std::uint16_t{0}, i);
            break;
        case 4:
            zero = load(std::uint32_t{0}, i);
            break;
        case 8:
            zero = load(std::uint64_t{0}, i);
            break;
        default:
            zero = std::all_of(data + i * item_size, data + (i + 1) * item_size,
                               [](std::byte b) { return b == std::byte{0}; });
        }
        if (zero)
            return i;
    }
    return count;
}

std::size_t scan_rank_of(const std::vector<hsize_t>& max_dims) {
    auto rank = max_dims.size();
    while (rank > 0 && max_dims[rank - 1] == 1)
        --rank;
    return rank;
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
    std::uint64_t readable = 0;
    std::optional<EndReason> end;
    bool finished_seen = false;
    std::optional<Clock::time_point> last_progress;

    std::string in_file() const { return " in " + file_path; }
    void open_key(const SwmrFile& file, const std::string& path);
    void open_finished(const SwmrFile& file, const std::string& path);
    hsize_t refresh_key(Key& key);
    std::uint64_t leading_run(Key& key, std::uint64_t from, std::uint64_t limit);
    bool finished_set();
};

void KeyFollower::Impl::open_key(const SwmrFile& file, const std::string& path) {
    Key key;
    key.path = path;
    key.dataset = open_dataset(file, path, "key dataset");
    const auto what = "key dataset " + path + in_file();
    key.type = check_handle<TypeHandle>(H5Dget_type(key.dataset.get()),
                                        [&] { return "reading the type of " + what; });
    const auto type_class =
        check(H5Tget_class(key.type.get()), [&] { return "reading the type of " + what; });
    if (type_class != H5T_INTEGER)
        throw H5Error(what + " is not integer (its type is " + type_class_name(type_class) +
                      "): keys must be integers, 0 until their frame is written");
    key.item_size = H5Tget_size(key.type.get());
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
    const auto what = "finished dataset " + path + in_file();
    flag.type = check_handle<TypeHandle>(H5Dget_type(flag.dataset.get()),
                                         [&] { return "reading the type of " + what; });
    const auto type_class =
        check(H5Tget_class(flag.type.get()), [&] { return "reading the type of " + what; });
    if ((type_class != H5T_INTEGER && type_class != H5T_FLOAT && type_class != H5T_ENUM &&
         type_class != H5T_BITFIELD) ||
        H5Tget_size(flag.type.get()) > max_finished_size)
        throw H5Error(what + " has an unsupported type (" + type_class_name(type_class) +
                      "): it must hold a number, non-zero once the file is complete");
    const auto extent = dataset_extent(flag.dataset.get(), what);
    if (product(extent.dims.data(), extent.dims.size()) != 1)
        throw H5Error(what + " must hold one value; its shape is " + shape_text(extent.dims));
    flag.first.assign(extent.dims.size(), 0);
    flag.ones.assign(extent.dims.size(), 1);
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

std::uint64_t KeyFollower::Impl::leading_run(Key& key, std::uint64_t from, std::uint64_t limit) {
    key.selection.set_dims(key.dims, {});
    hsize_t window = first_window;
    for (std::uint64_t at = from; at < limit;) {
        const hsize_t count = std::min<hsize_t>(window, limit - at);
        if (key.buffer.size() < count * key.item_size)
            key.buffer.resize(count * key.item_size);
        const auto describe = [&] {
            return "reading key dataset " + key.path + " from index " + std::to_string(at) +
                   in_file();
        };
        check(key.selection.read(key.dataset.get(), key.type.get(), key.space.get(),
                                 memory_space.get(), at, count, key.buffer.data(), key.item_size),
              describe);
        const auto zero = first_zero(key.buffer.data(), count, key.item_size);
        if (zero < count)
            return at + zero;
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
    if (check(H5Sget_simple_extent_npoints(space.get()), describe) < 1)
        return false;
    if (flag.first.empty())
        check(H5Sselect_all(space.get()), describe);
    else
        check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, flag.first.data(), nullptr,
                                  flag.ones.data(), nullptr),
              describe);
    const hsize_t one = 1;
    check(H5Sset_extent_simple(memory_space.get(), 1, &one, nullptr), describe);
    std::byte value[max_finished_size] = {};
    check(H5Dread(flag.dataset.get(), flag.type.get(), memory_space.get(), space.get(), H5P_DEFAULT,
                  value),
          describe);
    return std::any_of(std::begin(value), std::end(value),
                       [](std::byte b) { return b != std::byte{0}; });
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

KeyPoll KeyFollower::poll(Clock::time_point now) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    if (d.end)
        return {d.readable, d.end};
    if (!d.last_progress)
        d.last_progress = now;

    // A shorter key counts as zero past its end: nothing past the shortest can be readable.
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
    for (auto& key : d.keys)
        limit = std::min<std::uint64_t>(limit, d.refresh_key(key));
    std::uint64_t run_end = d.readable;
    if (limit > d.readable) {
        // The product's leading run is the shortest of the keys' own leading runs; each key
        // is only read as far as the ones before it allow.
        run_end = limit;
        for (auto& key : d.keys)
            run_end = d.leading_run(key, d.readable, run_end);
    }

    if (run_end > d.readable) {
        d.readable = run_end;
        d.last_progress = now;
    } else {
        // swmr_tools looks at the finished flag only when no new frame came, and polls the
        // keys once more after first seeing it: the last keys may land just after the flag.
        if (d.finished && d.finished_set()) {
            if (d.finished_seen)
                d.end = EndReason::finished;
            d.finished_seen = true;
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

void KeyFollower::restart_timeout(Clock::time_point now) { impl_->last_progress = now; }

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
