#include "reader/shared_arena.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace swmrd::reader {

namespace {

// Blocks start on cache lines: frames are read into them by one process and sent from them
// by another.
constexpr std::size_t alignment = 64;

std::size_t rounded(std::size_t bytes) {
    return (std::max<std::size_t>(bytes, 1) + alignment - 1) / alignment * alignment;
}

} // namespace

std::shared_ptr<SharedArena> SharedArena::create(std::size_t size) {
    size = rounded(size);
    daemon::UniqueFd fd(memfd_create("swmrd-frames", MFD_CLOEXEC));
    if (!fd)
        throw std::runtime_error(std::string("cannot create shared memory for a reader: ") +
                                 std::strerror(errno));
    if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        const int error = errno;
        throw std::runtime_error("cannot size " + std::to_string(size) +
                                 " bytes of shared memory for a reader: " + std::strerror(error));
    }
    void* base =
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd.get(), 0);
    if (base == MAP_FAILED) {
        const int error = errno;
        throw std::runtime_error("cannot map " + std::to_string(size) +
                                 " bytes of shared memory for a reader: " + std::strerror(error));
    }
    return std::shared_ptr<SharedArena>(
        new SharedArena(std::move(fd), static_cast<std::byte*>(base), size));
}

SharedArena::SharedArena(daemon::UniqueFd fd, std::byte* base, std::size_t size)
    : fd_(std::move(fd)), base_(base), size_(size) {
    free_.emplace(0, size);
}

SharedArena::~SharedArena() {
    munmap(base_, size_);
    close_fd();
}

void SharedArena::close_fd() noexcept {
    fd_.reset();
}

bool SharedArena::contains(const std::byte* data, std::size_t bytes) const noexcept {
    return data >= base_ && bytes <= size_ &&
           data - base_ <= static_cast<std::ptrdiff_t>(size_ - bytes);
}

std::optional<std::size_t> SharedArena::allocate(std::size_t bytes) {
    const auto length = rounded(bytes);
    std::lock_guard lock(mutex_);
    for (auto range = free_.begin(); range != free_.end(); ++range) {
        if (range->second < length)
            continue;
        const auto offset = range->first;
        const auto rest = range->second - length;
        free_.erase(range);
        if (rest > 0)
            free_.emplace(offset + length, rest);
        used_ += length;
        return offset;
    }
    return std::nullopt;
}

void SharedArena::release(std::size_t offset, std::size_t bytes) noexcept {
    auto length = rounded(bytes);
    std::lock_guard lock(mutex_);
    used_ -= length;
    auto next = free_.lower_bound(offset);
    if (next != free_.end() && offset + length == next->first) {
        length += next->second;
        next = free_.erase(next);
    }
    if (next != free_.begin()) {
        auto previous = std::prev(next);
        if (previous->first + previous->second == offset) {
            previous->second += length;
            return;
        }
    }
    free_.emplace_hint(next, offset, length);
}

std::size_t SharedArena::used() const {
    std::lock_guard lock(mutex_);
    return used_;
}

} // namespace swmrd::reader
