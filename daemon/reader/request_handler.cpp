#include "request_handler.hpp"

#include "denied_opens.hpp"

#include <swmrd/config/allowed_roots.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>

#include <sys/mman.h>
#include <unistd.h>

namespace swmrd::reader {

namespace {

// Slices are asked for a batch at a time; a batch is at most this many frames.
constexpr std::uint64_t max_slices = 1u << 16;

Layout layout_of(core::FrameSource& source) {
    Layout layout;
    layout.scan_shape = source.scan_shape();
    layout.parts = source.parts();
    for (std::size_t p = 0; p < layout.parts.size(); ++p) {
        layout.members.emplace_back();
        layout.missing_filters.emplace_back();
        for (std::size_t m = 0; m < layout.parts[p].members; ++m) {
            layout.members[p].push_back(source.member(p, m));
            layout.missing_filters[p].push_back(source.missing_filter(p, m));
        }
    }
    return layout;
}

std::string refusal_message(std::vector<std::string> refused) {
    // HDF5 tries a file again and again within one request: each is named once.
    std::vector<std::string> unique;
    for (auto& name : refused)
        if (std::find(unique.begin(), unique.end(), name) == unique.end())
            unique.push_back(std::move(name));
    refused = std::move(unique);
    std::string names;
    for (std::size_t i = 0; i < refused.size() && i < 3; ++i)
        names += (i > 0 ? ", " : "") + refused[i];
    if (refused.size() > 3)
        names += " and " + std::to_string(refused.size() - 3) + " more";
    return "HDF5 was refused reading " + names +
           " (outside the folders this watch may read, or not readable): the run ends rather "
           "than send fill values in place of its data";
}

} // namespace

RequestHandler::RequestHandler(std::span<std::byte> arena, LinkPolicy links,
                               std::vector<std::string> roots)
    : arena_(arena), links_(links), roots_(std::move(roots)) {}

std::string RequestHandler::handle(std::string_view request) {
    Writer out;
    out.u8(static_cast<std::uint8_t>(Status::ok));
    std::string error;
    take_denied_opens(); // refusals of an earlier request were answered then
    try {
        Reader in(request);
        const auto op = static_cast<Op>(in.u8());
        dispatch(op, in, out);
    } catch (const std::exception& failure) {
        error = failure.what();
    } catch (...) {
        error = "an unknown failure in the reader process";
    }
    // A refused open outranks whatever the request made of it: HDF5 may have carried on
    // with fill values.
    if (const auto refused = take_denied_opens(); !refused.empty())
        error = refusal_message(refused);
    if (error.empty())
        return out.bytes();
    Writer failed;
    failed.u8(static_cast<std::uint8_t>(Status::error)).str(error);
    return failed.bytes();
}

core::FrameSource& RequestHandler::source() {
    if (!source_)
        throw WireError("no frame source is open in this reader");
    return *source_;
}

std::span<std::byte> RequestHandler::arena_range(std::uint64_t offset, std::uint64_t length) {
    if (offset > arena_.size() || length > arena_.size() - offset)
        throw WireError("a read past the end of the shared memory");
    const auto range =
        arena_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
    // A fresh arena's pages are new to this process: those of a block past the ones used
    // before are mapped in one call rather than a fault per page as HDF5 writes them. (Blocks
    // are carved from the lowest address up, so what was used before lies below.) Best
    // effort: a fault would map them too.
    const auto end = offset + length;
    if (end > populated_ + (64u << 10)) {
        const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
        const auto from = std::max<std::uint64_t>(offset, populated_) / page * page;
        madvise(arena_.data() + from, end - from, MADV_POPULATE_WRITE);
        populated_ = static_cast<std::size_t>(end);
    }
    return range;
}

void RequestHandler::try_open(Reader& in, Writer& out) {
    const auto path = in.str();
    const bool apart = in.boolean();
    source_.reset();
    file_.reset();
    std::string why;
    auto file = core::SwmrFile::try_open(path, &why, apart);
    if (!file) {
        out.boolean(true).str(why);
        return;
    }
    // Names are checked too, so that an error says which link or source leaves the roots;
    // Landlock (or, without it, the refusal of every other file) is what really holds.
    if (links_ == LinkPolicy::roots)
        file->confine([roots = roots_](const std::string& other, std::string* reason) {
            return config::is_inside_allowed_roots(other, roots, reason);
        });
    else if (links_ == LinkPolicy::this_file)
        file->confine([](const std::string&, std::string* reason) {
            if (reason != nullptr)
                *reason = "this host cannot confine reads (Landlock is unavailable), so a watch "
                          "started by control reads no file but its own";
            return false;
        });
    out.boolean(false).str(file->opened_path());
    file_.emplace(std::move(*file));
}

void RequestHandler::dispatch(Op op, Reader& in, Writer& out) {
    switch (op) {
    case Op::try_open:
        try_open(in, out);
        return;
    case Op::open_source: {
        if (!file_)
            throw WireError("no file is open in this reader");
        source_.reset();
        source_.emplace(*file_, read_options(in));
        write_layout(out, layout_of(*source_));
        return;
    }
    case Op::layout_known: {
        const bool known = source().layout_known();
        out.boolean(known);
        write_layout(out, layout_of(source()));
        return;
    }
    case Op::poll: {
        const auto poll = source().keys().poll();
        out.u64(poll.readable).boolean(poll.end.has_value());
        out.u8(static_cast<std::uint8_t>(poll.end.value_or(core::EndReason::timeout)));
        const auto& warning = source().keys().warning();
        out.boolean(warning.has_value()).str(warning.value_or(""));
        return;
    }
    case Op::restart_timeout: {
        const auto nanoseconds = static_cast<std::int64_t>(in.u64());
        source().keys().restart_timeout(
            core::Clock::time_point(std::chrono::nanoseconds(nanoseconds)));
        return;
    }
    case Op::data_frontier:
        out.u64(source().data_frontier(in.u64()));
        return;
    case Op::key_digest:
        out.u64(source().keys().digest(in.u64()));
        return;
    case Op::data_shortfall:
        out.str(source().data_shortfall(in.u64()));
        return;
    case Op::slices: {
        const auto first = in.u64();
        const auto count = std::min(in.u64(), max_slices);
        std::vector<std::vector<core::SliceRange>> slices;
        slices.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count; ++i)
            slices.push_back(source().slice_of(first + i));
        write_slices(out, slices);
        return;
    }
    case Op::read: {
        const auto part = static_cast<std::size_t>(in.u64());
        const auto member = static_cast<std::size_t>(in.u64());
        const auto local_first = in.u64();
        const auto count = in.u64();
        const auto offset = in.u64();
        const auto length = in.u64();
        const auto frame_bytes = source().member(part, member).frame_bytes;
        std::uint64_t expected = 0;
        if (__builtin_mul_overflow(count, frame_bytes, &expected) || expected != length)
            throw WireError("a read whose length is not its frames' size");
        source().read(part, member, local_first, count, arena_range(offset, length));
        return;
    }
    case Op::stored_chunk_size: {
        const auto part = static_cast<std::size_t>(in.u64());
        out.u64(source().stored_chunk_size(part, in.u64()));
        return;
    }
    case Op::read_chunk: {
        const auto part = static_cast<std::size_t>(in.u64());
        const auto index = in.u64();
        const auto offset = in.u64();
        const auto length = in.u64();
        if (source().stored_chunk_size(part, index) != length)
            throw WireError("a chunk read whose length is not the chunk's size");
        source().read_chunk(part, index, arena_range(offset, length));
        return;
    }
    case Op::hello:
        break;
    }
    throw WireError("an unknown request");
}

} // namespace swmrd::reader
