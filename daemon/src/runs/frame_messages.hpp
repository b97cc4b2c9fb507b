#pragma once
// The one place a run's messages are built from its frame source: the `start` header, and a
// `frame` message per index with its payload read straight into buffers that ZeroMQ sends
// without copying. The live stream builds with it; a fetch of the same run would get the
// same headers by construction.

#include "base/inflight_budget.hpp"
#include "reader/remote_frame_source.hpp"
#include "runs/outgoing_message.hpp"

#include <swmrd/config/watch_spec.hpp>
#include <swmrd/proto/messages.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swmrd::daemon {

// Headers and queue entries cost memory too; charging them keeps tiny frames bounded.
inline constexpr std::uint64_t per_message_charge = 256;

class FrameMessages {
public:
    // `fetched`: messages for the fetch channel, marked `fetched: true`.
    FrameMessages(reader::RemoteFrameSource& source, const config::WatchSpec& spec,
                  std::string run_id, std::string file, bool fetched = false);

    // Decides each part's encoding, once the source's layout is known: `chunk` where the
    // spec asks for it and every member's chunks hold one frame each, `raw` otherwise.
    // Throws std::runtime_error when a raw part needs a filter this host lacks.
    void plan();

    proto::StartHeader start_header(std::uint64_t first_index) const;
    // The seq a frame has on PUB: every index from the run's first uses one, sent or
    // dropped; 0 for a frame before it, which the run never published.
    static std::uint64_t seq_of(std::uint64_t index, std::uint64_t first_index) {
        return index >= first_index ? index - first_index + 1 : 0;
    }

    bool has_chunk_parts() const noexcept { return has_chunk_parts_; }
    // Budget bytes of frames [first, first + count): raw payloads and message charges. Stored
    // chunks are added per frame by stored_chunk_bytes().
    std::uint64_t raw_bytes(std::uint64_t first, std::uint64_t count) const;
    std::uint64_t largest_raw_frame() const noexcept { return largest_raw_frame_; }
    // The payload of the largest message of raw parts: each part's largest member's frame.
    std::uint64_t largest_raw_message() const noexcept { return largest_raw_message_; }
    // The stored sizes of frame `index`'s chunks (kept for the next build of that frame).
    std::uint64_t stored_chunk_bytes(std::uint64_t index);

    // Reads frames [first, first + count) and appends one message per frame to `out`.
    // `reservation` holds raw_bytes(first, count) plus, for a single frame with chunk parts,
    // its stored_chunk_bytes(first); each buffer and message takes its share over.
    void build(std::uint64_t first, std::uint64_t count, std::uint64_t first_index,
               Reservation& reservation, InflightBudget& budget,
               const std::shared_ptr<WatchCounters>& counters, std::vector<OutgoingMessage>& out);

private:
    struct PartPlan {
        proto::Encoding encoding = proto::Encoding::raw;
        std::vector<proto::Filter> filters;
    };
    std::uint64_t member_frames(std::size_t part, std::size_t member, std::uint64_t first,
                                std::uint64_t count) const;

    reader::RemoteFrameSource& source_;
    const config::WatchSpec& spec_;
    std::string run_id_;
    std::string file_;
    std::string frame_topic_;
    bool fetched_;
    std::vector<PartPlan> plans_;
    bool has_chunk_parts_ = false;
    std::uint64_t largest_raw_frame_ = 0;
    std::uint64_t largest_raw_message_ = 0;
    std::vector<std::uint64_t> chunk_sizes_; // of the frame measured last, per part
    proto::FrameHeader frame_header_;        // reused: its vectors keep their capacity
};

} // namespace swmrd::daemon
