#include "swmrd/core/swmr_file.hpp"

#include "check.hpp"
#include "objects.hpp"
#include "swmr_file_impl.hpp"

#include "swmrd/core/h5_error.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>

namespace swmrd::core {

namespace {

constexpr auto retry_interval = std::chrono::milliseconds(20);
// Metadata read attempts for a checksum that fails; see try_open().
constexpr unsigned metadata_read_attempts = 20;

// What HDF5 says while a writer is still creating a file, and what that means.
struct TransientError {
    const char* hdf5_text;
    const char* meaning;
};

constexpr std::array transient_errors{
    TransientError{"unable to lock file",
                   "the file is locked by its writer, which has not started SWMR mode yet"},
    TransientError{"file is not already open for SWMR writing",
                   "its writer has not started SWMR mode yet"},
    TransientError{"truncated file", "the file is truncated: its writer is still creating it"},
    TransientError{"address of object past end of allocation",
                   "its writer is still writing its metadata"},
    TransientError{"bad object header version number", "its writer is still writing its metadata"},
    TransientError{"No such file or directory", "the file does not exist yet"},
};

const TransientError* find_transient(const std::vector<std::string>& stack) {
    for (const auto& entry : stack)
        for (const auto& transient : transient_errors)
            if (entry.find(transient.hdf5_text) != std::string::npos)
                return &transient;
    return nullptr;
}

// HDF5 looks for its signature at 0 and at every power of two from 512 (after a user block).
bool has_hdf5_signature(const std::string& path, std::uint64_t size) {
    static constexpr char signature[8] = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};
    std::ifstream in(path, std::ios::binary);
    for (std::uint64_t offset = 0; offset + sizeof signature <= size;
         offset = offset == 0 ? 512 : offset * 2) {
        char bytes[sizeof signature] = {};
        in.seekg(static_cast<std::streamoff>(offset));
        if (!in.read(bytes, sizeof bytes))
            return false;
        if (std::memcmp(bytes, signature, sizeof signature) == 0)
            return true;
    }
    return false;
}

std::string join(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts)
        text += (text.empty() ? "" : "; ") + part;
    return text;
}

std::optional<SwmrFile> transient(std::string* why, std::string reason) {
    if (why != nullptr)
        *why = std::move(reason);
    return std::nullopt;
}

} // namespace

SwmrFile::SwmrFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SwmrFile::SwmrFile(SwmrFile&&) noexcept = default;
SwmrFile& SwmrFile::operator=(SwmrFile&&) noexcept = default;
SwmrFile::~SwmrFile() = default;

std::optional<SwmrFile> SwmrFile::try_open(const std::string& path, std::string* why, bool apart) {
    silence_hdf5_errors_on_this_thread();
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        const int error = errno;
        if (error == ENOENT)
            return transient(why, "the file does not exist yet");
        throw H5Error("cannot open " + path + ": " + std::strerror(error));
    }
    if (S_ISDIR(status.st_mode))
        throw H5Error(path + " is a directory, not an HDF5 file");
    if (status.st_size == 0)
        return transient(why, "the file is empty: its writer has only just created it");

    const auto describe = [&] { return "opening " + path; };
    auto access = check_handle<PropertyHandle>(H5Pcreate(H5P_FILE_ACCESS), describe);
    // A SWMR reader retries a metadata read whose checksum fails (the writer may be midway
    // through flushing it), by default 100 times with sleeps growing to 1 s: about 80 s for
    // each damaged entry, under HDF5's global lock, so a corrupt or hostile file stalled every
    // watch for minutes (found by fuzzing). 20 attempts still ride out a flush in progress
    // (they span about 1 s) and fail a damaged file within seconds.
    check(H5Pset_metadata_read_attempts(access.get(), metadata_read_attempts), describe);
    // No file lock: a reader that takes even a brief shared lock while its writer is inside
    // H5Fstart_swmr_write (which unlocks and locks again) makes the writer fail with "unable
    // to lock file" - measured with two watches retrying a file as its writer starts. A file
    // not in SWMR mode yet is still refused, by its superblock's status flags.
    check(H5Pset_file_locking(access.get(), false, true), describe);
    if (apart)
        check(H5Pset_fapl_log(access.get(), nullptr, 0, 0), describe);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, access.get());
    if (id >= 0) {
        auto impl = std::make_unique<Impl>();
        impl->path = path;
        impl->file = FileHandle(id);
        return SwmrFile(std::move(impl));
    }
    auto stack = take_error_stack();
    if (const auto* found = find_transient(stack))
        return transient(why, std::string(found->meaning) + " (" + found->hdf5_text + ")");
    if (!has_hdf5_signature(path, static_cast<std::uint64_t>(status.st_size)))
        throw H5Error(path + " is not an HDF5 file (no HDF5 signature in it)", std::move(stack));
    const auto details = join(stack);
    throw H5Error("cannot open " + path + " for SWMR reading: " + details, std::move(stack));
}

SwmrFile SwmrFile::open(const std::string& path, Clock::time_point deadline) {
    std::string why;
    for (;;) {
        if (auto file = try_open(path, &why))
            return std::move(*file);
        const auto now = Clock::now();
        if (now >= deadline)
            throw H5Error("cannot open " + path + " for SWMR reading before the deadline: " + why);
        std::this_thread::sleep_for(std::min<Clock::duration>(retry_interval, deadline - now));
    }
}

const std::string& SwmrFile::path() const noexcept {
    return impl_->path;
}

std::string SwmrFile::opened_path() const {
    silence_hdf5_errors_on_this_thread();
    void* handle = nullptr;
    if (H5Fget_vfd_handle(impl_->file.get(), H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
        H5Eclear2(H5E_DEFAULT);
        return {};
    }
    const int fd = *static_cast<int*>(handle);
    std::error_code error;
    auto target =
        std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), error).string();
    return error ? std::string() : target;
}

bool SwmrFile::has_dataset(const std::string& dataset_path) const {
    silence_hdf5_errors_on_this_thread();
    return object_kind(impl_->file.get(), dataset_path, link_access(*this)) == ObjectKind::dataset;
}

std::string SwmrFile::Impl::resolve(const std::string& name) const {
    const std::filesystem::path target(name);
    return (target.is_absolute() ? target : std::filesystem::path(folder) / target)
        .lexically_normal()
        .string();
}

bool SwmrFile::Impl::allows(const std::string& name, std::string* why) const {
    return allows_resolved(resolve(name), why);
}

std::string SwmrFile::Impl::resolve_external_storage(const std::string& name) const {
    const std::filesystem::path target(name);
    std::error_code error;
    const auto here = std::filesystem::current_path(error);
    return (target.is_absolute() || error ? target : here / target).lexically_normal().string();
}

bool SwmrFile::Impl::allows_external_storage(const std::string& name, std::string* why) const {
    return allows_resolved(resolve_external_storage(name), why);
}

bool SwmrFile::Impl::allows_resolved(const std::string& resolved, std::string* why) const {
    if (!allowed_files) {
        if (why != nullptr)
            *why = "a watch started by control reads only the file it was given";
        return false;
    }
    // HDF5 looks for a target that is not there under other folders too (the working
    // directory among them): only a file that exists where it is named is followed.
    std::error_code error;
    if (!std::filesystem::is_regular_file(resolved, error)) {
        if (why != nullptr)
            *why = "it does not exist";
        return false;
    }
    return allowed_files(resolved, why);
}

namespace {
// Asked by HDF5 before it opens an external link's target file.
herr_t check_external_link(const char* parent_file, const char*, const char* child_file,
                           const char*, unsigned*, hid_t, void* op_data) {
    const auto& impl = *static_cast<const SwmrFile::Impl*>(op_data);
    const auto folder = std::filesystem::path(parent_file).parent_path();
    const std::filesystem::path child(child_file);
    const auto resolved = child.is_absolute() ? child : folder / child;
    return impl.allows(resolved.lexically_normal().string(), nullptr) ? 0 : -1;
}
} // namespace

void SwmrFile::confine(FileFilter allowed) {
    silence_hdf5_errors_on_this_thread();
    auto& d = *impl_;
    d.allowed_files = std::move(allowed);
    d.folder = std::filesystem::path(d.path).parent_path().string();
    auto access = check_handle<PropertyHandle>(H5Pcreate(H5P_DATASET_ACCESS), [&] {
        return "creating dataset access properties for " + d.path;
    });
    const auto describe = [&] { return "confining the links of " + d.path; };
    check(H5Pset_elink_cb(access.get(), check_external_link, impl_.get()), describe);
    // Relative names resolve from the file's folder, where the checks above looked.
    check(H5Pset_elink_prefix(access.get(), d.folder.c_str()), describe);
    // No virtual or external-storage prefix, though: HDF5 shares a dataset opened twice in a
    // process and refuses a second open whose prefixes differ, and H5Drefresh reopens with
    // the defaults, so a prefix here broke a second watch of the same file. The checks
    // resolve those names as HDF5 does by default instead (objects.cpp).
    d.confined_links = std::move(access);
}

} // namespace swmrd::core
