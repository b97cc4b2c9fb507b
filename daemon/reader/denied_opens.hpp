#pragma once
// The files this process was refused opening (EACCES, EPERM): HDF5 reads a virtual dataset
// whose source it cannot open as fill values, without any error, so the reader process keeps
// its own record of refusals, through an `open` that shadows libc's for libhdf5 (this
// executable exports it), and ends the request that met one with an error naming the file.

#include <string>
#include <vector>

namespace swmrd::reader {

// The paths refused since the last call, oldest first; the record starts empty again.
std::vector<std::string> take_denied_opens();

} // namespace swmrd::reader
