#include "swmrd/core/frame_reader.hpp"

#include "check.hpp"
#include "dtype.hpp"
#include "filters.hpp"
#include "flat_selection.hpp"
#include "objects.hpp"
#include "stored_chunks.hpp"
#include "swmr_file_impl.hpp"

#include <algorithm>

namespace swmrd::core {

struct FrameReader::Impl {
    std::string file_path;
    DatasetInfo info;
    DatasetHandle dataset;
    TypeHandle type; // the file's own type, also the memory type: bytes come out as stored
    SpaceHandle file_space;
    SpaceHandle memory_space;
    std::vector<hsize_t> frame_dims;
    std::vector<hsize_t> scan_extent; // current extent in the scan dimensions
    std::vector<hsize_t> all_dims;    // scratch for refresh()
    hsize_t scan_points = 0;
    hsize_t frame_elements = 1;
    // Frames below this were read after a refresh that followed their keys: HDF5 shows
    // their data. Anything past it needs a refresh first, or HDF5 may return fill values.
    std::uint64_t fresh_end = 0;
    FlatSelection selection;
    std::vector<hsize_t> chunk_offset;
    std::vector<hsize_t> chunk_dims; // empty unless chunked
    std::vector<hsize_t> max_dims;
    std::optional<FilterInfo> missing;
    bool frame_shape_known = true;
    // Frames one per unfiltered chunk: each read as its stored chunk (stored_chunks.hpp).
    bool read_as_stored = false;
    std::vector<hsize_t> chunk_coordinates; // scratch for it

    std::string what() const { return "dataset " + info.path + " in " + file_path; }
    void set_frame_dims(const std::vector<hsize_t>& dims);
    void refresh();
    void require_extent(std::uint64_t end);
    void locate_chunk(std::uint64_t index);
    bool read_stored(std::uint64_t first, std::uint64_t count, std::span<std::byte> out);
};

void FrameReader::Impl::refresh() {
    const auto describe = [this] { return "refreshing " + what(); };
    check(H5Drefresh(dataset.get()), describe);
    file_space = check_handle<SpaceHandle>(H5Dget_space(dataset.get()), describe);
    check(H5Sget_simple_extent_dims(file_space.get(), all_dims.data(), nullptr), describe);
    const auto scan_rank = info.scan_rank;
    if (!std::equal(frame_dims.begin(), frame_dims.end(), all_dims.begin() + scan_rank)) {
        const std::vector<hsize_t> now(all_dims.begin() + static_cast<std::ptrdiff_t>(scan_rank),
                                       all_dims.end());
        if (frame_shape_known)
            throw H5Error("the frame shape of " + what() + " changed from " +
                          shape_text(frame_dims) + " to " + shape_text(now));
        set_frame_dims(now); // created empty, sized at its first frame
    }
    std::copy_n(all_dims.begin(), scan_rank, scan_extent.begin());
    scan_points = product(scan_extent.data(), scan_rank);
    selection.set_dims(scan_extent, frame_dims);
}

void FrameReader::Impl::require_extent(std::uint64_t end) {
    if (end <= scan_points)
        return;
    refresh();
    if (end > scan_points)
        throw H5Error("frame " + std::to_string(end - 1) + " lies past the extent " +
                      shape_text(scan_extent) + " of " + what() + " in its scan dimensions");
}

void FrameReader::Impl::locate_chunk(std::uint64_t index) {
    require_extent(index + 1);
    for (std::size_t dim = info.scan_rank; dim-- > 0;) {
        chunk_offset[dim] = index % scan_extent[dim];
        index /= scan_extent[dim];
    }
}

// The chunk coordinates of frames [first, first + count), then their stored chunks. The
// extent must hold them (the caller refreshed).
bool FrameReader::Impl::read_stored(std::uint64_t first, std::uint64_t count,
                                    std::span<std::byte> out) {
    const auto rank = all_dims.size();
    chunk_coordinates.assign(count * rank, 0);
    for (std::uint64_t frame = 0; frame < count; ++frame) {
        auto index = first + frame;
        for (std::size_t dim = info.scan_rank; dim-- > 0;) {
            chunk_coordinates[frame * rank + dim] = index % scan_extent[dim];
            index /= scan_extent[dim];
        }
    }
    return read_stored_chunks(dataset.get(), chunk_coordinates, rank, info.frame_bytes, out);
}

FrameReader::FrameReader(const SwmrFile& file, const std::string& dataset_path,
                         std::size_t scan_rank)
    : impl_(std::make_unique<Impl>()) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    d.file_path = file.path();
    d.info.path = dataset_path;
    d.info.scan_rank = scan_rank;
    d.dataset = open_dataset(file, dataset_path, "dataset");
    const auto describe = [&] { return "reading the layout of " + d.what(); };

    d.type = check_handle<TypeHandle>(H5Dget_type(d.dataset.get()), describe);
    const auto type = describe_type(d.type.get());
    if (!type.dtype)
        throw H5Error(
            d.what() + " has an unsupported type (" + type.in_words +
            "): only integers of 1, 2, 4 or 8 bytes, IEEE floats of 2, 4 or 8 bytes and bools "
            "can be read");
    d.info.dtype = *type.dtype;
    d.info.item_size = type.item_size;

    const auto extent = dataset_extent(d.dataset.get(), d.what());
    if (extent.dims.size() < scan_rank)
        throw H5Error(d.what() + " has rank " + std::to_string(extent.dims.size()) + " (shape " +
                      shape_text(extent.dims) + "), below the scan rank " +
                      std::to_string(scan_rank) + " of the keys");
    d.scan_extent.assign(extent.dims.begin(), extent.dims.begin() + scan_rank);
    d.all_dims = extent.dims;
    d.max_dims = extent.max_dims;
    d.scan_points = product(d.scan_extent.data(), scan_rank);

    auto dcpl = check_handle<PropertyHandle>(H5Dget_create_plist(d.dataset.get()), describe);
    d.info.filters = read_filters(dcpl.get(), d.what());
    for (const auto& filter : d.info.filters) {
        if (!filter.available) {
            d.missing = filter;
            break;
        }
    }
    if (check(H5Pget_layout(dcpl.get()), describe) == H5D_CHUNKED) {
        d.chunk_dims.resize(extent.dims.size());
        check(H5Pget_chunk(dcpl.get(), static_cast<int>(d.chunk_dims.size()), d.chunk_dims.data()),
              describe);
    }
    d.set_frame_dims(
        {extent.dims.begin() + static_cast<std::ptrdiff_t>(scan_rank), extent.dims.end()});
    d.file_space = check_handle<SpaceHandle>(H5Dget_space(d.dataset.get()), describe);
    const hsize_t one = 1;
    d.memory_space = check_handle<SpaceHandle>(H5Screate_simple(1, &one, nullptr), describe);
    d.chunk_offset.assign(extent.dims.size(), 0);
    d.read_as_stored = d.info.one_frame_per_chunk && d.info.filters.empty();
}

// The frame's shape and what follows from it. A frame dimension still 0 that may grow means
// the writer created the dataset empty and sizes it at its first frame: not known yet.
void FrameReader::Impl::set_frame_dims(const std::vector<hsize_t>& dims) {
    const auto scan_rank = info.scan_rank;
    frame_dims = dims;
    frame_shape_known = true;
    for (std::size_t dim = 0; dim < dims.size(); ++dim)
        if (dims[dim] == 0 && max_dims[scan_rank + dim] != 0)
            frame_shape_known = false;
    // A file may declare any shape: a frame whose size does not fit in 64 bits (or in this
    // machine's address space) is refused here, before anything is sized or read from it.
    const auto elements = checked_product(frame_dims.data(), frame_dims.size());
    std::size_t bytes = 0;
    if (!elements || __builtin_mul_overflow(*elements, info.item_size, &bytes))
        throw H5Error(what() + " declares frames of shape " + shape_text(frame_dims) + " of " +
                      std::to_string(info.item_size) +
                      "-byte values, more bytes than 64 bits can count: refused");
    frame_elements = *elements;
    info.frame_shape.assign(frame_dims.begin(), frame_dims.end());
    info.block_shape.assign(scan_rank, 1);
    info.block_shape.insert(info.block_shape.end(), frame_dims.begin(), frame_dims.end());
    info.frame_bytes = bytes;
    info.one_frame_per_chunk =
        !chunk_dims.empty() &&
        std::all_of(chunk_dims.begin(), chunk_dims.begin() + static_cast<std::ptrdiff_t>(scan_rank),
                    [](hsize_t size) { return size == 1; }) &&
        std::equal(frame_dims.begin(), frame_dims.end(), chunk_dims.begin() + scan_rank);
    selection.set_dims(scan_extent, frame_dims);
}

FrameReader::FrameReader(FrameReader&&) noexcept = default;
FrameReader& FrameReader::operator=(FrameReader&&) noexcept = default;
FrameReader::~FrameReader() = default;

const DatasetInfo& FrameReader::info() const noexcept {
    return impl_->info;
}

std::optional<FilterInfo> FrameReader::missing_filter() const {
    return impl_->missing;
}

std::vector<std::uint64_t> FrameReader::position(std::uint64_t index) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    d.require_extent(index + 1);
    std::vector<std::uint64_t> position(d.info.scan_rank);
    for (std::size_t dim = d.info.scan_rank; dim-- > 0;) {
        position[dim] = index % d.scan_extent[dim];
        index /= d.scan_extent[dim];
    }
    return position;
}

void FrameReader::read(std::uint64_t first, std::uint64_t count, std::span<std::byte> out) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    if (count == 0)
        return;
    if (d.missing) {
        const auto& package = d.missing->package;
        throw H5Error("cannot read the frames of " + d.what() + ": it is compressed with filter " +
                      std::to_string(d.missing->id) + " (" + d.missing->name +
                      "), whose HDF5 plugin is not installed on this host; install the plugin" +
                      (package.empty() ? "" : " (Debian package " + package + ")") +
                      ", or use `encoding: chunk` to send the stored chunks as they are");
    }
    const auto needed = count * d.info.frame_bytes;
    if (out.size() < needed)
        throw H5Error("reading " + std::to_string(count) + " frames of " + d.what() + " needs " +
                      std::to_string(needed) + " bytes, the buffer has " +
                      std::to_string(out.size()));
    const auto end = first + count;
    if (end > d.fresh_end) {
        d.refresh();
        d.fresh_end = end;
    }
    d.require_extent(end);
    const auto elements = count * d.frame_elements;
    if (elements == 0)
        return;
    if (d.read_as_stored && d.frame_shape_known && d.read_stored(first, count, out))
        return;
    const auto describe = [&] {
        return "reading frames " + std::to_string(first) + " to " + std::to_string(end - 1) +
               " of " + d.what();
    };
    check(d.selection.read(d.dataset.get(), d.type.get(), d.file_space.get(), d.memory_space.get(),
                           first, count, out.data(), d.info.item_size),
          describe);
}

std::size_t FrameReader::stored_chunk_size(std::uint64_t index) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    if (!d.info.one_frame_per_chunk)
        throw H5Error("cannot read frame " + std::to_string(index) + " of " + d.what() +
                      " as a chunk: its chunks do not hold exactly one frame each");
    // A frame past what was read after its key needs a refresh first: HDF5's cached chunk
    // index may not know its chunk yet, whether or not the extent grew (a fixed max shape
    // never grows, and its chunk lookups then fail as "not allocated").
    if (index + 1 > d.fresh_end) {
        d.refresh();
        d.fresh_end = index + 1;
    }
    d.locate_chunk(index);
    hsize_t size = 0;
    if (H5Dget_chunk_storage_size(d.dataset.get(), d.chunk_offset.data(), &size) < 0) {
        H5Eclear2(H5E_DEFAULT);
        size = 0;
    }
    if (size == 0) {
        // Chunks are written once, so a chunk the cached index does not know yet is the only
        // staleness possible here: refresh only then, not per frame.
        d.refresh();
        d.locate_chunk(index);
        if (H5Dget_chunk_storage_size(d.dataset.get(), d.chunk_offset.data(), &size) < 0) {
            H5Eclear2(H5E_DEFAULT);
            size = 0;
        }
        if (size == 0)
            throw H5Error("the chunk of frame " + std::to_string(index) + " of " + d.what() +
                          " is not written yet");
    }
    return size;
}

bool FrameReader::frame_shape_known() const noexcept {
    return impl_->frame_shape_known;
}

std::uint64_t FrameReader::frames_held() const noexcept {
    return impl_->scan_points;
}

void FrameReader::refresh() {
    silence_hdf5_errors_on_this_thread();
    impl_->refresh();
}

std::vector<std::uint64_t> FrameReader::extent() const {
    return {impl_->all_dims.begin(), impl_->all_dims.end()};
}

void FrameReader::read_chunk(std::uint64_t index, std::span<std::byte> out) {
    const auto size = stored_chunk_size(index);
    auto& d = *impl_;
    if (out.size() < size)
        throw H5Error("the chunk of frame " + std::to_string(index) + " of " + d.what() +
                      " holds " + std::to_string(size) + " bytes, the buffer has " +
                      std::to_string(out.size()));
    std::uint32_t filter_mask = 0;
    check(
        H5Dread_chunk(d.dataset.get(), H5P_DEFAULT, d.chunk_offset.data(), &filter_mask,
                      out.data()),
        [&] { return "reading the chunk of frame " + std::to_string(index) + " of " + d.what(); });
    if (filter_mask != 0)
        throw H5Error("the chunk of frame " + std::to_string(index) + " of " + d.what() +
                      " was stored with some of its filters skipped (mask " +
                      std::to_string(filter_mask) +
                      "): its bytes are not what the filter list says");
}

} // namespace swmrd::core
