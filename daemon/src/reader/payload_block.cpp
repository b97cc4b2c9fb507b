#include "reader/payload_block.hpp"

#include <stdexcept>
#include <string>

namespace swmrd::daemon {

PayloadBlock::PayloadBlock(std::byte* data, std::size_t bytes, InflightBudget& budget,
                           std::shared_ptr<reader::SharedArena> arena)
    : data_(data), size_(bytes), budget_(budget), arena_(std::move(arena)) {}

PayloadBlock::~PayloadBlock() {
    if (arena_)
        arena_->release(static_cast<std::size_t>(data_ - arena_->base()), size_);
    else
        delete[] data_;
}

PayloadBlock* PayloadBlock::create(std::size_t bytes, InflightBudget& budget,
                                   std::shared_ptr<reader::SharedArena> arena) {
    if (!arena)
        // Not value-initialised: every byte is overwritten by the read.
        return new PayloadBlock(new std::byte[bytes == 0 ? 1 : bytes], bytes, budget, nullptr);
    const auto offset = arena->allocate(bytes);
    if (!offset)
        throw std::runtime_error("no room for " + std::to_string(bytes) +
                                 " bytes in the reader's shared memory of " +
                                 std::to_string(arena->size()) + " bytes");
    try {
        auto* data = arena->base() + *offset;
        return new PayloadBlock(data, bytes, budget, std::move(arena));
    } catch (...) {
        arena->release(*offset, bytes);
        throw;
    }
}

zmq::message_t PayloadBlock::message(std::size_t offset, std::size_t size) {
    refs_.fetch_add(1, std::memory_order_relaxed);
    return zmq::message_t(data_ + offset, size, &PayloadBlock::free_callback, this);
}

void PayloadBlock::free_callback(void* /*data*/, void* hint) noexcept {
    static_cast<PayloadBlock*>(hint)->unref();
}

void PayloadBlock::unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // The memory first: whoever the budget wakes next finds it free.
        auto& budget = budget_;
        const auto size = size_;
        delete this;
        budget.release(size);
    }
}

} // namespace swmrd::daemon
