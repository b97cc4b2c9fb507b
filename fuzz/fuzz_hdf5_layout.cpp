// The HDF5 layout reader on mutated small files: the bytes are written to a file, opened for
// SWMR reading as a watch opens one, and read as a watch reads it (keys, layout, slice, one
// frame). Refusals are H5Error; a crash inside HDF5 1.10.8 itself is a finding recorded in
// fuzz/README.md. Runs under `make fuzz` only: HDF5 is known to crash on hostile files.
#include <swmrd/core/frame_source.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

const std::string& scratch_path() {
    static const std::string path =
        "/dev/shm/swmrd-fuzz-" + std::to_string(static_cast<long>(getpid())) + ".h5";
    return path;
}

// What a watch does with a file it opened, bounded so that a hostile extent cannot make the
// target allocate gigabytes.
void read_like_a_watch(const swmrd::core::SwmrFile& file) {
    using namespace swmrd::core;
    FrameSourceOptions options;
    options.keys = {"/entry/keys/uid"};
    options.datasets = {"/entry/data/data"};
    options.finished = "/entry/finished";
    FrameSource source(file, options);
    const auto poll = source.keys().poll();
    if (!source.layout_known() || poll.readable == 0)
        return;
    const auto readable = source.data_frontier(poll.readable);
    if (readable == 0)
        return;
    (void)source.slice_of(0);
    const auto& info = source.member(0, 0);
    if (info.frame_bytes == 0 || info.frame_bytes > (16u << 20) || source.missing_filter(0, 0))
        return;
    std::vector<std::byte> frame(info.frame_bytes);
    source.read(0, 0, 0, 1, frame);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        std::string why;
        if (auto file = swmrd::core::SwmrFile::try_open(scratch_path(), &why))
            read_like_a_watch(*file);
    } catch (const std::exception&) {
        // H5Error and friends: a refusal, as a watch would report it.
    }
    return 0;
}
