#include "watch/file_run.hpp"
#include "base/wall_clock.hpp"

#include <swmrd/config/units.hpp>

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
// With file events proven to come, the timed poll is a fallback only: in case one is missed.
constexpr microseconds event_fallback_interval{10000};
// Polls woken by events are at least this far apart: a writer at 10 kHz and more, each frame
// several writes, makes events a steady stream that must not become a busy loop.
constexpr microseconds min_poll_gap{100};
// How often a live run asks whether its file is still the one it opened (a statx).
constexpr milliseconds file_check_interval{100};

// One batch reads at most this many frames or bytes, so a watch catching up on a long file
// hands frames to subscribers steadily instead of in one huge lump.
constexpr std::uint64_t max_batch_frames = 4096;
constexpr std::uint64_t max_batch_bytes = 16ull << 20;

// In `drop` delivery, how long a frame waits for room before it is dropped.
constexpr milliseconds drop_patience{200};

proto::EndReason end_reason_of(core::EndReason reason) {
    switch (reason) {
    case core::EndReason::finished:
        return proto::EndReason::finished;
    case core::EndReason::complete:
        return proto::EndReason::complete;
    case core::EndReason::timeout:
        break;
    }
    return proto::EndReason::timeout;
}

core::FrameSourceOptions source_options(const config::WatchSpec& spec) {
    return {spec.keys, spec.datasets, spec.interleaved, spec.finished,
            core::Seconds(spec.timeout.count())};
}

} // namespace

FileRun::FileRun(RunContext& context, reader::ReaderProcess& reader, std::string path,
                 std::string run_id)
    : context_(context), path_(std::move(path)), run_id_(std::move(run_id)),
      source_(reader, source_options(context.spec)),
      messages_(source_, context.spec, run_id_, path_) {
    // A raw read that cannot be decoded, or frames larger than max_message, fail before
    // anything is sent. (Where a frame shape is not known yet, whether its chunks hold one
    // frame is not either: start decides.)
    if (source_.layout_known()) {
        messages_.plan();
        check_message_size(messages_.largest_raw_message(), std::nullopt);
    }
}

void FileRun::check_message_size(std::uint64_t bytes, std::optional<std::uint64_t> index) const {
    if (bytes <= context_.max_message)
        return;
    const auto size = config::format_size(bytes) + " (" + std::to_string(bytes) + " bytes)";
    throw std::runtime_error(
        (index ? "frame " + std::to_string(*index) + " of " + path_ + " is " + size
               : "the frames of " + path_ + " are " + size + " each") +
        ", more than max_message (" + config::format_size(context_.max_message) + "): not read");
}

FileRun::~FileRun() = default;

// The frames a scan of this shape holds, or 0 when a dimension is unlimited.
static std::uint64_t bounded_size(const std::vector<proto::MaxDim>& scan_shape) {
    std::uint64_t size = 1;
    for (const auto& dimension : scan_shape) {
        if (!dimension)
            return 0;
        size *= *dimension;
    }
    return size;
}

void FileRun::send_start(std::uint64_t first_index) {
    messages_.plan(); // the frame shapes may have become known since
    check_message_size(messages_.largest_raw_message(), std::nullopt);
    OutgoingMessage start;
    start.kind = OutgoingMessage::Kind::start;
    start.topic = proto::topic_of(context_.spec.name, proto::MessageKind::start);
    const auto header = messages_.start_header(first_index);
    start.header = proto::encode_header(header);
    start.counters = context_.counters;
    context_.counters->scan_frames.store(bounded_size(header.scan_shape));
    if (context_.on_start)
        context_.on_start(first_index);
    context_.publisher.push(std::move(start));
    started_ = true;
    first_index_ = first_index;
    next_ = first_index;
    context_.counters->open_run_end_seq.store(1);
}

RunOutcome FileRun::run(const std::function<std::optional<std::string>()>& check_file) {
    RunOutcome outcome;
    const auto timeout = std::chrono::duration_cast<core::Clock::duration>(context_.spec.timeout);
    try {
        auto& keys = source_.keys();
        auto polled_at = last_poll_ = core::Clock::now();
        auto poll = keys.poll();
        auto interval = first_poll_interval;
        auto last_frame_at = core::Clock::now();
        auto next_file_check = last_frame_at + file_check_interval;
        // Since when the keys have marked frames that the data does not hold yet. (A value
        // and a flag: GCC 12 misreads an optional here as maybe-uninitialised.)
        bool data_short = false;
        auto data_short_since = last_frame_at;
        for (;;) {
            // Whether the next poll waits for the writer's next write first.
            bool wait_first = false;
            if (auto reason = context_.stop_reason()) {
                outcome.reason = *reason;
                break;
            }
            // `start` describes every dataset's frame shape: it waits for a dataset created
            // empty to be sized, unless the run is over before that.
            if (!started_ && (poll.end || source_.layout_known())) {
                const bool latest = context_.spec.from == config::From::latest;
                send_start(latest && poll.readable > 0 ? poll.readable - 1 : 0);
            }
            const auto deliverable = started_ ? source_.data_frontier(poll.readable) : next_;
            const auto now = core::Clock::now();
            if (deliverable > next_) {
                events_proven_ = events_proven_ || woke_on_event_;
                deliver(deliverable, polled_at);
                interval = first_poll_interval;
                last_frame_at = core::Clock::now();
                data_short = false;
                // Sending may have taken longer than the timeout (a slow subscriber in
                // lossless delivery): the timeout counts from now, when the run waits again.
                keys.restart_timeout(last_frame_at);
                // Caught up, with events that come: a poll now would find nothing new.
                wait_first = events_proven_ && next_ >= poll.readable;
            } else if (poll.readable > next_) {
                // The keys ran ahead of the data: wait for it as long as for a key.
                if (!data_short) {
                    data_short = true;
                    data_short_since = now;
                }
                if (now - data_short_since >= timeout) {
                    outcome.reason = proto::EndReason::error;
                    outcome.error = "reading " + path_ + ": " + source_.data_shortfall(next_) +
                                    ", after waiting " +
                                    config::format_duration(context_.spec.timeout);
                    break;
                }
                context_.sleep(active_poll_interval);
            } else if (poll.end) {
                outcome.reason = end_reason_of(*poll.end);
                break;
            } else {
                wait_for_writer(interval);
                const auto cap = core::Clock::now() - last_frame_at < active_window
                                     ? active_poll_interval
                                     : idle_poll_interval;
                interval = std::min(interval * 2, cap);
            }
            if (check_file && core::Clock::now() >= next_file_check) {
                next_file_check = core::Clock::now() + file_check_interval;
                if (auto problem = check_file()) {
                    outcome.reason = proto::EndReason::error;
                    outcome.error = *problem;
                    outcome.file_changed = true;
                    break;
                }
            }
            if (wait_first)
                wait_for_writer(interval);
            if (!context_.stop_reason()) {
                polled_at = last_poll_ = core::Clock::now();
                poll = keys.poll();
                if (!warned_ && keys.warning()) {
                    warned_ = true;
                    context_.warn(*keys.warning());
                }
            }
        }
    } catch (const std::exception& error) {
        if (auto reason = context_.stop_reason()) {
            outcome.reason = *reason; // interrupted while waiting for room
        } else {
            outcome.reason = proto::EndReason::error;
            // A file cut short or replaced under the reader fails in HDF5's words: say what
            // happened to it instead, where that is what went wrong.
            auto problem = check_file ? check_file() : std::nullopt;
            outcome.error = problem ? *problem : "reading " + path_ + ": " + error.what();
            outcome.file_changed = problem.has_value();
        }
    }
    if (started_ && !outcome.file_changed) {
        try {
            outcome.seal = seal_of(source_, path_, next_);
        } catch (const std::exception& error) {
            // Unsealed, the run stays fetchable by its file's identity alone.
            spdlog::warn("{}: run {}: cannot record its file for later fetches: {}",
                         context_.spec.name, run_id_, error.what());
        }
    }
    return outcome;
}

std::uint64_t FileRun::batch_size(std::uint64_t available) const {
    auto count = std::min(available, max_batch_frames);
    const auto per_frame = messages_.largest_raw_frame() + per_message_charge;
    // Never more than a quarter of the budget in one batch: other watches share it.
    const auto byte_cap =
        std::min(max_batch_bytes, std::max<std::uint64_t>(context_.budget.limit() / 4, 1));
    count = std::min(count, std::max<std::uint64_t>(byte_cap / per_frame, 1));
    return count;
}

bool FileRun::acquire(std::uint64_t bytes) {
    const auto stopped = [this] { return context_.stop_reason().has_value(); };
    // Independent delivery waits like lossless, but only ever on the daemon's own queue:
    // each subscriber's pipe holds a bounded share, so a stalled one cannot hold it all.
    if (context_.delivery != Delivery::drop)
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
    context_.counters->dropped.fetch_add(1);
    spdlog::debug("{}: frame {} dropped, {} bytes in flight", context_.spec.name, index,
                  context_.budget.held());
}

// Nothing new: waits for the writer. With events, until its next write (the timed poll only
// a fallback, once events have proven to come for this file); without, for `interval`.
void FileRun::wait_for_writer(std::chrono::microseconds interval) {
    woke_on_event_ = false;
    auto* events = context_.file_events;
    if (events == nullptr || !events->active()) {
        context_.sleep(interval);
        return;
    }
    if (!events->wait(events_proven_ ? std::max(interval, event_fallback_interval) : interval))
        return;
    woke_on_event_ = true;
    // One frame's flush is several writes: let them land before the next poll.
    const auto since = core::Clock::now() - last_poll_;
    if (since < min_poll_gap)
        context_.sleep(std::chrono::duration_cast<microseconds>(min_poll_gap - since));
}

// Advances next_ batch by batch, so that an error in a later batch leaves it after the
// frames already handed on: the end's seq then counts exactly what was published or dropped.
void FileRun::deliver(std::uint64_t end, core::Clock::time_point readable_at) {
    while (next_ < end) {
        if (context_.stop_reason())
            return;
        // Frames with stored chunks go one at a time: their sizes are known only per frame,
        // and taking the budget for them in one acquisition keeps the rule that a frame
        // larger than the whole budget is still sent, alone.
        auto count = messages_.has_chunk_parts() ? 1 : batch_size(end - next_);
        // Sized once, before anything is acquired: a lookup that throws holds nothing.
        auto bytes = batch_bytes(count);
        if (messages_.has_chunk_parts()) // stored chunks are sized frame by frame
            check_message_size(bytes - per_message_charge, next_);
        if (!acquire(bytes)) {
            if (context_.delivery != Delivery::drop)
                return; // stopped while waiting for room
            count = 1;
            bytes = batch_bytes(count);
            if (!acquire(bytes)) {
                drop_frame(next_++);
                context_.counters->open_run_end_seq.store(next_ - first_index_ + 1);
                continue;
            }
        }
        Reservation reservation(context_.budget, bytes);
        const auto built_from = ready_messages_.size();
        messages_.build(next_, count, first_index_, reservation, context_.budget, context_.counters,
                        ready_messages_);
        for (auto message = ready_messages_.begin() + static_cast<std::ptrdiff_t>(built_from);
             message != ready_messages_.end(); ++message)
            message->readable_at = readable_at;
        context_.publisher.push(ready_messages_);
        next_ += count;
        context_.counters->open_run_end_seq.store(next_ - first_index_ + 1);
    }
}

std::uint64_t FileRun::batch_bytes(std::uint64_t count) {
    return messages_.raw_bytes(next_, count) +
           (messages_.has_chunk_parts() ? messages_.stored_chunk_bytes(next_) : 0);
}

void FileRun::send_end(proto::EndReason reason, const std::optional<std::string>& error) {
    if (!started_) {
        // Over before its start went out (it failed, or was stopped while a dataset's frame
        // shape was still unknown): its figures are none, not the last run's.
        send_lone_end(context_, path_, run_id_, reason, error);
        return;
    }
    auto end =
        end_message(context_.spec.name, run_id_, next_ - first_index_ + 1, path_, reason, error);
    end.counters = context_.counters;
    end.on_end = context_.on_end;
    // Closed here by its own thread: the daemon then has no end left to send on its behalf.
    if (context_.counters->open_run_end_seq.exchange(0) == 0)
        return;
    context_.counters->ends_queued.fetch_add(1);
    context_.publisher.push(std::move(end));
}

void send_lone_end(RunContext& context, const std::string& file, const std::string& run_id,
                   proto::EndReason reason, const std::optional<std::string>& error) {
    // No counters: this run never started, so the watch's last run keeps its figures (and
    // this end says 0 frames, last_index -1).
    auto end = end_message(context.spec.name, run_id, 0, file, reason, error);
    // Counted here, not as it goes out: without counters the publisher cannot tally it.
    context.counters->runs_by_reason[static_cast<std::size_t>(reason)].fetch_add(1);
    context.publisher.push(std::move(end));
}

} // namespace swmrd::daemon
