#include "dtype.hpp"

#include "check.hpp"
#include "objects.hpp"

namespace swmrd::core {

namespace {

// h5py's bool: an 8-bit enum of FALSE = 0 and TRUE = 1, which NumPy reads as `|b1`.
bool is_h5py_bool(hid_t type) {
    if (H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2)
        return false;
    for (unsigned member = 0; member < 2; ++member) {
        char* name = H5Tget_member_name(type, member);
        signed char value = -1;
        const bool has_value = H5Tget_member_value(type, member, &value) >= 0;
        const std::string text = name != nullptr ? name : "";
        H5free_memory(name);
        if (!has_value || text != (member == 0 ? "FALSE" : "TRUE") ||
            value != static_cast<signed char>(member))
            return false;
    }
    return true;
}

// IEEE half, single and double precision: the floats NumPy has a portable dtype for.
bool is_ieee_float(hid_t type, std::size_t size) {
    std::size_t sign = 0, exponent_at = 0, exponent_bits = 0, mantissa_at = 0, mantissa_bits = 0;
    if (H5Tget_fields(type, &sign, &exponent_at, &exponent_bits, &mantissa_at, &mantissa_bits) < 0)
        return false;
    const auto bits = size * 8;
    const std::size_t expected_exponent = size == 2 ? 5 : size == 4 ? 8 : 11;
    return H5Tget_precision(type) == bits && H5Tget_offset(type) == 0 && sign == bits - 1 &&
           exponent_bits == expected_exponent && mantissa_at == 0 &&
           mantissa_bits == bits - 1 - expected_exponent;
}

char byte_order_of(hid_t type, std::size_t size) {
    if (size == 1)
        return '|';
    switch (H5Tget_order(type)) {
    case H5T_ORDER_LE:
        return '<';
    case H5T_ORDER_BE:
        return '>';
    default:
        return '\0';
    }
}

} // namespace

TypeDescription describe_type(hid_t type) {
    TypeDescription description;
    const auto what = [] { return std::string("reading a dataset's type"); };
    auto type_class = check(H5Tget_class(type), what);
    const auto size = H5Tget_size(type);
    description.item_size = size;
    description.in_words = type_class_name(type_class);
    const auto bits = std::to_string(size * 8) + "-bit ";
    char kind = 'f';
    if (type_class == H5T_ENUM) {
        if (is_h5py_bool(type)) {
            description.dtype = "|b1";
            description.in_words = "bool";
            return description;
        }
        // Other enums read as their integer values, as NumPy shows them.
        TypeHandle base(H5Tget_super(type));
        if (!base.valid())
            return description;
        auto integer = describe_type(base.get());
        integer.in_words = "enum of " + integer.in_words;
        return integer;
    }
    if (type_class == H5T_FLOAT) {
        description.in_words = bits + "float";
        if (size > 8)
            description.in_words += " (long double, which has no portable NumPy dtype)";
        if ((size != 2 && size != 4 && size != 8) || !is_ieee_float(type, size))
            return description;
    } else if (type_class == H5T_INTEGER) {
        const bool is_unsigned = check(H5Tget_sign(type), what) == H5T_SGN_NONE;
        kind = is_unsigned ? 'u' : 'i';
        description.in_words = bits + (is_unsigned ? "unsigned " : "signed ") + "integer";
        if ((size != 1 && size != 2 && size != 4 && size != 8) ||
            H5Tget_precision(type) != size * 8 || H5Tget_offset(type) != 0)
            return description;
    } else {
        return description;
    }
    const char order = byte_order_of(type, size);
    if (order == '\0')
        return description;
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
