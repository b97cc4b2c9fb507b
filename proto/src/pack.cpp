#include "pack.hpp"

#include <array>
#include <bit>
#include <limits>
#include <stdexcept>
#include <variant>

namespace swmrd::proto::detail {

std::uint32_t Writer::length32(std::size_t size) {
    if (size > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("MessagePack strings, arrays and maps hold at most 2^32-1 items");
    return static_cast<std::uint32_t>(size);
}

void Writer::float64(double d) {
    // 0xcb, then the IEEE 754 bits big-endian.
    const auto bits = std::bit_cast<std::uint64_t>(d);
    std::array<char, 9> bytes{};
    bytes[0] = static_cast<char>(0xcb);
    for (std::size_t i = 0; i < 8; ++i)
        bytes[8 - i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    sink_.write(bytes.data(), bytes.size());
}

void Writer::string(std::string_view text) {
    const std::uint32_t size = length32(text.size());
    packer_.pack_str(size);
    packer_.pack_str_body(text.data(), size);
}

namespace {

template <class... Fs> struct Overloaded : Fs... { using Fs::operator()...; };
template <class... Fs> Overloaded(Fs...) -> Overloaded<Fs...>; // clang 14 needs the guide

} // namespace

void Writer::value(const Value& value) {
    std::visit(Overloaded{
                   [&](const Nil&) { nil(); },
                   [&](bool b) { boolean(b); },
                   [&](std::int64_t i) { integer(i); },
                   [&](std::uint64_t u) { uint(u); },
                   [&](double d) { float64(d); },
                   [&](const std::string& s) { string(s); },
                   [&](const Array& items) {
                       array(items.size());
                       for (const Value& item : items)
                           this->value(item);
                   },
                   [&](const Map& entries) {
                       map(entries.size());
                       for (const auto& [key, item] : entries) {
                           string(key);
                           this->value(item);
                       }
                   },
               },
               value.data);
}

} // namespace swmrd::proto::detail
