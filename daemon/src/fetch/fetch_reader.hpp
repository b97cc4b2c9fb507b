#pragma once
// A run's file opened again for the fetch channel: its frames read through the same frame
// source and built by the same FrameMessages as the live stream, so a fetched frame's header
// is the live one's (plus `fetched: true`) by construction.

#include "runs/frame_messages.hpp"
#include "runs/run_registry.hpp"

#include "reader/reader_process.hpp"
#include "reader/remote_frame_source.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

namespace swmrd::daemon {

// A frame whose message is larger than the reader's max_message: refused before it is read.
struct MessageTooLarge : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class FetchReader {
public:
    // Opens the run's file as the run read it, in a reader process of its own (confined to
    // the run's allowed roots for a control watch) whose shared memory holds `max_inflight`
    // bytes of frames, and messages up to `max_message`. Throws reader::ReaderError or
    // std::runtime_error saying why it cannot; RunFileChanged when an ended run's file was
    // written anew in place since.
    FetchReader(const RunRecord& record, std::uint64_t max_inflight, std::uint64_t max_message);

    const std::string& run() const noexcept { return run_; }
    // False once an ended run's file changed since it was opened (its size or time): HDF5's
    // view of it may be stale, and it must be opened, and checked, again.
    bool current() const { return !seal_ || looks_sealed(*seal_, file_); }

    // When a fetch last read through it: an idle reader is closed, so that a file deleted
    // since is not held open (its disk space not given back) while the daemon runs.
    std::chrono::steady_clock::time_point last_used() const noexcept { return last_used_; }
    void touch() { last_used_ = std::chrono::steady_clock::now(); }

    // The first index not readable yet: the keys' leading run, and what the data holds.
    std::uint64_t frontier();

    // How many of the frames from `first` (at most `count`) fit in `max_payload` bytes of
    // payload, at least one when `at_least_one`. `budget_bytes` gets what reading them takes
    // from the budget.
    std::uint64_t frames_within(std::uint64_t first, std::uint64_t count, std::uint64_t max_payload,
                                bool at_least_one, std::uint64_t& budget_bytes);

    // Builds the messages of frames [first, first + count); `reservation` holds the bytes
    // frames_within() reported for them.
    void build(std::uint64_t first, std::uint64_t count, Reservation& reservation,
               InflightBudget& budget, std::vector<OutgoingMessage>& out);

private:
    std::string run_;
    config::WatchSpec spec_;
    std::uint64_t first_index_;
    std::uint64_t max_message_;
    std::optional<RunSeal> seal_; // an ended run's, with its file's size and time at the open
    std::string file_;
    std::unique_ptr<reader::ReaderProcess> process_;
    std::unique_ptr<reader::RemoteFrameSource> source_;
    std::unique_ptr<FrameMessages> messages_;
    std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
};

} // namespace swmrd::daemon
