#pragma once
// Thin RAII over HDF5 ids for the simulator. Every C call goes through check() or
// check_id(), which turn a negative return into a SimError carrying the walked HDF5 error
// stack, so no failure goes unnoticed and HDF5 itself never prints.

#include <hdf5.h>

#include <string>
#include <string_view>

namespace swmrd::sim {

// Owns one HDF5 id and closes it with the matching H5?close function.
class H5Handle {
public:
    using Closer = herr_t (*)(hid_t);

    H5Handle() = default;
    H5Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
    H5Handle(const H5Handle&) = delete;
    H5Handle& operator=(const H5Handle&) = delete;
    H5Handle(H5Handle&& other) noexcept;
    H5Handle& operator=(H5Handle&& other) noexcept;
    ~H5Handle();

    hid_t get() const noexcept { return id_; }

private:
    void reset() noexcept;

    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
};

// Stops HDF5 printing its error stack in the calling thread; failures are reported through
// SimError instead.
void silence_hdf5_errors();

// Throws SimError("<what>: <HDF5 error stack>") when `status` is negative.
herr_t check(herr_t status, std::string_view what);

// As check(), for calls that return an id; wraps it so it is closed with `closer`.
H5Handle check_id(hid_t id, H5Handle::Closer closer, std::string_view what);

} // namespace swmrd::sim
