#include "hdf5_handle.hpp"

#include "sim_error.hpp"

#include <utility>

namespace swmrd::sim {

namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* error, void* data) {
    auto& text = *static_cast<std::string*>(data);
    if (error->desc != nullptr && error->desc[0] != '\0') {
        text += text.empty() ? "" : "; ";
        for (const char* c = error->desc; *c != '\0'; ++c) {
            // Some descriptions span lines; a message stays on one.
            if (*c != '\n') {
                text += *c;
            }
        }
    }
    return 0;
}

// The innermost descriptions first: they say what actually went wrong.
std::string take_error_stack() {
    std::string text;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &text);
    H5Eclear2(H5E_DEFAULT);
    return text.empty() ? "HDF5 error" : text;
}

} // namespace

H5Handle::H5Handle(H5Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

H5Handle& H5Handle::operator=(H5Handle&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = std::exchange(other.id_, H5I_INVALID_HID);
        closer_ = other.closer_;
    }
    return *this;
}

H5Handle::~H5Handle() {
    reset();
}

void H5Handle::reset() noexcept {
    if (id_ >= 0 && closer_ != nullptr) {
        closer_(id_);
    }
    id_ = H5I_INVALID_HID;
}

void silence_hdf5_errors() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

herr_t check(herr_t status, std::string_view what) {
    if (status < 0) {
        throw SimError(std::string(what) + ": " + take_error_stack());
    }
    return status;
}

H5Handle check_id(hid_t id, H5Handle::Closer closer, std::string_view what) {
    if (id < 0) {
        throw SimError(std::string(what) + ": " + take_error_stack());
    }
    return H5Handle(id, closer);
}

} // namespace swmrd::sim
