#pragma once
// core::FrameSource, answered by a reader process: the same calls, each one request to it.
// Layouts are kept on this side; payloads are read straight into its shared arena, so a
// buffer given to read() that lies there costs no copy.

#include "reader/reader_process.hpp"

#include <swmrd/core/frame_source.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace swmrd::reader {

class RemoteFrameSource {
public:
    // The key follower's side of it: core::KeyFollower's calls that a run makes.
    class Keys {
    public:
        explicit Keys(RemoteFrameSource& source) : source_(source) {}
        core::KeyPoll poll();
        const std::optional<std::string>& warning() const noexcept { return warning_; }
        void restart_timeout(core::Clock::time_point now = core::Clock::now());

    private:
        friend class RemoteFrameSource;
        RemoteFrameSource& source_;
        std::optional<std::string> warning_;
    };

    // Opens the keys and datasets of the file the reader has open (ReaderProcess::try_open)
    // and checks them. Throws ReaderError naming what is wrong, as core::FrameSource does.
    RemoteFrameSource(ReaderProcess& reader, const core::FrameSourceOptions& options);
    RemoteFrameSource(const RemoteFrameSource&) = delete;
    RemoteFrameSource& operator=(const RemoteFrameSource&) = delete;

    Keys& keys() noexcept { return keys_; }
    const core::ScanShape& scan_shape() const noexcept { return layout_.scan_shape; }
    const std::vector<core::PartInfo>& parts() const noexcept { return layout_.parts; }
    const core::DatasetInfo& member(std::size_t part, std::size_t member) const;
    std::optional<core::FilterInfo> missing_filter(std::size_t part, std::size_t member) const;
    bool layout_known();
    std::uint64_t data_frontier(std::uint64_t end);
    std::string data_shortfall(std::uint64_t index);
    // core::KeyFollower::digest: the keys' values at [0, count), to recognise the file.
    std::uint64_t key_digest(std::uint64_t count);

    // swmr_tools' slice_metadata of frames [first, first + count), in one request.
    std::vector<std::vector<core::SliceRange>> slices(std::uint64_t first, std::uint64_t count);
    std::vector<core::SliceRange> slice_of(std::uint64_t index);

    // As core::FrameSource's; `out` is best a block of arena(): elsewhere costs a copy.
    void read(std::size_t part, std::size_t member, std::uint64_t local_first, std::uint64_t count,
              std::span<std::byte> out);
    std::size_t stored_chunk_size(std::size_t part, std::uint64_t index);
    void read_chunk(std::size_t part, std::uint64_t index, std::span<std::byte> out);

    const std::shared_ptr<SharedArena>& arena() const noexcept { return reader_.arena(); }

private:
    // Sends a request and decodes its reply with `decode`; a reply that does not decode is
    // the reader's failure, not the daemon's.
    template <class Decode> auto ask(const Writer& request, Decode decode);
    // Runs `fill(offset)` to read `out.size()` bytes at `offset` of the arena, into `out`.
    template <class Fill> void into(std::span<std::byte> out, Fill fill);

    ReaderProcess& reader_;
    Layout layout_;
    Keys keys_{*this};
};

} // namespace swmrd::reader
