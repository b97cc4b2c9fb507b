#include "reader/confinement.hpp"

#include <hdf5.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace swmrd::reader {

namespace {

// Landlock's ABI, spelled out: Debian's kernel headers predate the later fields, and these
// values are fixed by the kernel's ABI.
constexpr std::uint64_t fs_read_file = 1ull << 2;
constexpr std::uint64_t fs_read_dir = 1ull << 3;
constexpr std::uint64_t fs_all_v1 = (1ull << 13) - 1;    // execute … make_sym
constexpr std::uint64_t fs_refer = 1ull << 13;           // ABI 2
constexpr std::uint64_t fs_truncate = 1ull << 14;        // ABI 3
constexpr std::uint64_t fs_ioctl_dev = 1ull << 15;       // ABI 5
constexpr std::uint64_t net_bind_tcp = 1ull << 0;        // ABI 4
constexpr std::uint64_t net_connect_tcp = 1ull << 1;     // ABI 4
constexpr std::uint64_t scope_abstract_unix = 1ull << 0; // ABI 6
constexpr std::uint64_t scope_signal = 1ull << 1;        // ABI 6
constexpr std::uint32_t create_ruleset_version = 1u << 0;
constexpr int rule_path_beneath = 1;

struct RulesetAttr {
    std::uint64_t handled_access_fs;
    std::uint64_t handled_access_net;
    std::uint64_t scoped;
};

struct [[gnu::packed]] PathBeneathAttr {
    std::uint64_t allowed_access;
    std::int32_t parent_fd;
};

int kernel_abi() {
    const auto abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, create_ruleset_version);
    return abi < 0 ? 0 : static_cast<int>(abi);
}

std::string last_error() {
    return std::strerror(errno);
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

} // namespace

int landlock_abi() {
    const char* disabled = std::getenv("SWMRD_DISABLE_LANDLOCK");
    if (disabled != nullptr && std::strcmp(disabled, "") != 0 && std::strcmp(disabled, "0") != 0)
        return 0;
    static const int abi = kernel_abi();
    return abi;
}

const char* confinement_name() {
    return landlock_abi() > 0 ? "landlock" : "none";
}

void preload_filter_plugins() {
    unsigned count = 0;
    if (H5PLsize(&count) < 0)
        return;
    for (unsigned i = 0; i < count; ++i) {
        char folder[4096] = {};
        if (H5PLget(i, folder, sizeof folder) <= 0)
            continue;
        DIR* listing = opendir(folder);
        if (listing == nullptr)
            continue;
        while (const auto* entry = readdir(listing)) {
            const std::string name = entry->d_name;
            if (name.size() < 4 || name.compare(name.size() - 3, 3, ".so") != 0)
                continue;
            const auto path = std::string(folder) + "/" + name;
            // Kept loaded for good: its own libraries must stay in memory.
            void* library = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
            if (library == nullptr)
                continue;
            using TypeFn = H5PL_type_t (*)();
            using InfoFn = const void* (*)();
            auto type = reinterpret_cast<TypeFn>(dlsym(library, "H5PLget_plugin_type"));
            auto info = reinterpret_cast<InfoFn>(dlsym(library, "H5PLget_plugin_info"));
            if (type == nullptr || info == nullptr || type() != H5PL_TYPE_FILTER)
                continue;
            const auto* filter = static_cast<const H5Z_class2_t*>(info());
            // HDF5 finds the plugin on its path now, while it may, and keeps it registered.
            if (filter != nullptr && H5Zfilter_avail(filter->id) < 0)
                H5Eclear2(H5E_DEFAULT);
        }
        closedir(listing);
    }
}

void confine_to(const std::vector<std::string>& readable) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw std::runtime_error("cannot set no_new_privs: " + last_error());
    const int abi = landlock_abi();
    if (abi <= 0)
        throw std::runtime_error("Landlock is not available on this host");
    RulesetAttr attr{};
    attr.handled_access_fs = fs_all_v1;
    std::size_t size = sizeof attr.handled_access_fs;
    if (abi >= 2)
        attr.handled_access_fs |= fs_refer;
    if (abi >= 3)
        attr.handled_access_fs |= fs_truncate;
    if (abi >= 5)
        attr.handled_access_fs |= fs_ioctl_dev;
    if (abi >= 4) {
        attr.handled_access_net = net_bind_tcp | net_connect_tcp;
        size = offsetof(RulesetAttr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = scope_abstract_unix | scope_signal;
        size = sizeof attr;
    }
    Fd ruleset(static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
    if (ruleset.get() < 0)
        throw std::runtime_error("cannot create a Landlock ruleset: " + last_error());
    for (const auto& path : readable) {
        Fd target(::open(path.c_str(), O_PATH | O_CLOEXEC));
        if (target.get() < 0)
            continue; // a root that does not exist (yet) grants nothing
        struct stat info {};
        if (fstat(target.get(), &info) != 0)
            continue;
        PathBeneathAttr rule{};
        rule.allowed_access = S_ISDIR(info.st_mode) ? fs_read_file | fs_read_dir : fs_read_file;
        rule.parent_fd = target.get();
        if (syscall(SYS_landlock_add_rule, ruleset.get(), rule_path_beneath, &rule, 0) != 0)
            throw std::runtime_error("cannot allow reading " + path +
                                     " under Landlock: " + last_error());
    }
    if (syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0)
        throw std::runtime_error("cannot confine with Landlock: " + last_error());
}

} // namespace swmrd::reader
