#pragma once
// The shared memory a reader process reads frames into and the daemon sends them from,
// without a copy: a memfd mapped by both, carved into blocks by the daemon. A block lives
// until ZeroMQ lets go of the last message over it, so the arena outlives its reader process
// (shared_ptr), and blocks come back in any order.
//
// First fit from the lowest address: the pages a busy arena touches stay those of its
// largest backlog, never the whole mapping, which is only address space until used.

#include "base/unique_fd.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace swmrd::reader {

class SharedArena {
public:
    // Throws std::runtime_error when the kernel refuses the memory.
    static std::shared_ptr<SharedArena> create(std::size_t size);
    ~SharedArena();
    SharedArena(const SharedArena&) = delete;
    SharedArena& operator=(const SharedArena&) = delete;

    // The memfd, for the reader process to map; closed by close_fd() once it has it.
    int fd() const noexcept { return fd_.get(); }
    void close_fd() noexcept;

    std::byte* base() const noexcept { return base_; }
    std::size_t size() const noexcept { return size_; }
    // [data, data + bytes) lies inside the arena.
    bool contains(const std::byte* data, std::size_t bytes) const noexcept;

    // The offset of `bytes` free bytes, or nullopt when no free range holds them. Any thread.
    std::optional<std::size_t> allocate(std::size_t bytes);
    // Gives back a block from allocate(); any thread, ZeroMQ's I/O threads included.
    void release(std::size_t offset, std::size_t bytes) noexcept;
    std::size_t used() const;

private:
    SharedArena(daemon::UniqueFd fd, std::byte* base, std::size_t size);

    daemon::UniqueFd fd_;
    std::byte* base_;
    std::size_t size_;
    mutable std::mutex mutex_;
    std::map<std::size_t, std::size_t> free_; // offset -> length, never adjacent
    std::size_t used_ = 0;
};

} // namespace swmrd::reader
