#pragma once
// The newest published frame of a watch, read again from its file for the live view and
// /api/v1/watches/<name>/latest (PROTOCOL.md section 6). Never on the live path: it opens the
// run's file apart from the watch, as a fetch does, decodes every dataset (a raw read, whatever
// the run's encoding), and reads at most once per `min_interval` per watch; requests in
// between get the copy already read.

#include "run_registry.hpp"

#include <nlohmann/json.hpp>

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
    nlohmann::json metadata; // watch, run, file, index, seq, slice, scan_shape, dataset, dtype, shape
    std::string values;      // the frame's bytes, C order, in `dtype`
};

class LatestFrames {
public:
    explicit LatestFrames(const RunRegistry& runs,
                          std::chrono::milliseconds min_interval = std::chrono::milliseconds(250));

    // Throws HttpError: 404 for an unknown watch or dataset or no frame published yet, 410
    // when the run's file was deleted or replaced, 503 when it cannot be read just now.
    LatestFrame read(const std::string& watch, const std::string& dataset);

private:
    struct Read {
        nlohmann::json header; // the frame's header, as a subscriber got it
        std::vector<std::string> parts;
    };
    struct PerWatch {
        std::mutex mutex; // one read per watch at a time; others wait for its result
        std::chrono::steady_clock::time_point read_at{};
        std::string run;
        std::int64_t index = -1;
        std::shared_ptr<const Read> read;
    };

    std::shared_ptr<PerWatch> per_watch(const std::string& watch);
    std::shared_ptr<const Read> read_again(const RunRecord& record, std::int64_t index);

    const RunRegistry& runs_;
    const std::chrono::milliseconds min_interval_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<PerWatch>> watches_;
};

} // namespace swmrd::daemon
