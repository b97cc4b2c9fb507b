#pragma once

#include "handle.hpp"

#include "swmrd/core/swmr_file.hpp"

#include <string>

namespace swmrd::core {

struct SwmrFile::Impl {
    std::string path;
    FileHandle file;
};

inline hid_t file_id(const SwmrFile& file) {
    return file.impl().file.get();
}

} // namespace swmrd::core
