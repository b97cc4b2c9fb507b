#pragma once
// One run: one file of a watch, from its `start` message through its frames to its `end`.

#include "run_context.hpp"

#include <swmrd/core/frame_reader.hpp>
#include <swmrd/core/key_follower.hpp>
#include <swmrd/core/swmr_file.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::daemon {

struct RunOutcome {
    proto::EndReason reason = proto::EndReason::finished;
    std::optional<std::string> error;
};

class FileRun {
public:
    // Reads the file's layout: keys, datasets, types, filters. Throws (core::H5Error or
    // std::runtime_error) when it is wrong, before anything is sent: a dataset missing, keys
    // of different rank, a raw read that needs a filter this host lacks…
    FileRun(RunContext& context, core::SwmrFile file, std::string run_id);
    ~FileRun();

    // Sends start and every frame as it becomes readable; returns why the run ended.
    // Errors while streaming end the run with reason `error`; nothing is thrown.
    RunOutcome run();
    // Sends the run's end. Separate from run() so that the watch can show the run's outcome
    // in its status before any subscriber learns of it.
    void finish(const RunOutcome& outcome) { send_end(outcome.reason, outcome.error); }

private:
    // One payload part of every frame: a dataset, or an interleaved group of datasets.
    struct PartSource {
        std::string name;                       // dataset path, or the interleaved group's name
        std::vector<core::FrameReader> readers; // frame i: readers[i % N] at i / N
        proto::Encoding encoding = proto::Encoding::raw;
        std::vector<proto::Filter> filters;
        const core::DatasetInfo& info() const { return readers.front().info(); }
    };

    PartSource make_part(std::string name, const std::vector<std::string>& paths);
    proto::StartHeader start_header(std::uint64_t first_index) const;
    std::uint64_t deliver(std::uint64_t first, std::uint64_t end);
    std::uint64_t batch_size(std::uint64_t available) const;
    bool acquire(std::uint64_t bytes);
    void drop_frame(std::uint64_t index);
    void send_frames(std::uint64_t first, std::uint64_t count, Reservation& reservation);
    template <class Blocks>
    void add_parts(OutgoingMessage& message, std::uint64_t index, const Blocks& blocks,
                   Reservation& reservation);
    std::uint64_t stored_chunk_bytes(std::uint64_t index);
    std::vector<proto::Slice> slice_of(std::uint64_t index);
    void send_end(proto::EndReason reason, const std::optional<std::string>& error);

    RunContext& context_;
    core::SwmrFile file_;
    std::string run_id_;
    std::string frame_topic_;
    core::KeyFollower follower_;
    std::vector<PartSource> parts_;
    std::uint64_t raw_bytes_per_frame_ = 0;
    bool has_chunk_parts_ = false;
    bool dropping_ = false; // drop delivery: the budget stayed full past the patience
    std::vector<std::uint64_t> chunk_sizes_; // of the frame being read, per part
    std::uint64_t seq_ = 0;
    proto::FrameHeader frame_header_;             // reused: its vectors keep their capacity
    std::vector<OutgoingMessage> ready_messages_; // a batch on its way to the publisher
};

// The only message of a run that fails before its layout could be read: its `end`, seq 0.
void send_failed_run(RunContext& context, const std::string& file, const std::string& run_id,
                     const std::string& error);

} // namespace swmrd::daemon
