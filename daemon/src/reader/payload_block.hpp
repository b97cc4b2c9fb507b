#pragma once
// A buffer that frame payloads are read into and that ZeroMQ sends without copying.
// One block may hold several frames (one HDF5 read for a run of frames); each frame becomes
// a zmq::message_t pointing into it, and the block is freed - and its bytes returned to the
// budget - when the last of those messages is released by ZeroMQ.

#include "base/inflight_budget.hpp"
#include "reader/shared_arena.hpp"

#include <zmq.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>

namespace swmrd::daemon {

class PayloadBlock {
public:
    // `bytes` must already be acquired from `budget`; the block gives them back. With an
    // arena, the block is carved from that shared memory (a reader process reads into it);
    // without, from the heap. Throws std::runtime_error when the arena has no room.
    static PayloadBlock* create(std::size_t bytes, InflightBudget& budget,
                                std::shared_ptr<reader::SharedArena> arena = nullptr);

    std::span<std::byte> bytes() noexcept { return {data_, size_}; }

    // A message over [offset, offset + size) of the block; holds a reference.
    zmq::message_t message(std::size_t offset, std::size_t size);

    // Drops the creator's reference; call once the messages are made (or on failure).
    void release_owner() { unref(); }

    // The creator's reference as a scope guard.
    struct OwnerRelease {
        void operator()(PayloadBlock* block) const noexcept { block->unref(); }
    };
    using Owner = std::unique_ptr<PayloadBlock, OwnerRelease>;
    static Owner create_owned(std::size_t bytes, InflightBudget& budget,
                              std::shared_ptr<reader::SharedArena> arena = nullptr) {
        return Owner(create(bytes, budget, std::move(arena)));
    }

private:
    PayloadBlock(std::byte* data, std::size_t bytes, InflightBudget& budget,
                 std::shared_ptr<reader::SharedArena> arena);
    ~PayloadBlock();
    void unref() noexcept;
    static void free_callback(void* data, void* hint) noexcept;

    std::byte* data_;
    std::size_t size_;
    InflightBudget& budget_;
    std::shared_ptr<reader::SharedArena> arena_; // null: data_ is the heap's
    std::atomic<std::size_t> refs_{1};
};

} // namespace swmrd::daemon
