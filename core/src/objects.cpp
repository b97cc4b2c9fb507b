#include "objects.hpp"

#include "check.hpp"
#include "swmr_file_impl.hpp"

namespace swmrd::core {

ObjectKind object_kind(hid_t location, const std::string& path) {
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
            const auto exists = H5Lexists(location, prefix.c_str(), H5P_DEFAULT);
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
    if (H5Oexists_by_name(location, prefix.c_str(), H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return ObjectKind::missing;
    }
    H5O_info_t info;
    check(H5Oget_info_by_name2(location, prefix.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
          [&] { return "looking up " + path; });
    return info.type == H5O_TYPE_DATASET ? ObjectKind::dataset : ObjectKind::other;
}

DatasetHandle open_dataset(const SwmrFile& file, const std::string& path, const std::string& role) {
    switch (object_kind(file_id(file), path)) {
    case ObjectKind::missing:
        throw H5Error(role + " " + path + " not found in " + file.path());
    case ObjectKind::other:
        throw H5Error(role + " " + path + " in " + file.path() + " is not a dataset");
    case ObjectKind::dataset:
        break;
    }
    return check_handle<DatasetHandle>(H5Dopen2(file_id(file), path.c_str(), H5P_DEFAULT), [&] {
        return "opening " + role + " " + path + " in " + file.path();
    });
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
    hsize_t n = 1;
    for (std::size_t i = 0; i < rank; ++i)
        n *= dims[i];
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
