#include "fetch/fetch_reader.hpp"

#include <swmrd/config/allowed_roots.hpp>

#include <stdexcept>

namespace swmrd::daemon {

namespace {

// The keys are followed as far as they go, however long the file was quiet: a fetch never
// ends a run, it only asks how far the file is readable.
constexpr double never = 1e9;
// A read of a fetch not answered in this long is a hang: its reader process is killed.
constexpr std::chrono::milliseconds reader_patience{10000};

} // namespace

FetchReader::FetchReader(const RunRecord& record, std::uint64_t max_inflight,
                         std::uint64_t max_message)
    : run_(record.run), spec_(record.spec), first_index_(record.first_index),
      max_message_(max_message) {
    process_ = std::make_unique<reader::ReaderProcess>(reader::confined_settings(
        record.allowed_roots,
        static_cast<std::size_t>(2 * max_inflight + max_message + (16u << 20)), reader_patience));
    std::string why;
    const auto opened = process_->try_open(record.file, &why);
    if (!opened)
        throw std::runtime_error("cannot open " + record.file + " again just now: " + why);
    if (record.allowed_roots &&
        !config::is_inside_allowed_roots(*opened, *record.allowed_roots, &why))
        throw std::runtime_error(record.file + " opened a file outside the allowed roots: " + why);
    // Opened after the identity was checked: check again, or a replacement in between would
    // be read as the run's file.
    if (const auto gone = RunRegistry::gone(record))
        throw std::runtime_error(*gone);
    source_ = std::make_unique<reader::RemoteFrameSource>(
        *process_, core::FrameSourceOptions{spec_.keys, spec_.datasets, spec_.interleaved,
                                            std::nullopt, core::Seconds(never)});
    if (!source_->layout_known())
        throw std::runtime_error("the frame shapes of " + record.file + " are not known yet");
    // An ended run's file may have been written anew in place, same inode and all.
    if (record.seal) {
        const auto at_open = identify(record.file); // before the check: a write after it shows
        if (auto broken = broken_seal(*record.seal, *source_, record.file, record.run))
            throw RunFileChanged(*broken);
        seal_ = record.seal;
        seal_->size = at_open ? at_open->size : 0;
        seal_->modified_ns = at_open ? at_open->modified_ns : 0;
        file_ = record.file;
    }
    messages_ = std::make_unique<FrameMessages>(*source_, spec_, run_, record.file, true);
    messages_->plan();
}

std::uint64_t FetchReader::frontier() {
    const auto poll = source_->keys().poll();
    return source_->data_frontier(poll.readable);
}

std::uint64_t FetchReader::frames_within(std::uint64_t first, std::uint64_t count,
                                         std::uint64_t max_payload, bool at_least_one,
                                         std::uint64_t& budget_bytes) {
    // Frames with stored chunks go one at a time: their sizes are known only per frame.
    if (messages_->has_chunk_parts())
        count = 1;
    std::uint64_t payload = 0;
    std::uint64_t taken = 0;
    budget_bytes = 0;
    for (; taken < count; ++taken) {
        auto bytes = messages_->raw_bytes(first + taken, 1);
        if (messages_->has_chunk_parts())
            bytes += messages_->stored_chunk_bytes(first + taken);
        const auto frame_payload = bytes - per_message_charge;
        if (frame_payload > max_message_)
            throw MessageTooLarge("frame " + std::to_string(first + taken) + " is " +
                                  std::to_string(frame_payload) +
                                  " bytes, more than max_message (" + std::to_string(max_message_) +
                                  " bytes): not read");
        if ((taken > 0 || !at_least_one) && payload + frame_payload > max_payload)
            break;
        payload += frame_payload;
        budget_bytes += bytes;
    }
    return taken;
}

void FetchReader::build(std::uint64_t first, std::uint64_t count, Reservation& reservation,
                        InflightBudget& budget, std::vector<OutgoingMessage>& out) {
    messages_->build(first, count, first_index_, reservation, budget, nullptr, out);
}

} // namespace swmrd::daemon
