#pragma once
// One owner per HDF5 id, closed with the function of its kind, so no id leaks on any path
// (exceptions included) and none is closed with the wrong call.

#include <hdf5.h>

#include <utility>

namespace swmrd::core {

template <herr_t (*Close)(hid_t)> class Handle {
public:
    Handle() noexcept = default;
    explicit Handle(hid_t id) noexcept : id_(id) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    ~Handle() { reset(); }

    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }

    void reset() noexcept {
        // A close can only fail on an id that is already invalid: nothing to report.
        if (id_ >= 0)
            Close(id_);
        id_ = H5I_INVALID_HID;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
};

using FileHandle = Handle<H5Fclose>;
using DatasetHandle = Handle<H5Dclose>;
using SpaceHandle = Handle<H5Sclose>;
using TypeHandle = Handle<H5Tclose>;
using PropertyHandle = Handle<H5Pclose>;

} // namespace swmrd::core
