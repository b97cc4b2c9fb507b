#pragma once
// The NumPy array-interface type strings docs/protocol.md allows in `dtype`: byte order (`<`, `>`,
// `|`), kind (`i`, `u`, `f`, `b`) and item size.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace swmrd::cat {

enum class DtypeKind { signed_int, unsigned_int, floating, boolean };

struct Dtype {
    DtypeKind kind = DtypeKind::unsigned_int;
    std::size_t size = 1;    // bytes per item
    bool big_endian = false; // meaningless for one-byte items
    bool operator==(const Dtype&) const = default;
};

// nullopt for anything a v1 message cannot carry: an unknown kind or size, `|` on a multi-byte
// type (its byte order would be unknown), or trailing characters.
std::optional<Dtype> parse_dtype(std::string_view text);

// NumPy's name of the type: "int64", "uint16", "float32", "bool".
std::string numpy_name(const Dtype& dtype);

} // namespace swmrd::cat
