// The fetch channel: requests as the daemon decodes them (and the request id it echoes even
// for a request it refuses), answers' headers as clients decode them. The first byte picks
// which.
#include "round_trip.hpp"

#include <swmrd/proto/fetch.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace swmrd::proto;
    if (size == 0)
        return 0;
    const auto* body = data + 1;
    const auto length = size - 1;
    switch (data[0] % 3) {
    case 0:
        swmrd::fuzz::check_round_trip(
            body, length,
            [](const void* bytes, std::size_t n) { return decode_fetch_request(bytes, n); },
            [](const FetchRequest& request) { return encode_fetch_request(request); });
        break;
    case 1:
        try {
            (void)fetch_request_id(body, length); // never throws: a refusal still needs the id
        } catch (...) {
            swmrd::fuzz::finding("fetch_request_id threw");
        }
        break;
    default:
        swmrd::fuzz::check_round_trip(
            body, length, [](const void* bytes, std::size_t n) { return decode_fetched(bytes, n); },
            [](const FetchedHeader& header) { return encode_fetched(header); });
        break;
    }
    return 0;
}
