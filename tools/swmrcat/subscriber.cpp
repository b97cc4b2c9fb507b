#include "swmrcat/subscriber.hpp"

#include "swmrcat/fetch_client.hpp"
#include "swmrcat/message_format.hpp"
#include "swmrcat/seq_tracker.hpp"
#include "swmrcat/stats.hpp"

#include <swmrd/proto/decode_error.hpp>
#include <swmrd/proto/fetch.hpp>
#include <swmrd/proto/messages.hpp>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>

namespace swmrd::cat {

namespace {

using Clock = Stats::Clock;
using namespace std::chrono_literals;

constexpr auto stats_interval = 5s;
constexpr auto poll_period = 200ms;
// How long to stay quiet about a daemon that says nothing, before the first heartbeat.
constexpr auto silence_before_first = 10s;
constexpr int max_batch = 256;

std::string join_endpoints(const std::vector<std::string>& endpoints) {
    std::string out;
    for (const auto& endpoint : endpoints)
        out += (out.empty() ? "" : ", ") + endpoint;
    return out;
}

class Subscriber {
public:
    Subscriber(const CatOptions& options, std::FILE* out, std::FILE* err)
        : options_(options), out_(out), err_(err), socket_(context_, zmq::socket_type::sub),
          stats_(Clock::now()), last_heard_(Clock::now()),
          next_stats_(Clock::now() + stats_interval) {
        socket_.set(zmq::sockopt::linger, 0);
        if (options_.watch) {
            socket_.set(zmq::sockopt::subscribe, *options_.watch + "/");
            // Heartbeats tell that the subscription took effect and the daemon is alive.
            socket_.set(zmq::sockopt::subscribe, "_daemon/heartbeat");
        } else {
            socket_.set(zmq::sockopt::subscribe, "");
        }
        for (const auto& endpoint : options_.endpoints)
            socket_.connect(endpoint);
    }

    int run(const volatile std::sig_atomic_t& stop) {
        while (!done_ && stop == 0) {
            zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
            try {
                zmq::poll(&item, 1, poll_period);
            } catch (const zmq::error_t& error) {
                if (error.num() != EINTR)
                    throw;
                continue;
            }
            if ((item.revents & ZMQ_POLLIN) != 0)
                receive_ready();
            check_silence();
            if (options_.stats && Clock::now() >= next_stats_) {
                note(stats_.interval_line(Clock::now()));
                next_stats_ = Clock::now() + stats_interval;
            }
        }
        finish();
        return 0;
    }

private:
    // In batches, so that a steady stream still lets the loop see a stop request and the stats.
    void receive_ready() {
        for (int i = 0; i < max_batch && !done_; ++i) {
            std::vector<zmq::message_t> parts;
            try {
                if (!zmq::recv_multipart(socket_, std::back_inserter(parts),
                                         zmq::recv_flags::dontwait))
                    return;
            } catch (const zmq::error_t& error) {
                if (error.num() != EINTR)
                    throw;
                return;
            }
            last_heard_ = Clock::now();
            handle(parts);
        }
    }

    void handle(const std::vector<zmq::message_t>& parts) {
        const auto topic = parts.empty() ? std::string() : parts[0].to_string();
        if (parts.size() < 2) {
            note("a message of " + std::to_string(parts.size()) + " part(s) on topic '" + topic +
                 "': not protocol v1");
            return;
        }
        proto::Header header;
        try {
            header = proto::decode_header(parts[1].data(), parts[1].size());
        } catch (const proto::DecodeError& error) {
            note("undecodable header on topic '" + topic + "': " + error.what());
            return;
        }
        std::visit(
            [&](const auto& h) {
                if (options_.repair && !repair_before(h))
                    return; // printed already, fetched by a tail probe
                if (const auto gap = tracker_.observe(h.envelope, proto::kind_of(header)))
                    note(*gap);
                on(h, parts);
            },
            header);
        std::fflush(out_);
    }

    void on(const proto::StartHeader& start, const std::vector<zmq::message_t>&) {
        print(format_start(start));
    }

    void on(const proto::FrameHeader& frame, const std::vector<zmq::message_t>& parts) {
        std::vector<std::string_view> payloads;
        std::uint64_t bytes = 0;
        for (std::size_t i = 2; i < parts.size(); ++i) {
            payloads.emplace_back(static_cast<const char*>(parts[i].data()), parts[i].size());
            bytes += parts[i].size();
        }
        stats_.count_frame(bytes);
        print(format_frame(frame, payloads, options_.print));
        if (options_.count && stats_.frames() >= *options_.count)
            done_ = true;
    }

    void on(const proto::EndHeader& end, const std::vector<zmq::message_t>&) {
        print(format_end(end));
        if (auto found = runs_.find(end.envelope.watch);
            found != runs_.end() && found->second.run == end.envelope.run)
            found->second.run.clear(); // over: nothing more to repair or to ask after
        if (options_.exit_on_end)
            done_ = true;
    }

    // --repair: what the run's seq says was missed before this message is fetched and
    // printed first, as if it had arrived; --history: so is a joined run's beginning.
    struct RunState {
        std::string run;
        std::int64_t base = 0; // index - seq in the run
        std::uint64_t seq = 0; // of the last message printed
        int quiet = 0;         // heartbeats in a row without a message of the run
        bool ended_seen = false;
    };

    // False: the message was printed already (fetched), skip it.
    bool repair_before(const proto::HeartbeatHeader&) { return true; }

    bool repair_before(const proto::StartHeader& start) {
        runs_[start.envelope.watch] = {start.envelope.run,
                                       static_cast<std::int64_t>(start.first_index) - 1, 0};
        if (options_.history && start.first_index > 0)
            fetch_missed(start.envelope, 0, start.first_index, false);
        return true;
    }

    bool repair_before(const proto::FrameHeader& frame) {
        const auto& envelope = frame.envelope;
        auto& state = runs_[envelope.watch];
        if (state.run != envelope.run) { // joined in progress
            state = {envelope.run,
                     static_cast<std::int64_t>(frame.index) -
                         static_cast<std::int64_t>(envelope.seq),
                     envelope.seq - 1};
            if (options_.history && frame.index > 0)
                fetch_missed(envelope, 0, frame.index, false);
            return true;
        }
        return fill_gap(state, envelope);
    }

    bool repair_before(const proto::EndHeader& end) {
        auto& state = runs_[end.envelope.watch];
        return state.run != end.envelope.run || fill_gap(state, end.envelope);
    }

    bool fill_gap(RunState& state, const proto::Envelope& envelope) {
        state.quiet = 0;
        if (envelope.seq <= state.seq)
            return false; // a frame the tail probe fetched already, arriving after all
        if (envelope.seq > state.seq + 1)
            fetch_missed(envelope, static_cast<std::uint64_t>(state.base + state.seq + 1),
                         static_cast<std::uint64_t>(state.base + envelope.seq), true);
        state.seq = envelope.seq;
        return true;
    }

    void fetch_missed(const proto::Envelope& envelope, std::uint64_t from, std::uint64_t stop,
                      bool gap) {
        if (from >= stop)
            return;
        const auto range = "frames " + std::to_string(from) + " to " + std::to_string(stop - 1) +
                           " of run " + envelope.run;
        if (fetch_endpoint_.empty()) {
            note("cannot fetch " + range +
                 ": no heartbeat named a fetch endpoint (set `fetch` "
                 "in swmrd's config)");
            gaps_left_ += gap ? 1 : 0;
            return;
        }
        if (!fetcher_)
            fetcher_.emplace(context_, fetch_endpoint_);
        const auto outcome = fetcher_->fetch(
            envelope.watch, envelope.run, from, stop,
            [&](const proto::FrameHeader& frame, const std::vector<zmq::message_t>& parts) {
                if (gap) // seen as if it had come live: no gap in seq is left
                    (void)tracker_.observe(frame.envelope, "frame");
                on(frame, parts);
            });
        const auto got = outcome.frames;
        (gap ? repaired_frames_ : history_frames_) += got;
        if (outcome.failure) {
            note("could not fetch all " + range + " (" + std::to_string(got) +
                 " came): " + *outcome.failure);
            gaps_left_ += gap ? 1 : 0;
        } else if (gap) {
            ++gaps_repaired_;
            note("repaired " + range + " from " + fetcher_->endpoint());
        }
    }

    // Frames lost after the last message that came (the run's end too) show in no gap: a
    // run quiet for two heartbeats is asked after (docs/protocol.md, "Repairing a gap").
    void probe_tail() {
        if (!options_.repair || fetch_endpoint_.empty())
            return;
        for (auto& [watch, state] : runs_) {
            if (state.run.empty() || ++state.quiet < 2)
                continue;
            state.quiet = 0;
            if (!fetcher_)
                fetcher_.emplace(context_, fetch_endpoint_);
            const auto from = static_cast<std::uint64_t>(state.base + state.seq + 1);
            const auto outcome = fetcher_->fetch(
                watch, state.run, from, from + proto::max_fetch_count,
                [&](const proto::FrameHeader& frame, const std::vector<zmq::message_t>& parts) {
                    (void)tracker_.observe(frame.envelope, "frame");
                    state.seq = frame.envelope.seq;
                    on(frame, parts);
                },
                true);
            repaired_frames_ += outcome.frames;
            if (outcome.frames > 0 || !outcome.ended) {
                state.ended_seen = false;
                continue;
            }
            if (!state.ended_seen) {
                state.ended_seen = true; // its end may still be on its way
                continue;
            }
            note("the end of run " + state.run + " of " + watch + " never came: it ended " +
                 (outcome.reason ? proto::to_string(*outcome.reason) : "unknown"));
            state.run.clear();
            if (options_.exit_on_end)
                done_ = true;
        }
    }

    void on(const proto::HeartbeatHeader& heartbeat, const std::vector<zmq::message_t>&) {
        if (heartbeat.fetch && fetch_endpoint_.empty())
            fetch_endpoint_ = resolve_fetch_endpoint(*heartbeat.fetch, options_.endpoints.front());
        probe_tail();
        if (!heartbeat_period_) {
            note("connected to swmrd " + heartbeat.version + " on " + heartbeat.host + " at " +
                 join_endpoints(options_.endpoints));
        } else if (warned_silence_) {
            note("heartbeats from swmrd again");
        }
        warned_silence_ = false;
        heartbeat_period_ = heartbeat.period;
        last_heartbeat_ = Clock::now();
        if (options_.heartbeats)
            print(format_heartbeat(heartbeat));
    }

    // Says so, once, when the daemon seems gone: a subscriber cannot otherwise tell a quiet
    // daemon from a dead one.
    void check_silence() {
        if (warned_silence_)
            return;
        const auto now = Clock::now();
        if (!heartbeat_period_) {
            if (now - last_heard_ > silence_before_first) {
                note("nothing from " + join_endpoints(options_.endpoints) +
                     " yet: is swmrd running and publishing there?");
                warned_silence_ = true;
            }
            return;
        }
        const auto allowed =
            std::max<std::chrono::duration<double>>(3.0 * *heartbeat_period_ * 1s, 3s);
        if (now - last_heartbeat_ > allowed) {
            note("no heartbeat from swmrd for " +
                 std::to_string(static_cast<long long>(allowed.count())) +
                 " s: is it still running?");
            warned_silence_ = true;
        }
    }

    void finish() {
        std::fflush(out_);
        if (options_.repair)
            note("gaps repaired: " + std::to_string(gaps_repaired_) + " (" +
                 std::to_string(repaired_frames_) +
                 " frames); gaps left: " + std::to_string(gaps_left_) +
                 (options_.history ? "; history frames: " + std::to_string(history_frames_)
                                   : std::string()));
        if (options_.stats || tracker_.total_gaps() > 0) {
            auto lines = stats_.final_lines(Clock::now(), tracker_);
            std::size_t start = 0;
            while (start < lines.size()) {
                const auto end = lines.find('\n', start);
                note(lines.substr(start, end - start));
                start = end + 1;
            }
        }
    }

    void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), out_); }

    void note(const std::string& line) {
        std::fprintf(err_, "swmrcat: %s\n", line.c_str());
        std::fflush(err_);
    }

    const CatOptions& options_;
    std::FILE* out_;
    std::FILE* err_;
    zmq::context_t context_;
    zmq::socket_t socket_;
    SeqTracker tracker_;
    Stats stats_;
    Clock::time_point last_heard_;
    Clock::time_point last_heartbeat_{};
    Clock::time_point next_stats_;
    std::optional<double> heartbeat_period_;
    bool warned_silence_ = false;
    bool done_ = false;
    std::map<std::string, RunState> runs_; // by watch
    std::string fetch_endpoint_;
    std::optional<FetchClient> fetcher_;
    std::uint64_t gaps_repaired_ = 0;
    std::uint64_t repaired_frames_ = 0;
    std::uint64_t history_frames_ = 0;
    std::uint64_t gaps_left_ = 0;
};

} // namespace

int run_subscriber(const CatOptions& options, std::FILE* out, std::FILE* err,
                   const volatile std::sig_atomic_t& stop) {
    Subscriber subscriber(options, out, err);
    return subscriber.run(stop);
}

} // namespace swmrd::cat
