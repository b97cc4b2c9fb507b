#include "file_run.hpp"

#include "payload_block.hpp"

#include <swmrd/core/h5_error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

namespace swmrd::daemon {

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Polling: fast while frames arrive, backing off while idle (an idle watch must cost well
// under 1% of a core, a streaming one must see a new key within about a millisecond).
constexpr microseconds first_poll_interval{100};
constexpr microseconds active_poll_interval{1000};
constexpr microseconds idle_poll_interval{50000};
constexpr auto active_window = std::chrono::seconds(2);

// One batch reads at most this many frames or bytes, so a watch catching up on a long file
// hands frames to subscribers steadily instead of in one huge lump.
constexpr std::uint64_t max_batch_frames = 4096;
constexpr std::uint64_t max_batch_bytes = 16ull << 20;

// In `drop` delivery, how long a frame waits for room before it is dropped.
constexpr std::chrono::milliseconds drop_patience{200};

// Headers and queue entries cost memory too; charging them keeps tiny frames bounded.
constexpr std::uint64_t per_message_charge = 256;

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
           "decoded: install the plugin, or set `encoding: chunk` to send the stored chunks";
}

} // namespace

double unix_time_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

FileRun::FileRun(RunContext& context, core::SwmrFile file, std::string run_id)
    : context_(context), file_(std::move(file)), run_id_(std::move(run_id)),
      frame_topic_(context.spec.name + "/frame"),
      follower_(file_, core::KeyFollowerOptions{context.spec.keys, context.spec.finished,
                                                core::Seconds(context.spec.timeout.count())}) {
    for (const auto& path : context_.spec.datasets)
        parts_.push_back(make_part(path, {path}));
    for (const auto& [name, paths] : context_.spec.interleaved)
        parts_.push_back(make_part(name, paths));
    for (const auto& part : parts_) {
        if (part.encoding == proto::Encoding::raw)
            raw_bytes_per_frame_ += part.info().frame_bytes;
        else
            has_chunk_parts_ = true;
    }

    frame_header_.envelope.watch = context_.spec.name;
    frame_header_.envelope.run = run_id_;
    frame_header_.file = file_.path();
    frame_header_.scan_shape = follower_.scan_shape().max;
    for (const auto& part : parts_) {
        proto::Part description;
        description.path = part.name;
        description.dtype = part.info().dtype;
        description.shape = part.info().block_shape;
        description.encoding = part.encoding;
        description.nbytes = part.info().frame_bytes;
        if (part.encoding == proto::Encoding::chunk)
            description.filters = part.filters;
        frame_header_.parts.push_back(std::move(description));
    }
}

FileRun::~FileRun() = default;

FileRun::PartSource FileRun::make_part(std::string name, const std::vector<std::string>& paths) {
    PartSource part;
    part.name = std::move(name);
    const auto scan_rank = follower_.scan_shape().rank();
    for (const auto& path : paths)
        part.readers.emplace_back(file_, path, scan_rank);

    const auto& first = part.readers.front().info();
    for (const auto& reader : part.readers) {
        const auto& info = reader.info();
        if (info.dtype != first.dtype || info.frame_shape != first.frame_shape)
            throw std::runtime_error("interleaved datasets of " + part.name + " differ: " +
                                     first.path + " has " + first.dtype + " frames, " + info.path +
                                     " has " + info.dtype + " frames of another shape or type");
    }

    const bool chunkable = std::all_of(part.readers.begin(), part.readers.end(),
                                       [](const auto& r) { return r.info().one_frame_per_chunk; });
    if (context_.spec.encoding == config::Encoding::chunk && chunkable) {
        part.encoding = proto::Encoding::chunk;
        part.filters = filters_of(first);
    } else {
        if (context_.spec.encoding == config::Encoding::chunk)
            spdlog::info("{}: {} is sent raw: its chunks do not hold exactly one frame each",
                         context_.spec.name, part.name);
        for (const auto& reader : part.readers)
            if (auto missing = reader.missing_filter())
                throw std::runtime_error(missing_filter_message(reader.info().path, *missing));
    }
    return part;
}

proto::StartHeader FileRun::start_header(std::uint64_t first_index) const {
    proto::StartHeader start;
    start.envelope = {context_.spec.name, run_id_, 0, unix_time_now()};
    start.file = file_.path();
    start.keys = context_.spec.keys;
    start.finished = context_.spec.finished;
    start.timeout = context_.spec.timeout.count();
    start.scan_rank = follower_.scan_shape().rank();
    start.scan_shape = follower_.scan_shape().max;
    start.first_index = first_index;
    for (const auto& part : parts_) {
        proto::DatasetDescription description;
        description.path = part.name;
        description.dtype = part.info().dtype;
        description.frame_shape = part.info().frame_shape;
        description.encoding = part.encoding;
        if (part.encoding == proto::Encoding::chunk)
            description.filters = part.filters;
        start.datasets.push_back(std::move(description));
    }
    return start;
}

RunOutcome FileRun::run() {
    std::uint64_t next = 0;
    RunOutcome outcome;
    try {
        auto poll = follower_.poll();
        if (context_.spec.from == config::From::latest && poll.readable > 0)
            next = poll.readable - 1;

        OutgoingMessage start;
        start.kind = OutgoingMessage::Kind::start;
        start.topic = context_.spec.name + "/start";
        start.header = proto::encode_header(start_header(next));
        start.counters = context_.counters;
        context_.publisher.push(std::move(start));
        seq_ = 1;

        auto interval = first_poll_interval;
        auto last_frame_at = core::Clock::now();
        for (;;) {
            if (auto reason = context_.stop_reason()) {
                outcome.reason = *reason;
                break;
            }
            if (poll.readable > next) {
                next = deliver(next, poll.readable);
                interval = first_poll_interval;
                last_frame_at = core::Clock::now();
                // Sending may have taken longer than the timeout (a slow subscriber in
                // lossless delivery): the timeout counts from now, when the run waits again.
                follower_.restart_timeout(last_frame_at);
            } else if (poll.end) {
                switch (*poll.end) {
                case core::EndReason::finished:
                    outcome.reason = proto::EndReason::finished;
                    break;
                case core::EndReason::complete:
                    outcome.reason = proto::EndReason::complete;
                    break;
                case core::EndReason::timeout:
                    outcome.reason = proto::EndReason::timeout;
                    break;
                }
                break;
            } else {
                context_.sleep(interval);
                const auto cap = core::Clock::now() - last_frame_at < active_window
                                     ? active_poll_interval
                                     : idle_poll_interval;
                interval = std::min(interval * 2, cap);
            }
            if (!context_.stop_reason())
                poll = follower_.poll();
        }
    } catch (const std::exception& error) {
        if (auto reason = context_.stop_reason()) {
            outcome.reason = *reason; // interrupted while waiting for room
        } else {
            outcome.reason = proto::EndReason::error;
            outcome.error = "reading " + file_.path() + ": " + error.what();
        }
    }
    return outcome;
}

std::uint64_t FileRun::batch_size(std::uint64_t available) const {
    auto count = std::min(available, max_batch_frames);
    const auto per_frame = raw_bytes_per_frame_ + per_message_charge;
    // Never more than a quarter of the budget in one batch: other watches share it.
    const auto byte_cap =
        std::min(max_batch_bytes, std::max<std::uint64_t>(context_.budget.limit() / 4, 1));
    count = std::min(count, std::max<std::uint64_t>(byte_cap / per_frame, 1));
    return count;
}

bool FileRun::acquire(std::uint64_t bytes) {
    const auto stopped = [this] { return context_.stop_reason().has_value(); };
    if (context_.delivery == Delivery::lossless)
        return context_.budget.acquire(bytes, stopped);
    // Drop only when subscribers are really behind: a reader that got ahead of the socket
    // for a moment (a file catching up) waits for the bytes in flight to drain. Once a wait
    // has run out, frames drop at once until there is room again, so a stalled subscriber
    // never slows the reader down.
    if (dropping_) {
        dropping_ = !context_.budget.try_acquire(bytes);
        return !dropping_;
    }
    dropping_ =
        !context_.budget.acquire(bytes, stopped, std::chrono::steady_clock::now() + drop_patience);
    return !dropping_;
}

void FileRun::drop_frame(std::uint64_t index) {
    // The subscriber sees the gap in `seq`; status shows the count.
    ++seq_;
    context_.counters->dropped.fetch_add(1);
    spdlog::debug("{}: frame {} dropped, {} bytes in flight", context_.spec.name, index,
                  context_.budget.held());
}

std::uint64_t FileRun::deliver(std::uint64_t first, std::uint64_t end) {
    while (first < end) {
        if (context_.stop_reason())
            return first;
        // Frames with stored chunks go one at a time: their sizes are known only per frame,
        // and taking the budget for them in one acquisition keeps the rule that a frame
        // larger than the whole budget is still sent, alone.
        auto count = has_chunk_parts_ ? 1 : batch_size(end - first);
        const auto bytes = [&](std::uint64_t n) {
            return n * (raw_bytes_per_frame_ + per_message_charge) +
                   (has_chunk_parts_ ? stored_chunk_bytes(first) : 0);
        };
        if (!acquire(bytes(count))) {
            if (context_.delivery == Delivery::lossless)
                return first; // stopped while waiting for room
            count = 1;
            if (!acquire(bytes(count))) {
                drop_frame(first++);
                continue;
            }
        }
        Reservation reservation(context_.budget, bytes(count));
        send_frames(first, count, reservation);
        first += count;
    }
    return first;
}

// The stored sizes of frame `index`'s chunks, kept for add_parts.
std::uint64_t FileRun::stored_chunk_bytes(std::uint64_t index) {
    std::uint64_t total = 0;
    chunk_sizes_.assign(parts_.size(), 0);
    for (std::size_t p = 0; p < parts_.size(); ++p) {
        auto& part = parts_[p];
        if (part.encoding != proto::Encoding::chunk)
            continue;
        const auto n = part.readers.size();
        chunk_sizes_[p] = part.readers[index % n].stored_chunk_size(index / n);
        total += chunk_sizes_[p];
    }
    return total;
}

std::vector<proto::Slice> FileRun::slice_of(std::uint64_t index) {
    // swmr_tools: the first plain dataset's position; for interleaved stacks, the frame's own
    // index in the first dimension.
    auto& part = parts_.front();
    const auto n = part.readers.size();
    auto position = part.readers[index % n].position(index / n);
    std::vector<proto::Slice> slice;
    slice.reserve(position.size());
    for (auto p : position)
        slice.push_back({p, p + 1});
    if (n > 1 && !slice.empty())
        slice.front() = {index, index + 1};
    return slice;
}

// Reads `count` frames from `first` (each raw part in one HDF5 read per dataset) and queues
// one message per frame. `reservation` holds the raw bytes and the message charges.
void FileRun::send_frames(std::uint64_t first, std::uint64_t count, Reservation& reservation) {
    // Raw parts: one block per reader, holding that reader's frames of the batch.
    struct ReaderBlock {
        PayloadBlock::Owner block;
        std::uint64_t local_first = 0;
    };
    std::vector<std::vector<ReaderBlock>> blocks(parts_.size());
    for (std::size_t p = 0; p < parts_.size(); ++p) {
        auto& part = parts_[p];
        if (part.encoding != proto::Encoding::raw)
            continue;
        const auto n = part.readers.size();
        blocks[p].resize(n);
        for (std::size_t r = 0; r < n; ++r) {
            // The frames i of the batch with i % n == r, at local indices i / n.
            const auto first_global = first + (r + n - first % n) % n;
            if (first_global >= first + count)
                continue;
            const auto local_first = first_global / n;
            const auto local_count = (first + count - 1 - first_global) / n + 1;
            const auto bytes = local_count * part.info().frame_bytes;
            reservation.hand_over(bytes);
            blocks[p][r] = {PayloadBlock::create_owned(bytes, context_.budget), local_first};
            part.readers[r].read(local_first, local_count, blocks[p][r].block->bytes());
        }
    }

    std::vector<OutgoingMessage>& ready = ready_messages_;
    try {
        for (std::uint64_t i = first; i < first + count; ++i) {
            OutgoingMessage message;
            message.kind = OutgoingMessage::Kind::frame;
            message.topic = frame_topic_;
            message.counters = context_.counters;
            message.index = static_cast<std::int64_t>(i);
            add_parts(message, i, blocks, reservation);
            reservation.hand_over(per_message_charge);
            message.charge = per_message_charge;

            frame_header_.envelope.seq = seq_++;
            frame_header_.envelope.time = unix_time_now();
            frame_header_.index = i;
            frame_header_.slice = slice_of(i);
            message.header = proto::encode_header(frame_header_);
            ready.push_back(std::move(message));
        }
    } catch (...) {
        // Never sent: their charges go back, or the budget would shrink for good.
        for (const auto& message : ready)
            context_.budget.release(message.charge);
        ready.clear();
        throw;
    }
    context_.publisher.push(ready);
}

// The payload parts of frame `index`: slices of the batch's raw blocks, and its stored
// chunks, whose bytes `reservation` already holds (sizes from stored_chunk_bytes).
template <class Blocks>
void FileRun::add_parts(OutgoingMessage& message, std::uint64_t index, const Blocks& blocks,
                        Reservation& reservation) {
    for (std::size_t p = 0; p < parts_.size(); ++p) {
        auto& part = parts_[p];
        const auto n = part.readers.size();
        if (part.encoding == proto::Encoding::raw) {
            const auto& rb = blocks[p][index % n];
            const auto frame_bytes = part.info().frame_bytes;
            const auto offset = (index / n - rb.local_first) * frame_bytes;
            message.payload.push_back(rb.block->message(offset, frame_bytes));
            message.payload_bytes += frame_bytes;
            continue;
        }
        auto& reader = part.readers[index % n];
        const auto size = chunk_sizes_[p];
        reservation.hand_over(size);
        auto block = PayloadBlock::create_owned(size, context_.budget);
        reader.read_chunk(index / n, block->bytes());
        message.payload.push_back(block->message(0, size));
        message.payload_bytes += size;
    }
}

void FileRun::send_end(proto::EndReason reason, const std::optional<std::string>& error) {
    if (seq_ == 0) {
        // Failed before its start went out: its figures are none, not the last run's.
        send_failed_run(context_, file_.path(), run_id_, error.value_or(to_string(reason)));
        return;
    }
    OutgoingMessage end;
    end.kind = OutgoingMessage::Kind::end;
    end.topic = context_.spec.name + "/end";
    end.counters = context_.counters;
    proto::EndHeader header;
    header.envelope = {context_.spec.name, run_id_, seq_, 0.0};
    header.file = file_.path();
    header.reason = reason;
    header.error = error;
    end.end = std::move(header);
    context_.counters->ends_queued.fetch_add(1);
    context_.publisher.push(std::move(end));
}

void send_failed_run(RunContext& context, const std::string& file, const std::string& run_id,
                     const std::string& error) {
    OutgoingMessage end;
    end.kind = OutgoingMessage::Kind::end;
    end.topic = context.spec.name + "/end";
    // No counters: this run never started, so the watch's last run keeps its figures.
    proto::EndHeader header;
    header.envelope = {context.spec.name, run_id, 0, 0.0};
    header.file = file;
    header.reason = proto::EndReason::error;
    header.frames = 0;
    header.last_index = -1;
    header.error = error;
    end.end = std::move(header);
    context.publisher.push(std::move(end));
}

} // namespace swmrd::daemon
