#include "payload_block.hpp"

namespace swmrd::daemon {

PayloadBlock::PayloadBlock(std::size_t bytes, InflightBudget& budget)
    // Not value-initialised: every byte is overwritten by the read.
    : data_(new std::byte[bytes == 0 ? 1 : bytes]), size_(bytes), budget_(budget) {}

PayloadBlock* PayloadBlock::create(std::size_t bytes, InflightBudget& budget) {
    return new PayloadBlock(bytes, budget);
}

zmq::message_t PayloadBlock::message(std::size_t offset, std::size_t size) {
    refs_.fetch_add(1, std::memory_order_relaxed);
    return zmq::message_t(data_.get() + offset, size, &PayloadBlock::free_callback, this);
}

void PayloadBlock::free_callback(void* /*data*/, void* hint) noexcept {
    static_cast<PayloadBlock*>(hint)->unref();
}

void PayloadBlock::unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        budget_.release(size_);
        delete this;
    }
}

} // namespace swmrd::daemon
