#pragma once
// NumPy array-interface type strings ("<u2", ">f8", "|u1") to and from HDF5 types.

#include <hdf5.h>

#include <cstddef>
#include <optional>
#include <string>

namespace swmrd::core {

struct TypeDescription {
    // nullopt: not an integer of 1, 2, 4 or 8 bytes, an IEEE float of 2, 4 or 8 bytes, or a
    // bool (enums other than bool read as their integer type)
    std::optional<std::string> dtype;
    std::size_t item_size = 0;
    std::string in_words; // "compound", "128-bit float (long double…)"…, for messages
};

TypeDescription describe_type(hid_t type);

// The predefined HDF5 type of a dtype string (not to be closed); nullopt when unsupported.
std::optional<hid_t> hdf5_type_of(const std::string& dtype);

} // namespace swmrd::core
