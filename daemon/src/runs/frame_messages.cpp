#include "runs/frame_messages.hpp"
#include "base/wall_clock.hpp"

#include "reader/payload_block.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace swmrd::daemon {

namespace {

std::vector<proto::Filter> filters_of(const core::DatasetInfo& info) {
    std::vector<proto::Filter> filters;
    for (const auto& filter : info.filters)
        filters.push_back({filter.id, filter.cd_values});
    return filters;
}

std::string missing_filter_message(const std::string& path, const core::FilterInfo& filter) {
    return "dataset " + path + " is compressed with filter " + std::to_string(filter.id) + " (" +
           filter.name +
           "), whose HDF5 plugin is not installed on this host, so its frames cannot be read "
           "decoded: install the plugin" +
           (filter.package.empty() ? "" : " (Debian package " + filter.package + ")") +
           ", or set `encoding: chunk` to send the stored chunks";
}

} // namespace

FrameMessages::FrameMessages(reader::RemoteFrameSource& source, const config::WatchSpec& spec,
                             std::string run_id, std::string file, bool fetched)
    : source_(source), spec_(spec), run_id_(std::move(run_id)), file_(std::move(file)),
      frame_topic_(proto::topic_of(spec.name, proto::MessageKind::frame)), fetched_(fetched) {}

void FrameMessages::plan() {
    const auto& parts = source_.parts();
    plans_.assign(parts.size(), {});
    has_chunk_parts_ = false;
    largest_raw_frame_ = 0;
    largest_raw_message_ = 0;
    frame_header_ = {};
    frame_header_.envelope.watch = spec_.name;
    frame_header_.envelope.run = run_id_;
    frame_header_.file = file_;
    frame_header_.scan_shape = source_.scan_shape().max;
    frame_header_.fetched = fetched_;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        auto& plan = plans_[p];
        bool chunkable = true;
        for (std::size_t m = 0; m < parts[p].members; ++m)
            chunkable = chunkable && source_.member(p, m).one_frame_per_chunk;
        if (spec_.encoding == config::Encoding::chunk && chunkable) {
            plan.encoding = proto::Encoding::chunk;
            plan.filters = filters_of(source_.member(p, 0));
            has_chunk_parts_ = true;
        } else {
            if (spec_.encoding == config::Encoding::chunk)
                spdlog::info("{}: {} is sent raw: its chunks do not hold exactly one frame each",
                             spec_.name, parts[p].name);
            std::uint64_t largest_member = 0;
            for (std::size_t m = 0; m < parts[p].members; ++m) {
                const auto& info = source_.member(p, m);
                if (auto missing = source_.missing_filter(p, m))
                    throw std::runtime_error(missing_filter_message(info.path, *missing));
                largest_member = std::max<std::uint64_t>(largest_member, info.frame_bytes);
            }
            largest_raw_frame_ = std::max(largest_raw_frame_, largest_member);
            // Saturates: the sum of several huge declared frames must not wrap.
            if (__builtin_add_overflow(largest_raw_message_, largest_member, &largest_raw_message_))
                largest_raw_message_ = UINT64_MAX;
        }
        proto::Part description;
        description.path = parts[p].name;
        description.encoding = plan.encoding;
        if (plan.encoding == proto::Encoding::chunk)
            description.filters = plan.filters;
        frame_header_.parts.push_back(std::move(description));
    }
}

proto::StartHeader FrameMessages::start_header(std::uint64_t first_index) const {
    proto::StartHeader start;
    start.envelope = {spec_.name, run_id_, 0, unix_time_now()};
    start.file = file_;
    start.keys = spec_.keys;
    start.finished = spec_.finished;
    start.timeout = spec_.timeout.count();
    start.scan_rank = source_.scan_shape().rank();
    start.scan_shape = source_.scan_shape().max;
    start.first_index = first_index;
    const auto& parts = source_.parts();
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const auto& first = source_.member(p, 0);
        proto::DatasetDescription description;
        description.path = parts[p].name;
        description.dtype = first.dtype;
        description.frame_shape = first.frame_shape;
        description.encoding = plans_[p].encoding;
        if (plans_[p].encoding == proto::Encoding::chunk)
            description.filters = plans_[p].filters;
        if (parts[p].interleaved)
            for (std::size_t m = 0; m < parts[p].members; ++m) {
                const auto& info = source_.member(p, m);
                description.members.push_back({info.path, info.dtype, info.frame_shape});
            }
        start.datasets.push_back(std::move(description));
    }
    return start;
}

// How many of frames [first, first + count) member `member` of a part of N holds: the i with
// i % N == member.
std::uint64_t FrameMessages::member_frames(std::size_t part, std::size_t member,
                                           std::uint64_t first, std::uint64_t count) const {
    const auto n = source_.parts()[part].members;
    const auto first_global = first + (member + n - first % n) % n;
    if (first_global >= first + count)
        return 0;
    return (first + count - 1 - first_global) / n + 1;
}

std::uint64_t FrameMessages::raw_bytes(std::uint64_t first, std::uint64_t count) const {
    std::uint64_t bytes = count * per_message_charge;
    const auto& parts = source_.parts();
    for (std::size_t p = 0; p < parts.size(); ++p) {
        if (plans_[p].encoding != proto::Encoding::raw)
            continue;
        for (std::size_t m = 0; m < parts[p].members; ++m)
            bytes += member_frames(p, m, first, count) * source_.member(p, m).frame_bytes;
    }
    return bytes;
}

std::uint64_t FrameMessages::stored_chunk_bytes(std::uint64_t index) {
    std::uint64_t total = 0;
    chunk_sizes_.assign(plans_.size(), 0);
    for (std::size_t p = 0; p < plans_.size(); ++p) {
        if (plans_[p].encoding != proto::Encoding::chunk)
            continue;
        chunk_sizes_[p] = source_.stored_chunk_size(p, index);
        total += chunk_sizes_[p];
    }
    return total;
}

void FrameMessages::build(std::uint64_t first, std::uint64_t count, std::uint64_t first_index,
                          Reservation& reservation, InflightBudget& budget,
                          const std::shared_ptr<WatchCounters>& counters,
                          std::vector<OutgoingMessage>& out) {
    const auto& parts = source_.parts();
    // Raw parts: one block per member, holding that member's frames of the batch, read with
    // one HDF5 read.
    struct MemberBlock {
        PayloadBlock::Owner block;
        std::uint64_t local_first = 0;
    };
    std::vector<std::vector<MemberBlock>> blocks(parts.size());
    for (std::size_t p = 0; p < parts.size(); ++p) {
        if (plans_[p].encoding != proto::Encoding::raw)
            continue;
        const auto n = parts[p].members;
        blocks[p].resize(n);
        for (std::size_t m = 0; m < n; ++m) {
            const auto frames = member_frames(p, m, first, count);
            if (frames == 0)
                continue;
            const auto local_first = (first + (m + n - first % n) % n) / n;
            const auto bytes = frames * source_.member(p, m).frame_bytes;
            // Handed over once the block exists: a block that cannot be made owns nothing, and
            // the reservation gives its bytes back.
            blocks[p][m] = {PayloadBlock::create_owned(bytes, budget, source_.arena()),
                            local_first};
            reservation.hand_over(bytes);
            source_.read(p, m, local_first, frames, blocks[p][m].block->bytes());
        }
    }

    const auto slices = source_.slices(first, count);
    const auto before = out.size();
    try {
        for (std::uint64_t i = first; i < first + count; ++i) {
            OutgoingMessage message;
            message.kind = OutgoingMessage::Kind::frame;
            message.topic = frame_topic_;
            message.counters = counters;
            message.index = static_cast<std::int64_t>(i);
            for (std::size_t p = 0; p < parts.size(); ++p) {
                const auto at = core::FrameSource::locate(parts[p], i);
                const auto& info = source_.member(p, at.member);
                auto& description = frame_header_.parts[p];
                description.dtype = info.dtype;
                description.shape = info.block_shape;
                description.nbytes = info.frame_bytes;
                if (plans_[p].encoding == proto::Encoding::raw) {
                    const auto& member = blocks[p][at.member];
                    const auto offset = (at.local - member.local_first) * info.frame_bytes;
                    message.payload.push_back(member.block->message(offset, info.frame_bytes));
                    message.payload_bytes += info.frame_bytes;
                    continue;
                }
                const auto size = chunk_sizes_[p];
                auto block = PayloadBlock::create_owned(size, budget, source_.arena());
                reservation.hand_over(size);
                source_.read_chunk(p, i, block->bytes());
                message.payload.push_back(block->message(0, size));
                message.payload_bytes += size;
            }
            reservation.hand_over(per_message_charge);
            message.charge = per_message_charge;

            frame_header_.envelope.seq = seq_of(i, first_index);
            frame_header_.envelope.time = unix_time_now();
            frame_header_.index = i;
            frame_header_.slice.clear();
            for (const auto& range : slices[i - first])
                frame_header_.slice.push_back({range.start, range.stop});
            message.header = proto::encode_header(frame_header_);
            out.push_back(std::move(message));
        }
    } catch (...) {
        // Never sent: their charges go back, or the budget would shrink for good.
        for (auto it = out.begin() + static_cast<std::ptrdiff_t>(before); it != out.end(); ++it)
            budget.release(it->charge);
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        throw;
    }
}

} // namespace swmrd::daemon
