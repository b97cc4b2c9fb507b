// Hostile layouts against a confined reader process, as a control watch reads a file: the
// input picks a layout (virtual datasets whose sources lie outside the roots, directly, by a
// relative or printf-style name, through another virtual dataset or a symlink; external raw
// storage; external links; frame shapes of any size, overflowing ones included), this target
// writes it with HDF5 into a root folder, and a real swmrd-reader, confined to that folder,
// opens and reads it through the daemon's own RemoteFrameSource.
//
// The finding is a leak: a frame that carries the secret values kept outside the root. A
// refusal, a reader killed for not answering, or a reader that crashed inside HDF5 is the
// confinement doing its job (the run would end with an error); the next input gets a new
// reader. Runs in `make fuzz` and in CI (fuzz_decoders): HDF5's crashes stay in the reader.
#include "reader/reader_process.hpp"
#include "reader/remote_frame_source.hpp"

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace swmrd;

constexpr std::int64_t secret = 0x5ec5e75ec5e75ec5; // every value of the files outside
constexpr hsize_t points = 4;
constexpr hsize_t width = 3;

// Reads the input a few bytes at a time; past its end, zeros.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
    std::uint64_t u64() {
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i)
            value = value << 8 | byte();
        return value;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

struct Folders {
    fs::path base, root, outside;
};

const Folders& folders() {
    static const Folders made = [] {
        Folders f;
        f.base = fs::path("/dev/shm") / ("swmrd-fuzz-hostile-" + std::to_string(getpid()));
        f.root = f.base / "root";
        f.outside = f.base / "outside";
        fs::create_directories(f.root / "sub");
        fs::create_directories(f.outside);
        return f;
    }();
    return made;
}

hid_t create_file(const fs::path& path) {
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    return file;
}

hid_t group_creation() {
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

// Creates dataset `name` (its groups too) of `dims` and `type` with creation list `dcpl`,
// which it closes, as it closes everything else it made; `values`, when given, are written.
void create_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                    hid_t dcpl, const std::vector<std::int64_t>* values = nullptr) {
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t lcpl = group_creation();
    const hid_t dataset = H5Dcreate2(file, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    if (dataset >= 0) {
        if (values != nullptr)
            H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values->data());
        H5Dclose(dataset);
    }
    H5Pclose(lcpl);
    if (dcpl != H5P_DEFAULT)
        H5Pclose(dcpl);
    H5Sclose(space);
}

void write_dataset(hid_t file, const char* name, const std::vector<std::int64_t>& values,
                   const std::vector<hsize_t>& dims) {
    create_dataset(file, name, H5T_STD_I64LE, dims, H5P_DEFAULT, &values);
}

// The secrets outside the root: an HDF5 file and a raw file, every value `secret`.
void write_secrets() {
    const auto& f = folders();
    const std::vector<std::int64_t> values(points * width, secret);
    const hid_t file = create_file(f.outside / "secret.h5");
    write_dataset(file, "/data", values, {points, width});
    H5Fclose(file);
    FILE* raw = std::fopen((f.outside / "secret.bin").c_str(), "wb");
    std::fwrite(values.data(), sizeof(std::int64_t), values.size(), raw);
    std::fclose(raw);
    for (int i = 0; i < 3; ++i) { // what a printf-style name d%b expands to: links out
        const auto link = f.root / ("d" + std::to_string(i) + ".h5");
        std::error_code ignored;
        fs::remove(link, ignored);
        fs::create_symlink(f.outside / "secret.h5", link, ignored);
    }
}

// A virtual dataset of (points, width) int64 over `source`:/data (`dataset` in it).
void add_virtual(hid_t file, const char* name, const std::string& source,
                 const char* dataset = "/data") {
    const hsize_t dims[2] = {points, width};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_virtual(dcpl, space, source.c_str(), dataset, space);
    H5Sclose(space);
    create_dataset(file, name, H5T_STD_I64LE, {points, width}, dcpl);
}

// The file the reader is given: keys readable for every point, and a data dataset whose
// layout the input picks.
fs::path write_layout(Input& in) {
    const auto& f = folders();
    const auto path = f.root / "scan.h5";
    const hid_t file = create_file(path);
    std::vector<std::int64_t> keys(points);
    for (hsize_t i = 0; i < points; ++i)
        keys[i] = static_cast<std::int64_t>(i + 1);
    write_dataset(file, "/entry/keys/uid", keys, {points});
    const char* data = "/entry/data/data";
    switch (in.byte() % 8) {
    case 0: // a virtual dataset straight out of the root
        add_virtual(file, data, (f.outside / "secret.h5").string());
        break;
    case 1: { // relative and printf-style names, resolved by HDF5's own rules
        static const char* names[] = {"../outside/secret.h5", "secret.h5", "d%b.h5",
                                      "sub/../../outside/secret.h5", "%%secret.h5"};
        add_virtual(file, data, names[in.byte() % 5]);
        break;
    }
    case 2: { // through a virtual dataset inside the root whose source is outside
        const hid_t middle = create_file(f.root / "sub" / "middle.h5");
        add_virtual(middle, "/data", (f.outside / "secret.h5").string());
        H5Fclose(middle);
        add_virtual(file, data, (f.root / "sub" / "middle.h5").string());
        break;
    }
    case 3: { // a source inside the root that is a symlink out
        std::error_code ignored;
        fs::remove(f.root / "sub" / "link.h5", ignored);
        fs::create_symlink(f.outside / "secret.h5", f.root / "sub" / "link.h5", ignored);
        add_virtual(file, data,
                    in.byte() % 2 ? "sub/link.h5" : (f.root / "sub" / "link.h5").string());
        break;
    }
    case 4: { // external raw storage, outside or inside, at offsets the input picks
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        const auto target = in.byte() % 2 ? f.outside / "secret.bin" : f.root / "sub" / "raw.bin";
        H5Pset_external(dcpl, target.c_str(), static_cast<off_t>(in.byte()), points * width * 8);
        create_dataset(file, data, H5T_STD_I64LE, {points, width}, dcpl);
        break;
    }
    case 5: { // an external link out
        const hid_t lcpl = group_creation();
        H5Lcreate_external((f.outside / "secret.h5").c_str(), "/data", file, data, lcpl,
                           H5P_DEFAULT);
        H5Pclose(lcpl);
        break;
    }
    default: { // a chunked frame of a shape the input picks: huge, overflowing, or zero
        std::vector<hsize_t> dims = {points};
        const int frame_rank = 1 + in.byte() % 3;
        for (int d = 0; d < frame_rank; ++d)
            dims.push_back(std::max<hsize_t>(in.u64() >> (in.byte() % 64), 1));
        std::vector<hsize_t> chunk(dims.size(), 1);
        chunk.back() = std::min<hsize_t>(dims.back(), 64);
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
        create_dataset(file, data, H5T_STD_U8LE, dims, dcpl);
    }
    }
    H5Fclose(file);
    return path;
}

bool holds_secret(const std::vector<std::byte>& frame) {
    for (std::size_t at = 0; at + 8 <= frame.size(); at += 8) {
        std::int64_t value;
        std::memcpy(&value, frame.data() + at, 8);
        if (value == secret)
            return true;
    }
    return false;
}

std::unique_ptr<reader::ReaderProcess> confined_reader() {
    auto settings = reader::confined_settings(std::vector<std::string>{folders().root.string()},
                                              64u << 20, std::chrono::milliseconds(3000));
    return std::make_unique<reader::ReaderProcess>(settings);
}

// What a watch does with a file: open it, its keys and data, and read every readable frame.
void read_like_a_watch(reader::ReaderProcess& process, const fs::path& path) {
    std::string why;
    if (!process.try_open(path.string(), &why))
        return;
    reader::RemoteFrameSource source(
        process, {{"/entry/keys/uid"}, {"/entry/data/data"}, {}, std::nullopt, core::Seconds(1)});
    const auto readable = source.data_frontier(source.keys().poll().readable);
    const auto& info = source.member(0, 0);
    if (readable == 0 || info.frame_bytes == 0 || info.frame_bytes > (1u << 20))
        return;
    std::vector<std::byte> frame(info.frame_bytes);
    for (std::uint64_t i = 0; i < readable; ++i) {
        source.read(0, 0, i, 1, frame);
        if (holds_secret(frame))
            __builtin_trap(); // the finding: bytes from outside the root
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    setenv("SWMRD_READER", SWMRD_READER_PATH, 0);
    write_secrets();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<reader::ReaderProcess> process;
    Input in(data, size);
    const auto path = write_layout(in);
    try {
        if (!process)
            process = confined_reader();
        read_like_a_watch(*process, path);
    } catch (const std::exception&) {
        // A refusal; or a hang or a crash, contained: the next input gets a new reader.
        if (process && !process->usable())
            process.reset();
    }
    return 0;
}
