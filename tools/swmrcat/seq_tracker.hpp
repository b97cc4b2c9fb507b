#pragma once
// Follows `seq` per watch, so that no missed message passes unseen: docs/protocol.md makes a jump
// in `seq` within a run the sign that the subscriber missed messages.

#include <swmrd/proto/messages.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swmrd::cat {

class SeqTracker {
public:
    struct RunGaps {
        std::string watch;
        std::string run;
        std::uint64_t gaps = 0;
        std::uint64_t missed = 0; // messages, at least
    };

    // Returns a line for stderr when this message shows that others were missed (or arrived
    // out of order). The first run seen of a watch may be joined half-way: messages sent before
    // the subscription took effect are noted, but are not gaps.
    std::optional<std::string> observe(const proto::Envelope& envelope, std::string_view kind);

    // Runs with gaps, in the order their first gap was seen.
    const std::vector<RunGaps>& gaps() const noexcept { return gaps_; }
    std::uint64_t total_gaps() const noexcept;

private:
    struct WatchState {
        std::string run;
        std::uint64_t next_seq = 0;
        bool ended = false;
    };

    void add_gap(const std::string& watch, const std::string& run, std::uint64_t missed);

    std::map<std::string, WatchState> watches_;
    std::vector<RunGaps> gaps_;
};

} // namespace swmrd::cat
