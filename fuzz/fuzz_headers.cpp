// The PUB headers a subscriber decodes (start, frame, end, heartbeat): any bytes either
// decode or throw DecodeError, and whatever decodes re-encodes to bytes that decode to the
// same encoding (the encoder never writes what the decoder refuses).
#include "round_trip.hpp"

#include <swmrd/proto/messages.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace swmrd::proto;
    swmrd::fuzz::check_round_trip(
        data, size, [](const void* bytes, std::size_t n) { return decode_header(bytes, n); },
        [](const Header& header) { return encode_header(header); });
    return 0;
}
