#pragma once

#include "swmrd/proto/vocabulary.hpp"

#include <stdexcept>
#include <string>

namespace swmrd::proto {

// The one exception type of the proto layer: bytes that are not a valid v1 message.
// The message names the field that was wrong. `code` is the control error code a daemon
// answers with: proto::to_string(proto::ErrorCode::bad_request), or "unknown_command" for a
// well-formed request whose `cmd` is not one of protocol v1.
class DecodeError : public std::runtime_error {
public:
    explicit DecodeError(const std::string& message,
                         std::string code = to_string(ErrorCode::bad_request))
        : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

} // namespace swmrd::proto
