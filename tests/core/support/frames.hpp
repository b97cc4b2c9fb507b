#pragma once
// What a frame written by swmr-sim (or core_script_writer) must read back as, byte for byte.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace swmrd::core::test {

// Frame `index` of data dataset `dataset`: `elements` pattern values in `dtype` ("<u2",
// ">f8"…), in the dtype's byte order.
std::vector<std::byte> expected_frame(const std::string& dtype, std::uint64_t dataset,
                                      std::uint64_t index, std::uint64_t elements);

// True when `bytes` holds exactly that frame; `why` says where it differs.
bool frame_matches(std::span<const std::byte> bytes, const std::string& dtype,
                   std::uint64_t dataset, std::uint64_t index, std::uint64_t elements,
                   std::string* why = nullptr);

} // namespace swmrd::core::test
