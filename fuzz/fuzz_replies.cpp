// Control replies as swmrctl and the clients decode them, for each command's reply shape:
// the first byte picks the command, the rest is the reply.
#include "round_trip.hpp"

#include <swmrd/proto/control.hpp>

#include <array>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace swmrd::proto;
    static const std::array<std::string, 6> commands{"ping", "start",  "stop",
                                                     "list", "status", "runs"};
    if (size == 0)
        return 0;
    const auto& command = commands[data[0] % commands.size()];
    swmrd::fuzz::check_round_trip(
        data + 1, size - 1,
        [&](const void* bytes, std::size_t n) { return decode_reply(bytes, n, command); },
        [](const ControlReply& reply) { return encode_reply(reply); });
    return 0;
}
