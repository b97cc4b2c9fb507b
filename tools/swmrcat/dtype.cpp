#include "swmrcat/dtype.hpp"

namespace swmrd::cat {

std::optional<Dtype> parse_dtype(std::string_view text) {
    if (text.size() != 3)
        return std::nullopt;
    Dtype dtype;
    switch (text[1]) {
    case 'i':
        dtype.kind = DtypeKind::signed_int;
        break;
    case 'u':
        dtype.kind = DtypeKind::unsigned_int;
        break;
    case 'f':
        dtype.kind = DtypeKind::floating;
        break;
    case 'b':
        dtype.kind = DtypeKind::boolean;
        break;
    default:
        return std::nullopt;
    }
    switch (text[2]) {
    case '1':
    case '2':
    case '4':
    case '8':
        dtype.size = static_cast<std::size_t>(text[2] - '0');
        break;
    default:
        return std::nullopt;
    }
    if (dtype.kind == DtypeKind::boolean && dtype.size != 1)
        return std::nullopt;
    if (dtype.kind == DtypeKind::floating && dtype.size == 1)
        return std::nullopt;
    switch (text[0]) {
    case '<':
        break;
    case '>':
        dtype.big_endian = true;
        break;
    case '|':
        if (dtype.size != 1)
            return std::nullopt;
        break;
    default:
        return std::nullopt;
    }
    return dtype;
}

std::string numpy_name(const Dtype& dtype) {
    const auto bits = std::to_string(dtype.size * 8);
    switch (dtype.kind) {
    case DtypeKind::signed_int:
        return "int" + bits;
    case DtypeKind::unsigned_int:
        return "uint" + bits;
    case DtypeKind::floating:
        return "float" + bits;
    case DtypeKind::boolean:
        return "bool";
    }
    return "?";
}

} // namespace swmrd::cat
