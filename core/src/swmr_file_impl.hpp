#pragma once

#include "handle.hpp"

#include "swmrd/core/swmr_file.hpp"

#include <string>

namespace swmrd::core {

struct SwmrFile::Impl {
    std::string path;
    FileHandle file;
    // Set by confine_to_this_file(): dataset access (a kind of link access, usable for
    // both) that refuses external links.
    PropertyHandle confined_links;
};

inline hid_t file_id(const SwmrFile& file) {
    return file.impl().file.get();
}

// The link (and dataset) access properties every lookup in `file` uses.
inline hid_t link_access(const SwmrFile& file) {
    const auto& confined = file.impl().confined_links;
    return confined.valid() ? confined.get() : H5P_DEFAULT;
}

inline bool is_confined(const SwmrFile& file) {
    return file.impl().confined_links.valid();
}

} // namespace swmrd::core
