#pragma once
// The one exception type of swmr-sim: bad options and HDF5 failures alike carry a message
// that names what was wrong; main decides the exit status.

#include <stdexcept>

namespace swmrd::sim {

class SimError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace swmrd::sim
