#include "swmrd/core/h5_error.hpp"

#include "check.hpp"

#include <hdf5.h>

namespace swmrd::core {

namespace {

std::string one_line(const char* text) {
    std::string line = text != nullptr ? text : "";
    for (auto& c : line)
        if (c == '\n')
            c = ' ';
    return line;
}

std::string message_text(hid_t message_id) {
    char text[256] = {};
    if (H5Eget_msg(message_id, nullptr, text, sizeof text) <= 0)
        return {};
    return one_line(text);
}

herr_t collect_entry(unsigned /*n*/, const H5E_error2_t* entry, void* data) {
    auto& stack = *static_cast<std::vector<std::string>*>(data);
    auto description = one_line(entry->func_name) + "(): " + one_line(entry->desc);
    const auto major = message_text(entry->maj_num);
    const auto minor = message_text(entry->min_num);
    if (!major.empty() || !minor.empty())
        description += " [" + major + ": " + minor + "]";
    stack.push_back(std::move(description));
    return 0;
}

std::string join(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts) {
        if (!text.empty())
            text += "; ";
        text += part;
    }
    return text;
}

} // namespace

H5Error::H5Error(const std::string& message, std::vector<std::string> stack)
    : std::runtime_error(message), stack_(std::move(stack)) {}

void silence_hdf5_errors_on_this_thread() {
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

std::vector<std::string> take_error_stack() {
    std::vector<std::string> stack;
    // Downward: the API call first, the innermost cause last, as HDF5 prints it.
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_entry, &stack);
    H5Eclear2(H5E_DEFAULT);
    return stack;
}

void throw_hdf5_failure(const std::string& what) {
    auto stack = take_error_stack();
    const auto details = stack.empty() ? std::string("HDF5 reported no error stack") : join(stack);
    throw H5Error(what + ": " + details, std::move(stack));
}

} // namespace swmrd::core
