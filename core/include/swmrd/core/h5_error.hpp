#pragma once
// The one exception type of the core layer, and the guard that keeps HDF5 quiet.

#include <stdexcept>
#include <string>
#include <vector>

namespace swmrd::core {

// Thrown by every failed HDF5 call the core makes. what() reads as one message a person can
// act on: what the core was doing (with the file and dataset path) followed by the walked
// HDF5 error stack, innermost cause last. stack() keeps the individual descriptions.
class H5Error : public std::runtime_error {
public:
    H5Error(const std::string& message, std::vector<std::string> stack = {});
    const std::vector<std::string>& stack() const noexcept { return stack_; }

private:
    std::vector<std::string> stack_;
};

// HDF5 prints its error stack to stderr by default, per thread. Every thread that calls into
// the core must be silenced once; the core does it itself on each entry point, so callers only
// need this when they call HDF5 directly.
void silence_hdf5_errors_on_this_thread();

} // namespace swmrd::core
