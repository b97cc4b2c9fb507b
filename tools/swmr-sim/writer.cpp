#include "writer.hpp"

#include "data_filters.hpp"
#include "frame_fill.hpp"
#include "pattern.hpp"
#include "sim_error.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace swmrd::sim {

namespace {

constexpr hsize_t key_chunk_points = 1024;

hid_t file_type_of(const DType& dtype) {
    const bool be = dtype.big_endian;
    if (dtype.kind == 'f') {
        return dtype.size == 4 ? (be ? H5T_IEEE_F32BE : H5T_IEEE_F32LE)
                               : (be ? H5T_IEEE_F64BE : H5T_IEEE_F64LE);
    }
    if (dtype.kind == 'i') {
        switch (dtype.size) {
        case 1:
            return be ? H5T_STD_I8BE : H5T_STD_I8LE;
        case 2:
            return be ? H5T_STD_I16BE : H5T_STD_I16LE;
        case 4:
            return be ? H5T_STD_I32BE : H5T_STD_I32LE;
        default:
            return be ? H5T_STD_I64BE : H5T_STD_I64LE;
        }
    }
    switch (dtype.size) {
    case 1:
        return be ? H5T_STD_U8BE : H5T_STD_U8LE;
    case 2:
        return be ? H5T_STD_U16BE : H5T_STD_U16LE;
    case 4:
        return be ? H5T_STD_U32BE : H5T_STD_U32LE;
    default:
        return be ? H5T_STD_U64BE : H5T_STD_U64LE;
    }
}

std::vector<hsize_t> to_hsize(const std::vector<std::uint64_t>& values) {
    return {values.begin(), values.end()};
}

H5Handle simple_space(const std::vector<hsize_t>& extent, const std::vector<hsize_t>& max_extent,
                      const std::string& what) {
    return check_id(
        H5Screate_simple(static_cast<int>(extent.size()), extent.data(), max_extent.data()),
        H5Sclose, what);
}

double unix_time_now() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

} // namespace

SimWriter::SimWriter(SimOptions options)
    : options_(std::move(options)), paths_(dataset_paths(options_)),
      file_type_(file_type_of(options_.dtype)) {
    require_filter_plugin(options_.compression);
    if (!options_.key_times_file.empty()) {
        key_times_.reset(std::fopen(options_.key_times_file.c_str(), "a"));
        if (!key_times_) {
            throw SimError("--key-times " + options_.key_times_file + ": " + std::strerror(errno));
        }
    }

    std::size_t frame_points = 1;
    for (auto size : options_.frame_shape) {
        frame_points *= size;
    }
    frame_buffer_.resize(frame_points * options_.dtype.size);
    const auto frame_extent =
        options_.frame_shape.empty() ? std::vector<hsize_t>{1} : to_hsize(options_.frame_shape);
    frame_space_ = simple_space(frame_extent, frame_extent, "creating the frame dataspace");

    const std::size_t scan_rank = options_.interleave > 0 ? 1 : options_.scan_shape.size();
    scan_position_.assign(scan_rank, 0);
    data_start_.assign(scan_rank + options_.frame_shape.size(), 0);
    data_count_.assign(scan_rank, 1);
    data_count_.insert(data_count_.end(), options_.frame_shape.begin(), options_.frame_shape.end());

    create_file();
    if (options_.compression == Compression::bitshuffle) {
        // One frame per chunk (validate() rules out --chunk-frames): the chunk is data_count_.
        bitshuffle_ = std::make_unique<BitshuffleChunkEncoder>(
            data_creation_properties(paths_.data.front()).get(), file_type_,
            std::vector<hsize_t>(data_count_.begin(), data_count_.end()));
    }
    const auto points = options_.scan_points();
    for (std::size_t d = 0; d < paths_.data.size(); ++d) {
        // An interleaved dataset holds every N-th point of the scan, starting at d.
        const auto n = options_.interleave;
        const hsize_t rows = n > 0 ? (points - d + n - 1) / n : options_.scan_shape.front();
        data_.push_back(create_data(paths_.data[d], rows));
    }
    for (const auto& path : paths_.keys) {
        keys_.push_back(create_key(path));
    }
    if (paths_.finished) {
        create_finished();
    }
    check(H5Fstart_swmr_write(file_.get()), "starting SWMR writing");
}

void SimWriter::create_file() {
    auto fapl = check_id(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access properties");
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST),
          "setting libver bounds LATEST");
    file_ = check_id(H5Fcreate(options_.file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                     H5Fclose, "creating the file");
}

H5Handle SimWriter::data_creation_properties(const std::string& path) const {
    const auto what = "setting the creation properties of " + path;
    auto dcpl = check_id(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what);
    auto chunk = std::vector<hsize_t>(data_count_.begin(), data_count_.end());
    if (options_.chunk_frames > 1) {
        const auto last = options_.scan_shape.size() - 1;
        chunk[last] = std::min<hsize_t>(options_.chunk_frames, options_.scan_shape[last]);
    }
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
    if (const auto& direct = options_.direct_chunk_filter) {
        // Optional, so HDF5 accepts a filter it cannot load: the chunks are written raw.
        check(H5Pset_filter(dcpl.get(), direct->id, H5Z_FLAG_OPTIONAL, direct->cd_values.size(),
                            direct->cd_values.data()),
              what + " (filter " + std::to_string(direct->id) + ")");
        return dcpl;
    }
    add_compression_filter(dcpl.get(), options_.compression, what);
    return dcpl;
}

SimWriter::Target SimWriter::create_data(const std::string& path, hsize_t scan_rows) {
    Target target;
    target.path = path;
    const std::size_t scan_rank = scan_position_.size();
    for (std::size_t dim = 0; dim < scan_rank; ++dim) {
        const hsize_t size = dim == 0 ? scan_rows : options_.scan_shape[dim];
        const bool grows = dim == 0 && !options_.fixed;
        target.extent.push_back(grows ? 0 : size);
        target.max_extent.push_back(grows ? H5S_UNLIMITED : size);
    }
    for (auto size : options_.frame_shape) {
        target.extent.push_back(size);
        target.max_extent.push_back(size);
    }
    const auto what = "creating dataset " + path;
    target.space = simple_space(target.extent, target.max_extent, what);
    auto lcpl = check_id(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), what);
    auto dcpl = data_creation_properties(path);
    target.dataset = check_id(H5Dcreate2(file_.get(), path.c_str(), file_type_, target.space.get(),
                                         lcpl.get(), dcpl.get(), H5P_DEFAULT),
                              H5Dclose, what);
    return target;
}

SimWriter::Target SimWriter::create_key(const std::string& path) {
    Target target;
    target.path = path;
    const auto& scan = options_.scan_shape;
    hsize_t later_points = 1;
    for (std::size_t dim = 1; dim < scan.size(); ++dim) {
        later_points *= scan[dim];
    }
    std::vector<hsize_t> chunk;
    for (std::size_t dim = 0; dim < scan.size(); ++dim) {
        const bool grows = dim == 0 && !options_.fixed;
        target.extent.push_back(grows ? 0 : scan[dim]);
        target.max_extent.push_back(grows ? H5S_UNLIMITED : scan[dim]);
        chunk.push_back(dim == 0 ? std::clamp<hsize_t>(key_chunk_points / later_points, 1, scan[0])
                                 : scan[dim]);
    }
    for (std::size_t i = 0; i < options_.key_trailing_ones; ++i) {
        target.extent.push_back(1);
        target.max_extent.push_back(1);
        chunk.push_back(1);
    }
    const auto what = "creating dataset " + path;
    target.space = simple_space(target.extent, target.max_extent, what);
    auto lcpl = check_id(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), what);
    auto dcpl = check_id(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what);
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
    // Readers rely on 0 meaning "not written yet".
    const std::int32_t zero = 0;
    check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_INT32, &zero), what);
    target.dataset = check_id(H5Dcreate2(file_.get(), path.c_str(), H5T_STD_I32LE,
                                         target.space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                              H5Dclose, what);
    return target;
}

void SimWriter::create_finished() {
    const auto& path = *paths_.finished;
    const auto what = "creating dataset " + path;
    auto space = check_id(H5Screate(H5S_SCALAR), H5Sclose, what);
    auto lcpl = check_id(H5Pcreate(H5P_LINK_CREATE), H5Pclose, what);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), what);
    finished_ = check_id(H5Dcreate2(file_.get(), path.c_str(), H5T_STD_I32LE, space.get(),
                                    lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose, what);
    const std::int32_t zero = 0;
    check(H5Dwrite(finished_.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &zero),
          "writing 0 to " + path);
}

std::uint64_t SimWriter::run() {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto frames = options_.frames;
    const auto die_after = options_.die_after;
    if (die_after == 0U) {
        die();
    }
    for (std::uint64_t index = 0; index < frames; ++index) {
        if (options_.rate_hz > 0) {
            // Ticks from the start, so time spent writing does not add up to drift.
            const auto tick =
                std::chrono::duration<double>(static_cast<double>(index) / options_.rate_hz);
            std::this_thread::sleep_until(start +
                                          std::chrono::duration_cast<clock::duration>(tick));
        }
        write_frame(index);
        const auto written = index + 1;
        const bool dies = die_after == written;
        if (written % options_.flush_every == 0 || written == frames || dies) {
            publish(written);
        }
        if (dies) {
            die();
        }
    }
    if (finished_.get() >= 0) {
        set_finished();
    }
    return frames;
}

void SimWriter::locate(std::uint64_t index) {
    if (options_.interleave > 0) {
        scan_position_[0] = index / options_.interleave;
        return;
    }
    for (std::size_t dim = scan_position_.size(); dim-- > 0;) {
        scan_position_[dim] = index % options_.scan_shape[dim];
        index /= options_.scan_shape[dim];
    }
}

void SimWriter::write_frame(std::uint64_t index) {
    locate(index);
    if (options_.interleave > 0) {
        const auto dataset = index % options_.interleave;
        write_data(data_[dataset], dataset, index);
    } else {
        for (std::size_t d = 0; d < data_.size(); ++d) {
            write_data(data_[d], d, index);
        }
    }
    // Keys grow with their frames (zero-filled, so not yet readable); their values wait for
    // the data flush in publish().
    const hsize_t key_row = options_.interleave > 0 ? index : scan_position_.front();
    for (auto& key : keys_) {
        if (key_row >= key.extent.front()) {
            grow(key, key_row + 1);
        }
    }
}

void SimWriter::write_data(Target& target, std::uint64_t dataset_number, std::uint64_t index) {
    if (scan_position_.front() >= target.extent.front()) {
        grow(target, scan_position_.front() + 1);
    }
    fill_frame(frame_buffer_, options_.dtype, dataset_number, index);
    std::copy(scan_position_.begin(), scan_position_.end(), data_start_.begin());
    if (bitshuffle_) {
        // As Eiger writes: the frame compressed by the filter, stored as it came out of it.
        const auto chunk = bitshuffle_->encode(frame_buffer_);
        check(H5Dwrite_chunk(target.dataset.get(), H5P_DEFAULT, 0, data_start_.data(), chunk.size(),
                             chunk.data()),
              "writing the Bitshuffle chunk of frame " + std::to_string(index) + " to " +
                  target.path);
    } else if (options_.direct_chunk_filter) {
        check(H5Dwrite_chunk(target.dataset.get(), H5P_DEFAULT, 0, data_start_.data(),
                             frame_buffer_.size(), frame_buffer_.data()),
              "writing the chunk of frame " + std::to_string(index) + " to " + target.path);
    } else {
        const auto what = "writing frame " + std::to_string(index) + " to " + target.path;
        check(H5Sselect_hyperslab(target.space.get(), H5S_SELECT_SET, data_start_.data(), nullptr,
                                  data_count_.data(), nullptr),
              what);
        // The buffer is already in the file's type and byte order: no conversion.
        check(H5Dwrite(target.dataset.get(), file_type_, frame_space_.get(), target.space.get(),
                       H5P_DEFAULT, frame_buffer_.data()),
              what);
    }
    target.dirty = true;
}

void SimWriter::grow(Target& target, hsize_t rows) {
    if (options_.fixed) {
        return;
    }
    target.extent.front() = rows;
    const auto what = "extending " + target.path + " to " + std::to_string(rows) + " rows";
    check(H5Dset_extent(target.dataset.get(), target.extent.data()), what);
    check(H5Sset_extent_simple(target.space.get(), static_cast<int>(target.extent.size()),
                               target.extent.data(), target.max_extent.data()),
          what);
}

void SimWriter::publish(std::uint64_t end) {
    for (auto& target : data_) {
        if (target.dirty) {
            check(H5Dflush(target.dataset.get()), "flushing " + target.path);
            target.dirty = false;
        }
    }
    if (end > keyed_) {
        write_keys(keyed_, end);
        for (auto& key : keys_) {
            check(H5Dflush(key.dataset.get()), "flushing " + key.path);
        }
        keyed_ = end;
        record_key_time(end - 1);
    }
}

void SimWriter::write_keys(std::uint64_t begin, std::uint64_t end) {
    const hsize_t count = end - begin;
    key_buffer_.resize(count);
    for (hsize_t i = 0; i < count; ++i) {
        key_buffer_[i] = static_cast<std::int32_t>(key_value(begin + i));
    }
    const auto what = "writing keys " + std::to_string(begin) + ".." + std::to_string(end - 1);
    auto memory = simple_space({count}, {count}, what);
    const bool one_dimensional = options_.scan_shape.size() == 1;
    const std::size_t key_rank = options_.scan_shape.size() + options_.key_trailing_ones;
    if (!one_dimensional) {
        // Grid points in flat order are not one hyperslab: select them one by one.
        key_coordinates_.assign(count * key_rank, 0);
        for (hsize_t i = 0; i < count; ++i) {
            locate(begin + i);
            std::copy(scan_position_.begin(), scan_position_.end(),
                      key_coordinates_.begin() + static_cast<std::ptrdiff_t>(i * key_rank));
        }
    }
    std::vector<hsize_t> start(key_rank, 0);
    std::vector<hsize_t> block(key_rank, 1);
    start.front() = begin;
    block.front() = count;
    for (auto& key : keys_) {
        const auto key_what = what + " to " + key.path;
        if (one_dimensional) {
            check(H5Sselect_hyperslab(key.space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                      block.data(), nullptr),
                  key_what);
        } else {
            check(
                H5Sselect_elements(key.space.get(), H5S_SELECT_SET, count, key_coordinates_.data()),
                key_what);
        }
        check(H5Dwrite(key.dataset.get(), H5T_NATIVE_INT32, memory.get(), key.space.get(),
                       H5P_DEFAULT, key_buffer_.data()),
              key_what);
    }
}

void SimWriter::set_finished() {
    const auto& path = *paths_.finished;
    const std::int32_t one = 1;
    check(H5Dwrite(finished_.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &one),
          "writing 1 to " + path);
    check(H5Dflush(finished_.get()), "flushing " + path);
}

void SimWriter::record_key_time(std::uint64_t last_index) {
    if (key_times_) {
        std::fprintf(key_times_.get(), "%llu %.6f\n", static_cast<unsigned long long>(last_index),
                     unix_time_now());
        // Line by line, so a benchmark reading it live sees every flush.
        std::fflush(key_times_.get());
    }
}

void SimWriter::die() {
    check(H5Fflush(file_.get(), H5F_SCOPE_LOCAL), "flushing the file");
    if (!options_.quiet) {
        std::printf("swmr-sim: stopped after %llu frames without finishing %s (--die-after)\n",
                    static_cast<unsigned long long>(keyed_), options_.file.c_str());
    }
    if (key_times_) {
        std::fflush(key_times_.get());
    }
    std::fflush(stdout);
    std::fflush(stderr);
    // No destructors: the file stays open and unfinished, as after a crash.
    _exit(0);
}

} // namespace swmrd::sim
