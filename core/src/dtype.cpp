#include "dtype.hpp"

#include "check.hpp"
#include "objects.hpp"

namespace swmrd::core {

TypeDescription describe_type(hid_t type) {
    TypeDescription description;
    const auto type_class =
        check(H5Tget_class(type), [] { return std::string("reading a dataset's type"); });
    const auto size = H5Tget_size(type);
    description.item_size = size;
    description.in_words = type_class_name(type_class);
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT)
        return description;
    const auto bits = std::to_string(size * 8) + "-bit ";
    const auto what = [] { return std::string("reading a dataset's type"); };
    char kind = 'f';
    if (type_class == H5T_FLOAT) {
        description.in_words = bits + "float";
        // Only IEEE single and double have a NumPy dtype the subscribers can rely on.
        if ((size != 4 && size != 8) || H5Tget_precision(type) != size * 8)
            return description;
    } else {
        const bool is_unsigned = check(H5Tget_sign(type), what) == H5T_SGN_NONE;
        kind = is_unsigned ? 'u' : 'i';
        description.in_words = bits + (is_unsigned ? "unsigned " : "signed ") + "integer";
        if ((size != 1 && size != 2 && size != 4 && size != 8) ||
            H5Tget_precision(type) != size * 8)
            return description;
    }
    char order = '|';
    if (size > 1) {
        const auto byte_order = check(H5Tget_order(type), what);
        if (byte_order != H5T_ORDER_LE && byte_order != H5T_ORDER_BE)
            return description;
        order = byte_order == H5T_ORDER_LE ? '<' : '>';
    }
    description.dtype = std::string{order, kind} + std::to_string(size);
    return description;
}

std::optional<hid_t> hdf5_type_of(const std::string& dtype) {
    if (dtype.size() != 3)
        return std::nullopt;
    const char order = dtype[0];
    const char kind = dtype[1];
    const char size = dtype[2];
    bool big = false;
    if (order == '>')
        big = true;
    else if (order == '|' && size != '1')
        return std::nullopt;
    else if (order != '<' && order != '|' && order != '=')
        return std::nullopt;
    if (order == '=')
        big = H5Tget_order(H5T_NATIVE_INT) == H5T_ORDER_BE;
    switch (kind) {
    case 'f':
        if (size == '4')
            return big ? H5T_IEEE_F32BE : H5T_IEEE_F32LE;
        if (size == '8')
            return big ? H5T_IEEE_F64BE : H5T_IEEE_F64LE;
        return std::nullopt;
    case 'i':
        switch (size) {
        case '1':
            return H5T_STD_I8LE;
        case '2':
            return big ? H5T_STD_I16BE : H5T_STD_I16LE;
        case '4':
            return big ? H5T_STD_I32BE : H5T_STD_I32LE;
        case '8':
            return big ? H5T_STD_I64BE : H5T_STD_I64LE;
        default:
            return std::nullopt;
        }
    case 'u':
        switch (size) {
        case '1':
            return H5T_STD_U8LE;
        case '2':
            return big ? H5T_STD_U16BE : H5T_STD_U16LE;
        case '4':
            return big ? H5T_STD_U32BE : H5T_STD_U32LE;
        case '8':
            return big ? H5T_STD_U64BE : H5T_STD_U64LE;
        default:
            return std::nullopt;
        }
    default:
        return std::nullopt;
    }
}

} // namespace swmrd::core
