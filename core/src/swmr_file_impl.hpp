#pragma once

#include "handle.hpp"

#include "swmrd/core/swmr_file.hpp"

#include <string>

namespace swmrd::core {

struct SwmrFile::Impl {
    std::string path;
    FileHandle file;
    // Set by confine(): dataset access (a kind of link access, usable for both) whose
    // external link traversals ask `allowed_files`, with relative names resolved from the
    // file's folder.
    PropertyHandle confined_links;
    SwmrFile::FileFilter allowed_files; // empty: no other file
    std::string folder;                 // of `path`, for relative link and source names

    // The other file `name` (as a link or mapping stores it) may be read; else `why`.
    // Relative names resolve from the file's folder, as HDF5 looks for link targets and
    // virtual sources first (no prefix is set, and none from the environment is accepted).
    bool allows(const std::string& name, std::string* why) const;
    std::string resolve(const std::string& name) const;
    // The same for a dataset's external raw storage, whose relative names HDF5 resolves from
    // the working directory.
    bool allows_external_storage(const std::string& name, std::string* why) const;
    std::string resolve_external_storage(const std::string& name) const;
    // The file at `resolved` exists and the confinement allows it.
    bool allows_resolved(const std::string& resolved, std::string* why) const;
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
