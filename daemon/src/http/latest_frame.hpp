#pragma once
// The newest published frame of a watch, read again from its file for the live view and
// /api/v1/watches/<name>/latest (docs/protocol.md, HTTP). Never on the live path: it opens the
// run's file in a reader process of its own, as a fetch does, decodes every dataset (a raw
// read, whatever the run's encoding), and reads at most once per `min_interval` per watch;
// requests in between get the copy already read.
//
// Bounded whatever the clients do: one read at a time in the whole daemon, a frame larger
// than `max_bytes` is refused (413) before it is read, and the copies kept for the watches
// being viewed hold `max_bytes` together at most (the least recently asked for go first;
// one not asked for in a while goes anyway).

#include "runs/run_registry.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace swmrd::daemon {

// A request the endpoint answers with `status` (4xx, 5xx) and `message`.
struct HttpError : std::runtime_error {
    HttpError(int code, const std::string& message) : std::runtime_error(message), status(code) {}
    int status;
};

struct LatestFrame {
    nlohmann::json
        metadata; // watch, run, file, index, seq, slice, scan_shape, dataset, dtype, shape
    // The frame's bytes, C order, in `dtype`: the copy kept for the watch, shared rather than
    // copied per request.
    std::shared_ptr<const std::string> values;
};

class LatestFrames {
public:
    LatestFrames(RunRegistry& runs, std::uint64_t max_bytes,
                 std::chrono::milliseconds min_interval = std::chrono::milliseconds(250));

    // Throws HttpError: 404 for an unknown watch or dataset or no frame published yet, 410
    // when the run's file was deleted or replaced, 413 for a frame larger than max_bytes,
    // 503 when it cannot be read just now.
    LatestFrame read(const std::string& watch, const std::string& dataset);
    // What read() would refuse with, without reading (HEAD).
    void probe(const std::string& watch) const;

private:
    struct Read {
        nlohmann::json header; // the frame's header, as a subscriber got it
        std::vector<std::string> parts;
    };
    struct PerWatch {
        std::mutex mutex; // one read per watch at a time; others wait for its result
        std::chrono::steady_clock::time_point read_at{};
        std::chrono::steady_clock::time_point asked_at{}; // guarded by LatestFrames::mutex_
        std::atomic<std::uint64_t> bytes{0};              // of `read`, for trim() without `mutex`
        std::string run;
        std::int64_t index = -1;
        std::shared_ptr<const Read> read;
    };

    std::shared_ptr<PerWatch> per_watch(const std::string& watch);
    std::shared_ptr<const Read> read_again(const RunRecord& record, std::int64_t index);
    // The watch's newest run and the index of its newest published frame; throws HttpError.
    RunRecord newest(const std::string& watch, std::int64_t& index) const;
    // Drops the copies of watches not asked for lately, then the least recently asked for
    // until the rest fit in max_bytes_. Under mutex_.
    void trim(std::chrono::steady_clock::time_point now);

    RunRegistry& runs_; // read, and told of files found rewritten
    const std::uint64_t max_bytes_;
    const std::chrono::milliseconds min_interval_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<PerWatch>> watches_;
    std::mutex read_mutex_; // one read in the daemon at a time: its memory is one frame
};

} // namespace swmrd::daemon
