#pragma once
// SimWriter writes one SWMR file as acquisition software does: libver bounds LATEST, every
// dataset created, H5Fstart_swmr_write, then frame by frame extend, write data, flush data,
// write keys, flush keys; finished set to 1 after the last key flush.
//
// Keys are written only once their frames' data is flushed (with --flush-every N, in one
// batch per flush): a key written earlier could reach the file before its data through a
// cache eviction, and a SWMR reader would then read fill values as a frame.

#include "bitshuffle_chunks.hpp"
#include "hdf5_handle.hpp"
#include "layout.hpp"
#include "options.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace swmrd::sim {

class SimWriter {
public:
    // Creates the file and its datasets and starts SWMR writing; throws SimError.
    explicit SimWriter(SimOptions options);

    // Writes every frame and sets the finished flag; returns the number of frames written.
    // With --die-after it ends the process with status 0 instead, leaving the file open.
    std::uint64_t run();

private:
    // One dataset being written, with its file dataspace kept in step with its extent so a
    // frame costs no H5Dget_space.
    struct Target {
        std::string path;
        H5Handle dataset;
        H5Handle space;
        std::vector<hsize_t> extent;
        std::vector<hsize_t> max_extent;
        bool dirty = false;
    };

    struct FileCloser {
        void operator()(std::FILE* file) const noexcept { std::fclose(file); }
    };

    void create_file();
    Target create_data(const std::string& path, hsize_t scan_rows);
    Target create_key(const std::string& path);
    void create_finished();
    H5Handle data_creation_properties(const std::string& path) const;

    void write_frame(std::uint64_t index);
    void write_data(Target& target, std::uint64_t dataset_number, std::uint64_t index);
    void grow(Target& target, hsize_t rows);
    void publish(std::uint64_t end);
    void write_keys(std::uint64_t begin, std::uint64_t end);
    void set_finished();
    void record_key_time(std::uint64_t last_index);
    [[noreturn]] void die();

    // Scan position of frame `index` in the scan dimensions, into scan_position_.
    void locate(std::uint64_t index);

    SimOptions options_;
    DatasetPaths paths_;
    hid_t file_type_;
    H5Handle file_;
    std::vector<Target> data_;
    std::vector<Target> keys_;
    H5Handle finished_;
    H5Handle frame_space_;
    std::vector<std::byte> frame_buffer_;
    std::unique_ptr<BitshuffleChunkEncoder> bitshuffle_; // for --compression bitshuffle
    std::vector<hsize_t> scan_position_;
    std::vector<hsize_t> data_start_;
    std::vector<hsize_t> data_count_;
    std::vector<std::int32_t> key_buffer_;
    std::vector<hsize_t> key_coordinates_;
    std::uint64_t keyed_ = 0; // frames whose keys are written and flushed
    std::unique_ptr<std::FILE, FileCloser> key_times_;
};

} // namespace swmrd::sim
