#pragma once
// The reader process's side of daemon/src/reader/reader_wire.hpp: one open file and its frame
// source, each request answered from them. Payloads go straight into the shared arena.

#include "reader/reader_wire.hpp"

#include <swmrd/core/frame_source.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace swmrd::reader {

class RequestHandler {
public:
    RequestHandler(std::span<std::byte> arena, LinkPolicy links, std::vector<std::string> roots);

    // The reply to one request datagram; never throws.
    std::string handle(std::string_view request);

private:
    void dispatch(Op op, Reader& in, Writer& out);
    void try_open(Reader& in, Writer& out);
    std::span<std::byte> arena_range(std::uint64_t offset, std::uint64_t length);
    core::FrameSource& source();

    std::span<std::byte> arena_;
    std::size_t populated_ = 0; // the arena's pages below this are in this process's tables
    LinkPolicy links_;
    std::vector<std::string> roots_;
    std::optional<core::SwmrFile> file_;
    std::optional<core::FrameSource> source_;
};

} // namespace swmrd::reader
