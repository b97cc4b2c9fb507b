#pragma once
// One run: one file of a watch, from its `start` message through its frames to its `end`.

#include "runs/frame_messages.hpp"
#include "runs/run_seal.hpp"
#include "watch/run_context.hpp"

#include "reader/reader_process.hpp"
#include "reader/remote_frame_source.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace swmrd::daemon {

struct RunOutcome {
    proto::EndReason reason = proto::EndReason::finished;
    std::optional<std::string> error;
    // The file at the path is no longer the one the run read (deleted, replaced, truncated):
    // whatever is there now is another file.
    bool file_changed = false;
    // What the run saw of its file at its end, when it started and its file stayed the same.
    std::optional<RunSeal> seal;
};

class FileRun {
public:
    // Opens the keys and datasets of the file `reader` has open at `path`, and checks them.
    // Throws (reader::ReaderError or std::runtime_error) when they are wrong, before anything
    // is sent: a dataset missing, keys of different rank, a raw read that needs a filter this
    // host lacks…
    FileRun(RunContext& context, reader::ReaderProcess& reader, std::string path,
            std::string run_id);
    ~FileRun();

    // Sends start and every frame as it becomes readable; returns why the run ended.
    // Errors while streaming end the run with reason `error`; nothing is thrown. `check_file`
    // is asked now and then whether the file is still the one the run opened; a message
    // from it ends the run with that error.
    RunOutcome run(const std::function<std::optional<std::string>()>& check_file = {});
    // Sends the run's end. Separate from run() so that the watch can show the run's outcome
    // in its status before any subscriber learns of it.
    void finish(const RunOutcome& outcome) { send_end(outcome.reason, outcome.error); }

private:
    void send_start(std::uint64_t first_index);
    // Throws when a message of `bytes` (frame `index`, or any frame when nullopt) would
    // exceed max_message: the run ends with an error naming both sizes, before the read.
    void check_message_size(std::uint64_t bytes, std::optional<std::uint64_t> index) const;
    // Frames [next_, end), whose keys the poll at `readable_at` found readable.
    void deliver(std::uint64_t end, core::Clock::time_point readable_at);
    std::uint64_t batch_bytes(std::uint64_t count);
    std::uint64_t batch_size(std::uint64_t available) const;
    bool acquire(std::uint64_t bytes);
    void drop_frame(std::uint64_t index);
    void send_end(proto::EndReason reason, const std::optional<std::string>& error);
    void wait_for_writer(std::chrono::microseconds interval);

    RunContext& context_;
    std::string path_;
    std::string run_id_;
    reader::RemoteFrameSource source_;
    FrameMessages messages_;
    bool started_ = false;
    std::uint64_t first_index_ = 0;
    std::uint64_t next_ = 0; // the next index to deliver or drop
    bool dropping_ = false;  // drop delivery: the budget stayed full past the patience
    bool warned_ = false;
    std::vector<OutgoingMessage> ready_messages_; // a batch on its way to the publisher
    core::Clock::time_point last_poll_{};
    bool woke_on_event_ = false;
    // An event was followed by new frames: this file's writes come with events, so the timed
    // poll is only a fallback (a network filesystem written from another host never gets here).
    bool events_proven_ = false;
};

// The only message of a run that is over before its `start` went out (it failed before its
// layout could be read, or was stopped first): its `end`, seq 0.
void send_lone_end(RunContext& context, const std::string& file, const std::string& run_id,
                   proto::EndReason reason, const std::optional<std::string>& error);

} // namespace swmrd::daemon
