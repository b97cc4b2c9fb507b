// Writes the test vectors: proto_vectors <directory>, normally tests/data/proto.
// Regenerating them is a deliberate act: it changes the bytes other implementations test
// against (see tests/data/proto/README.md).

#include "vectors.hpp"

#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

void write_file(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

} // namespace

int main(int argc, char** argv) try {
    if (argc != 2) {
        std::cerr << "usage: proto_vectors <directory>\n";
        return 2;
    }
    const std::filesystem::path directory = argv[1];
    if (!std::filesystem::is_directory(directory))
        throw std::runtime_error(directory.string() + " is not a directory");
    for (const auto& vector : swmrd::proto::testing::all_vectors()) {
        const std::string bytes = swmrd::proto::testing::encode(vector);
        write_file(directory / (vector.name + ".msgpack"), bytes);
        write_file(directory / (vector.name + ".json"), swmrd::proto::testing::json_twin(bytes));
    }
    std::cout << "wrote " << swmrd::proto::testing::all_vectors().size() << " vectors to "
              << directory.string() << "\n";
    return 0;
} catch (const std::exception& error) {
    std::cerr << "proto_vectors: " << error.what() << "\n";
    return 1;
}
