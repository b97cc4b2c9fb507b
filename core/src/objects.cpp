#include "objects.hpp"

#include "check.hpp"
#include "swmr_file_impl.hpp"

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace swmrd::core {

ObjectKind object_kind(hid_t location, const std::string& path, hid_t link_access) {
    // H5Lexists fails (rather than saying no) when a group on the way is missing.
    std::string prefix;
    std::size_t begin = 0;
    while (begin <= path.size()) {
        auto end = path.find('/', begin);
        if (end == std::string::npos)
            end = path.size();
        if (end > begin) {
            prefix += '/';
            prefix.append(path, begin, end - begin);
            const auto exists = H5Lexists(location, prefix.c_str(), link_access);
            if (exists <= 0) {
                H5Eclear2(H5E_DEFAULT);
                return ObjectKind::missing;
            }
        }
        begin = end + 1;
    }
    if (prefix.empty())
        return ObjectKind::other; // the root group
    // A dangling soft or external link exists as a link but not as an object.
    if (H5Oexists_by_name(location, prefix.c_str(), link_access) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return ObjectKind::missing;
    }
    H5O_info_t info;
    check(H5Oget_info_by_name2(location, prefix.c_str(), &info, H5O_INFO_BASIC, link_access),
          [&] { return "looking up " + path; });
    return info.type == H5O_TYPE_DATASET ? ObjectKind::dataset : ObjectKind::other;
}

namespace {

// The file an external link at `link` names, as stored in the link.
std::string external_target(const SwmrFile& file, const std::string& link, std::size_t size) {
    std::vector<char> value(size);
    unsigned flags = 0;
    const char* target_file = nullptr;
    const char* target_object = nullptr;
    if (H5Lget_val(file_id(file), link.c_str(), value.data(), value.size(), H5P_DEFAULT) < 0 ||
        H5Lunpack_elink_val(value.data(), value.size(), &flags, &target_file, &target_object) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return {};
    }
    return target_file != nullptr ? target_file : "";
}

// Why a confined file's path may not be followed: the first external link on the way to a
// file the confinement refuses, soft links followed (relative ones from their group).
// Empty when it may.
std::string refused_link_on_path(const SwmrFile& file, const std::string& path, int depth = 0) {
    std::string prefix;
    std::size_t begin = 0;
    while (begin < path.size()) {
        auto end = path.find('/', begin);
        if (end == std::string::npos)
            end = path.size();
        if (end > begin) {
            const auto parent = prefix;
            prefix += '/';
            prefix.append(path, begin, end - begin);
            H5L_info_t link{};
            if (H5Lget_info(file_id(file), prefix.c_str(), &link, H5P_DEFAULT) < 0) {
                H5Eclear2(H5E_DEFAULT);
                return {};
            }
            if (link.type == H5L_TYPE_EXTERNAL) {
                const auto target = external_target(file, prefix, link.u.val_size);
                std::string why;
                if (file.impl().allows(target, &why))
                    return {}; // what lies beyond, HDF5 asks about as it traverses
                return "leads through an external link (" + prefix + ") to " +
                       file.impl().resolve(target) + ", which is not followed: " + why;
            }
            if (link.type == H5L_TYPE_SOFT) {
                if (depth >= 16)
                    return "leads through a loop of soft links (" + prefix + ")";
                std::string target(link.u.val_size, '\0');
                if (H5Lget_val(file_id(file), prefix.c_str(), target.data(), target.size(),
                               H5P_DEFAULT) < 0) {
                    H5Eclear2(H5E_DEFAULT);
                    return {};
                }
                target.resize(std::char_traits<char>::length(target.c_str()));
                const auto resolved = target.starts_with('/') ? target : parent + "/" + target;
                return refused_link_on_path(file, resolved + path.substr(end), depth + 1);
            }
        }
        begin = end + 1;
    }
    return {};
}

// Why a virtual dataset may not be read: a source in a file the confinement refuses.
// Sources in the file itself (".") are read as any dataset.
std::string refused_virtual_source(const SwmrFile& file, hid_t creation) {
    std::size_t count = 0;
    if (H5Pget_virtual_count(creation, &count) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return "its mappings cannot be read";
    }
    for (std::size_t i = 0; i < count; ++i) {
        const auto size = H5Pget_virtual_filename(creation, i, nullptr, 0);
        if (size < 0) {
            H5Eclear2(H5E_DEFAULT);
            return "its mappings cannot be read";
        }
        std::string name(static_cast<std::size_t>(size) + 1, '\0');
        H5Pget_virtual_filename(creation, i, name.data(), name.size());
        name.resize(static_cast<std::size_t>(size));
        if (name == ".")
            continue;
        // HDF5 would look under this prefix first, where the check below does not.
        if (const char* prefix = std::getenv("HDF5_VDS_PREFIX"); prefix != nullptr && *prefix)
            return "maps " + name +
                   ", and the daemon's environment sets HDF5_VDS_PREFIX, "
                   "which could take it elsewhere";
        std::string why;
        if (!file.impl().allows(name, &why))
            return "maps " + file.impl().resolve(name) + ", which is not read: " + why;
    }
    return {};
}

// Why a dataset's external raw storage may not be read: a file the confinement refuses.
std::string refused_external_storage(const SwmrFile& file, hid_t creation) {
    const int count = H5Pget_external_count(creation);
    if (count < 0) {
        H5Eclear2(H5E_DEFAULT);
        return "its external storage cannot be read";
    }
    for (int i = 0; i < count; ++i) {
        std::vector<char> name(4096, '\0');
        off_t offset = 0;
        hsize_t size = 0;
        if (H5Pget_external(creation, static_cast<unsigned>(i), name.size(), name.data(), &offset,
                            &size) < 0) {
            H5Eclear2(H5E_DEFAULT);
            return "its external storage cannot be read";
        }
        const std::string stored(name.data());
        if (const char* prefix = std::getenv("HDF5_EXTFILE_PREFIX"); prefix != nullptr && *prefix)
            return "stores its values in the external file " + stored +
                   ", and the daemon's environment sets HDF5_EXTFILE_PREFIX, which could take "
                   "it elsewhere";
        std::string why;
        if (!file.impl().allows_external_storage(stored, &why))
            return "stores its values in the external file " +
                   file.impl().resolve_external_storage(stored) + ", which is not read: " + why;
    }
    return {};
}

} // namespace

DatasetHandle open_dataset(const SwmrFile& file, const std::string& path, const std::string& role) {
    if (is_confined(file)) {
        if (const auto refused = refused_link_on_path(file, path); !refused.empty())
            throw H5Error(role + " " + path + " in " + file.path() + " " + refused +
                          " (a watch started by control stays inside the allowed roots)");
    }
    switch (object_kind(file_id(file), path, link_access(file))) {
    case ObjectKind::missing:
        throw H5Error(role + " " + path + " not found in " + file.path());
    case ObjectKind::other:
        throw H5Error(role + " " + path + " in " + file.path() + " is not a dataset");
    case ObjectKind::dataset:
        break;
    }
    auto dataset =
        check_handle<DatasetHandle>(H5Dopen2(file_id(file), path.c_str(), link_access(file)), [&] {
            return "opening " + role + " " + path + " in " + file.path();
        });
    if (is_confined(file)) {
        auto creation = check_handle<PropertyHandle>(H5Dget_create_plist(dataset.get()), [&] {
            return "reading the layout of " + role + " " + path + " in " + file.path();
        });
        if (H5Pget_layout(creation.get()) == H5D_VIRTUAL) {
            if (const auto refused = refused_virtual_source(file, creation.get()); !refused.empty())
                throw H5Error(role + " " + path + " in " + file.path() +
                              " is a virtual dataset that " + refused +
                              " (a watch started by control stays inside the allowed roots)");
        }
        // Contiguous data may live in raw files named by the dataset (h5py `external=`).
        if (const auto refused = refused_external_storage(file, creation.get()); !refused.empty())
            throw H5Error(role + " " + path + " in " + file.path() + " " + refused +
                          " (a watch started by control stays inside the allowed roots)");
    }
    return dataset;
}

Extent dataset_extent(hid_t dataset, const std::string& what) {
    auto space = check_handle<SpaceHandle>(H5Dget_space(dataset), [&] { return what; });
    const auto rank = check(H5Sget_simple_extent_ndims(space.get()), [&] { return what; });
    Extent extent;
    extent.dims.resize(static_cast<std::size_t>(rank));
    extent.max_dims.resize(static_cast<std::size_t>(rank));
    check(H5Sget_simple_extent_dims(space.get(), extent.dims.data(), extent.max_dims.data()),
          [&] { return what; });
    return extent;
}

hsize_t product(const hsize_t* dims, std::size_t rank) noexcept {
    return checked_product(dims, rank).value_or(std::numeric_limits<hsize_t>::max());
}

std::optional<hsize_t> checked_product(const hsize_t* dims, std::size_t rank) noexcept {
    hsize_t n = 1;
    for (std::size_t i = 0; i < rank; ++i)
        if (__builtin_mul_overflow(n, dims[i], &n))
            return std::nullopt;
    return n;
}

const char* type_class_name(H5T_class_t type_class) noexcept {
    switch (type_class) {
    case H5T_INTEGER:
        return "integer";
    case H5T_FLOAT:
        return "float";
    case H5T_TIME:
        return "time";
    case H5T_STRING:
        return "string";
    case H5T_BITFIELD:
        return "bitfield";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_COMPOUND:
        return "compound";
    case H5T_REFERENCE:
        return "reference";
    case H5T_ENUM:
        return "enum";
    case H5T_VLEN:
        return "variable length";
    case H5T_ARRAY:
        return "array";
    default:
        return "unknown";
    }
}

std::string shape_text(const std::vector<hsize_t>& dims) {
    std::string text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0)
            text += ", ";
        text += dims[i] == H5S_UNLIMITED ? std::string("unlimited") : std::to_string(dims[i]);
    }
    if (dims.size() == 1)
        text += ",";
    return text + ")";
}

} // namespace swmrd::core
