#include "reader/payload_block.hpp"

#include <doctest/doctest.h>

#include <zmq.hpp>

#include <cstring>

using swmrd::daemon::InflightBudget;
using swmrd::daemon::PayloadBlock;

TEST_CASE("a block's bytes go back to the budget when ZeroMQ releases its last message") {
    InflightBudget budget(1 << 20);
    REQUIRE(budget.try_acquire(1000));
    auto* block = PayloadBlock::create(1000, budget);
    std::memset(block->bytes().data(), 7, 1000);
    auto first = block->message(0, 500);
    auto second = block->message(500, 500);
    block->release_owner();
    CHECK(budget.held() == 1000);
    first = zmq::message_t();
    CHECK(budget.held() == 1000);
    second = zmq::message_t();
    CHECK(budget.held() == 0);
}

TEST_CASE("messages made from a block travel through a real socket without a copy") {
    InflightBudget budget(1 << 20);
    zmq::context_t context;
    zmq::socket_t push(context, zmq::socket_type::push);
    zmq::socket_t pull(context, zmq::socket_type::pull);
    push.bind("tcp://127.0.0.1:*");
    pull.connect(push.get(zmq::sockopt::last_endpoint));

    const std::size_t size = 256 * 1024;
    REQUIRE(budget.try_acquire(size));
    {
        auto block = PayloadBlock::create_owned(size, budget);
        for (std::size_t i = 0; i < size; ++i)
            block->bytes()[i] = static_cast<std::byte>(i % 251);
        REQUIRE(push.send(block->message(0, size), zmq::send_flags::none));
    }
    zmq::message_t received;
    REQUIRE(pull.recv(received));
    REQUIRE(received.size() == size);
    const auto* bytes = static_cast<const unsigned char*>(received.data());
    for (std::size_t i = 0; i < size; i += 4093)
        CHECK(bytes[i] == i % 251);
    // The sender's buffer is released once ZeroMQ has written it out.
    for (int i = 0; i < 500 && budget.held() != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(budget.held() == 0);
}
