// core_script_writer: a SWMR writer driven line by line on stdin, so a test can put a file
// in an exact state (created but not in SWMR mode, finished set before the last key…),
// poll it with the core, and move on. Each command answers "ok" on stdout once done, or
// "error <message>" and the writer exits 1.
//
//   create FILE                         H5Fcreate with libver bounds LATEST
//   key PATH DIMS MAXDIMS               int32 dataset, fill value 0 (DIMS "0x4", MAXDIMS "ux4")
//   data PATH DTYPE DIMS MAXDIMS CHUNK  dataset of DTYPE (<u2, >f8…), fill value 0
//   finished PATH                       scalar int32, 0
//   swmr                                H5Fstart_swmr_write
//   extend PATH DIMS                    H5Dset_extent
//   set PATH FLAT VALUE                 element FLAT (C order over the current extent)
//   frame PATH SCANRANK FLAT DATASET    frame FLAT with swmr-sim's pattern for DATASET
//   flush PATH                          H5Dflush
//   close                               close the file and exit 0

#include "swmr-sim/pattern.hpp"

#include <hdf5.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<hsize_t> parse_dims(const std::string& text) {
    std::vector<hsize_t> dims;
    if (text == "scalar")
        return dims;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, 'x'))
        dims.push_back(part == "u" ? H5S_UNLIMITED : std::stoull(part));
    return dims;
}

hid_t type_of(const std::string& dtype) {
    static const std::map<std::string, hid_t> types{
        {"<u1", H5T_STD_U8LE},   {"|u1", H5T_STD_U8LE},   {"<u2", H5T_STD_U16LE},
        {">u2", H5T_STD_U16BE},  {"<u4", H5T_STD_U32LE},  {"<u8", H5T_STD_U64LE},
        {"<i1", H5T_STD_I8LE},   {"|i1", H5T_STD_I8LE},   {"<i2", H5T_STD_I16LE},
        {"<i4", H5T_STD_I32LE},  {"<i8", H5T_STD_I64LE},  {">i8", H5T_STD_I64BE},
        {"<f4", H5T_IEEE_F32LE}, {"<f8", H5T_IEEE_F64LE}, {">f8", H5T_IEEE_F64BE},
    };
    return types.at(dtype);
}

void check(herr_t status, const std::string& what) {
    if (status < 0)
        throw std::runtime_error(what);
}

hid_t check_id(hid_t id, const std::string& what) {
    check(static_cast<herr_t>(id < 0 ? -1 : 0), what);
    return id;
}

class Writer {
public:
    void run(const std::string& line);

private:
    hid_t dataset(const std::string& path) { return datasets_.at(path); }
    std::vector<hsize_t> extent(hid_t dataset);
    void create_dataset(const std::string& path, hid_t type, const std::vector<hsize_t>& dims,
                        const std::vector<hsize_t>& max_dims, std::vector<hsize_t> chunk);
    void write_points(hid_t dataset, const std::vector<hsize_t>& start,
                      const std::vector<hsize_t>& count, const std::vector<std::uint64_t>& values);

    hid_t file_ = -1;
    std::map<std::string, hid_t> datasets_;
};

std::vector<hsize_t> Writer::extent(hid_t dataset) {
    const hid_t space = check_id(H5Dget_space(dataset), "H5Dget_space");
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    H5Sclose(space);
    return dims;
}

void Writer::create_dataset(const std::string& path, hid_t type, const std::vector<hsize_t>& dims,
                            const std::vector<hsize_t>& max_dims, std::vector<hsize_t> chunk) {
    const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
                                     : H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                                                        max_dims.data());
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (!chunk.empty())
        check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunk " + path);
    const std::int64_t zero = 0;
    check(H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &zero), "fill value " + path);
    datasets_[path] = check_id(
        H5Dcreate2(file_, path.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT), "create " + path);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
}

void Writer::write_points(hid_t dataset, const std::vector<hsize_t>& start,
                          const std::vector<hsize_t>& count,
                          const std::vector<std::uint64_t>& values) {
    const hid_t file_space = H5Dget_space(dataset);
    if (!start.empty())
        check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                  nullptr),
              "select");
    const hsize_t n = values.size();
    const hid_t memory_space = H5Screate_simple(1, &n, nullptr);
    check(
        H5Dwrite(dataset, H5T_NATIVE_UINT64, memory_space, file_space, H5P_DEFAULT, values.data()),
        "write");
    H5Sclose(memory_space);
    H5Sclose(file_space);
}

void Writer::run(const std::string& line) {
    std::istringstream in(line);
    std::string command;
    in >> command;
    if (command == "create") {
        std::string path;
        in >> path;
        const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
        file_ = check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), "create");
        H5Pclose(fapl);
    } else if (command == "key") {
        std::string path, dims, max_dims;
        in >> path >> dims >> max_dims;
        auto chunk = parse_dims(max_dims);
        for (auto& size : chunk)
            size = size == H5S_UNLIMITED ? 16 : size;
        create_dataset(path, H5T_STD_I32LE, parse_dims(dims), parse_dims(max_dims), chunk);
    } else if (command == "data") {
        std::string path, dtype, dims, max_dims, chunk;
        in >> path >> dtype >> dims >> max_dims >> chunk;
        create_dataset(path, type_of(dtype), parse_dims(dims), parse_dims(max_dims),
                       parse_dims(chunk));
    } else if (command == "finished") {
        std::string path;
        in >> path;
        create_dataset(path, H5T_STD_I32LE, {}, {}, {});
        write_points(dataset(path), {}, {}, {0});
    } else if (command == "swmr") {
        check(H5Fstart_swmr_write(file_), "start swmr");
    } else if (command == "extend") {
        std::string path, dims;
        in >> path >> dims;
        check(H5Dset_extent(dataset(path), parse_dims(dims).data()), "extend " + path);
    } else if (command == "set") {
        std::string path;
        std::uint64_t flat = 0, value = 0;
        in >> path >> flat >> value;
        const auto dims = extent(dataset(path));
        std::vector<hsize_t> start(dims.size()), count(dims.size(), 1);
        for (std::size_t dim = dims.size(); dim-- > 0;) {
            start[dim] = flat % dims[dim];
            flat /= dims[dim];
        }
        write_points(dataset(path), start, count, {value});
    } else if (command == "frame") {
        std::string path;
        std::size_t scan_rank = 0;
        std::uint64_t flat = 0, number = 0;
        in >> path >> scan_rank >> flat >> number;
        const auto dims = extent(dataset(path));
        std::vector<hsize_t> start(dims.size(), 0), count(dims);
        std::uint64_t rest = flat;
        hsize_t elements = 1;
        for (std::size_t dim = dims.size(); dim-- > 0;) {
            if (dim < scan_rank) {
                start[dim] = rest % dims[dim];
                rest /= dims[dim];
                count[dim] = 1;
            } else {
                elements *= dims[dim];
            }
        }
        const hid_t type = H5Dget_type(dataset(path));
        const auto item_size = H5Tget_size(type);
        H5Tclose(type);
        std::vector<std::uint64_t> values(elements);
        for (hsize_t j = 0; j < elements; ++j)
            values[j] = swmrd::sim::pattern_value(number, flat, j, item_size);
        write_points(dataset(path), start, count, values);
    } else if (command == "flush") {
        std::string path;
        in >> path;
        check(H5Dflush(dataset(path)), "flush " + path);
    } else if (command == "close") {
        for (auto& [path, id] : datasets_)
            H5Dclose(id);
        check(H5Fclose(file_), "close");
        std::cout << "ok" << std::endl;
        std::exit(0);
    } else {
        throw std::runtime_error("unknown command " + command);
    }
}

} // namespace

int main() {
    Writer writer;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty())
            continue;
        try {
            writer.run(line);
            std::cout << "ok" << std::endl;
        } catch (const std::exception& error) {
            std::cout << "error " << line << ": " << error.what() << std::endl;
            H5Eprint2(H5E_DEFAULT, stderr);
            return 1;
        }
    }
    return 0;
}
