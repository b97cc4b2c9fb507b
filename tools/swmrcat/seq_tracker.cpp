#include "swmrcat/seq_tracker.hpp"

namespace swmrd::cat {

namespace {

std::string run_name(const std::string& watch, const std::string& run) {
    return watch + " run " + run;
}

} // namespace

std::optional<std::string> SeqTracker::observe(const proto::Envelope& envelope,
                                               std::string_view kind) {
    const bool heartbeat = kind == "heartbeat";
    const bool end = kind == "end";
    const auto& watch = envelope.watch;
    const auto seq = envelope.seq;
    const auto found = watches_.find(watch);
    if (found == watches_.end()) {
        watches_[watch] = WatchState{envelope.run, seq + 1, end};
        if (heartbeat || seq == 0)
            return std::nullopt;
        return "joined " + run_name(watch, envelope.run) + " at seq " + std::to_string(seq) +
               ": earlier messages were sent before the subscription took effect";
    }
    auto& state = found->second;
    if (state.run != envelope.run) {
        std::string note;
        if (heartbeat) {
            note = "swmrd restarted: new instance " + envelope.run;
        } else {
            if (!state.ended) {
                add_gap(watch, state.run, 1);
                note = "missed the end of " + run_name(watch, state.run);
            }
            if (seq != 0) {
                add_gap(watch, envelope.run, seq);
                note += (note.empty() ? "" : "; ") + std::string("missed the first ") +
                        std::to_string(seq) + " messages of " + run_name(watch, envelope.run);
            }
        }
        state = WatchState{envelope.run, seq + 1, end};
        if (note.empty())
            return std::nullopt;
        return note;
    }
    std::optional<std::string> note;
    if (seq > state.next_seq) {
        const auto missed = seq - state.next_seq;
        add_gap(watch, envelope.run, missed);
        note = "missed " + std::to_string(missed) + " messages of " +
               run_name(watch, envelope.run) + ": seq jumped from " +
               std::to_string(state.next_seq - 1) + " to " + std::to_string(seq);
    } else if (seq < state.next_seq) {
        note = run_name(watch, envelope.run) + ": seq went back from " +
               std::to_string(state.next_seq - 1) + " to " + std::to_string(seq);
    } else if (state.ended && !heartbeat) {
        note = run_name(watch, envelope.run) + ": a " + std::string(kind) + " after its end";
    }
    state.next_seq = seq + 1;
    state.ended = state.ended || end;
    return note;
}

std::uint64_t SeqTracker::total_gaps() const noexcept {
    std::uint64_t total = 0;
    for (const auto& run : gaps_)
        total += run.gaps;
    return total;
}

void SeqTracker::add_gap(const std::string& watch, const std::string& run, std::uint64_t missed) {
    for (auto& entry : gaps_) {
        if (entry.watch == watch && entry.run == run) {
            ++entry.gaps;
            entry.missed += missed;
            return;
        }
    }
    gaps_.push_back(RunGaps{watch, run, 1, missed});
}

} // namespace swmrd::cat
