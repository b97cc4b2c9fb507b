#pragma once
// The one place HDF5 return values are checked. A negative return walks HDF5's error stack
// and throws H5Error("<what the core was doing>: <stack>"). The description is a callable,
// so the message is only built on failure and the hot paths allocate nothing.

#include "handle.hpp"

#include "swmrd/core/h5_error.hpp"

#include <hdf5.h>

#include <string>
#include <vector>

namespace swmrd::core {

// The descriptions of the current thread's HDF5 error stack, outermost call first, and
// clears it.
std::vector<std::string> take_error_stack();

// Throws H5Error(what + ": " + the walked stack).
[[noreturn]] void throw_hdf5_failure(const std::string& what);

// Status returns (herr_t, htri_t, ssize_t…): negative is failure.
template <class T, class Describe> T check(T status, Describe&& describe) {
    if (status < 0)
        throw_hdf5_failure(describe());
    return status;
}

template <class H, class Describe> H check_handle(hid_t id, Describe&& describe) {
    if (id < 0)
        throw_hdf5_failure(describe());
    return H(id);
}

} // namespace swmrd::core
