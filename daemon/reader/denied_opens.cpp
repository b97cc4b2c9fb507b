#include "denied_opens.hpp"

#include <cerrno>
#include <cstdarg>
#include <mutex>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace swmrd::reader {

namespace {

std::mutex record_mutex;
std::vector<std::string> refused; // guarded by record_mutex

void record(const char* path) {
    const int saved = errno;
    try {
        std::lock_guard lock(record_mutex);
        if (refused.size() < 16) {
            // The reader's working folder is /: a relative name is read from there.
            const bool relative = path[0] != '/';
            refused.push_back((relative ? std::string("/") : std::string()) + path);
        }
    } catch (...) {
        // Out of memory: the refusal still fails the open, so no data is wrongly read.
    }
    errno = saved;
}

int open_recording(const char* path, int flags, mode_t mode) {
    const auto fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, path, flags, mode));
    if (fd < 0 && (errno == EACCES || errno == EPERM))
        record(path);
    return fd;
}

mode_t mode_argument(int flags, va_list arguments) {
    if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
        return static_cast<mode_t>(va_arg(arguments, int));
    return 0;
}

} // namespace

std::vector<std::string> take_denied_opens() {
    std::lock_guard lock(record_mutex);
    std::vector<std::string> taken;
    taken.swap(refused);
    return taken;
}

} // namespace swmrd::reader

// libhdf5 opens every file it reads (the file itself, virtual sources, external raw storage)
// with open(2); this definition, exported by the executable, is the one it binds to.
extern "C" int open(const char* path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    const auto mode = swmrd::reader::mode_argument(flags, arguments);
    va_end(arguments);
    return swmrd::reader::open_recording(path, flags, mode);
}

extern "C" int open64(const char* path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    const auto mode = swmrd::reader::mode_argument(flags, arguments);
    va_end(arguments);
    return swmrd::reader::open_recording(path, flags, mode);
}
