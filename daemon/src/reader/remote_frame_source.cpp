#include "reader/remote_frame_source.hpp"

#include <cstring>

namespace swmrd::reader {

namespace {

Writer request(Op op) {
    Writer out;
    out.u8(static_cast<std::uint8_t>(op));
    return out;
}

} // namespace

template <class Decode> auto RemoteFrameSource::ask(const Writer& message, Decode decode) {
    const auto reply = reader_.call(message);
    try {
        Reader in(reply);
        return decode(in);
    } catch (const WireError& error) {
        throw ReaderError(std::string("the reader process answered nonsense (") + error.what() +
                          ")");
    }
}

template <class Fill> void RemoteFrameSource::into(std::span<std::byte> out, Fill fill) {
    auto& arena = *reader_.arena();
    if (arena.contains(out.data(), out.size())) {
        fill(static_cast<std::uint64_t>(out.data() - arena.base()));
        return;
    }
    // A buffer of the caller's own: read into the arena, then copy.
    const auto offset = arena.allocate(out.size());
    if (!offset)
        throw ReaderError("the reader's shared memory has no room for " +
                          std::to_string(out.size()) + " bytes");
    try {
        fill(*offset);
        std::memcpy(out.data(), arena.base() + *offset, out.size());
    } catch (...) {
        arena.release(*offset, out.size());
        throw;
    }
    arena.release(*offset, out.size());
}

RemoteFrameSource::RemoteFrameSource(ReaderProcess& reader, const core::FrameSourceOptions& options)
    : reader_(reader) {
    auto message = request(Op::open_source);
    write_options(message, options);
    layout_ = ask(message, [](Reader& in) { return read_layout(in); });
}

core::KeyPoll RemoteFrameSource::Keys::poll() {
    return source_.ask(request(Op::poll), [this](Reader& in) {
        core::KeyPoll poll;
        poll.readable = in.u64();
        const bool ended = in.boolean();
        const auto reason = in.u8();
        if (reason > static_cast<std::uint8_t>(core::EndReason::timeout))
            throw WireError("an unknown end reason");
        if (ended)
            poll.end = static_cast<core::EndReason>(reason);
        const bool warned = in.boolean();
        auto warning = in.str();
        if (warned)
            warning_ = std::move(warning);
        return poll;
    });
}

void RemoteFrameSource::Keys::restart_timeout(core::Clock::time_point now) {
    auto message = request(Op::restart_timeout);
    message.u64(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()));
    source_.reader_.call(message);
}

const core::DatasetInfo& RemoteFrameSource::member(std::size_t part, std::size_t member) const {
    return layout_.members.at(part).at(member);
}

std::optional<core::FilterInfo> RemoteFrameSource::missing_filter(std::size_t part,
                                                                  std::size_t member) const {
    return layout_.missing_filters.at(part).at(member);
}

bool RemoteFrameSource::layout_known() {
    bool known = false;
    auto layout = ask(request(Op::layout_known), [&](Reader& in) {
        known = in.boolean();
        return read_layout(in);
    });
    if (layout.parts.size() != layout_.parts.size())
        throw ReaderError("the reader process answered nonsense (its datasets changed)");
    layout_ = std::move(layout);
    return known;
}

std::uint64_t RemoteFrameSource::data_frontier(std::uint64_t end) {
    auto message = request(Op::data_frontier);
    message.u64(end);
    return ask(message, [](Reader& in) { return in.u64(); });
}

std::uint64_t RemoteFrameSource::key_digest(std::uint64_t count) {
    auto message = request(Op::key_digest);
    message.u64(count);
    return ask(message, [](Reader& in) { return in.u64(); });
}

std::string RemoteFrameSource::data_shortfall(std::uint64_t index) {
    auto message = request(Op::data_shortfall);
    message.u64(index);
    return ask(message, [](Reader& in) { return in.str(); });
}

std::vector<std::vector<core::SliceRange>> RemoteFrameSource::slices(std::uint64_t first,
                                                                     std::uint64_t count) {
    auto message = request(Op::slices);
    message.u64(first).u64(count);
    auto slices = ask(message, [](Reader& in) { return read_slices(in); });
    if (slices.size() != count)
        throw ReaderError("the reader process answered nonsense (slices of " +
                          std::to_string(slices.size()) + " frames, not " + std::to_string(count) +
                          ")");
    return slices;
}

std::vector<core::SliceRange> RemoteFrameSource::slice_of(std::uint64_t index) {
    return slices(index, 1).front();
}

void RemoteFrameSource::read(std::size_t part, std::size_t member, std::uint64_t local_first,
                             std::uint64_t count, std::span<std::byte> out) {
    into(out, [&](std::uint64_t offset) {
        auto message = request(Op::read);
        message.u64(part).u64(member).u64(local_first).u64(count).u64(offset).u64(out.size());
        reader_.call(message);
    });
}

std::size_t RemoteFrameSource::stored_chunk_size(std::size_t part, std::uint64_t index) {
    auto message = request(Op::stored_chunk_size);
    message.u64(part).u64(index);
    return static_cast<std::size_t>(ask(message, [](Reader& in) { return in.u64(); }));
}

void RemoteFrameSource::read_chunk(std::size_t part, std::uint64_t index,
                                   std::span<std::byte> out) {
    into(out, [&](std::uint64_t offset) {
        auto message = request(Op::read_chunk);
        message.u64(part).u64(index).u64(offset).u64(out.size());
        reader_.call(message);
    });
}

} // namespace swmrd::reader
