#pragma once
// The test vectors of tests/data/proto: one message of every kind the protocol has, as the
// structs the encoder takes. proto_vectors writes them; proto_tests checks the committed files
// against them.

#include "swmrd/proto/control.hpp"
#include "swmrd/proto/fetch.hpp"
#include "swmrd/proto/messages.hpp"

#include <string>
#include <variant>
#include <vector>

namespace swmrd::proto::testing {

// A reply only decodes knowing the command it answers.
struct ReplyTo {
    std::string command;
    ControlReply reply;
};

struct Vector {
    std::string name; // file stem: NAME.msgpack and NAME.json
    std::variant<Header, ControlRequest, ReplyTo, FetchRequest, FetchedHeader> message;
};

std::vector<Vector> all_vectors();

// The bytes of NAME.msgpack.
std::string encode(const Vector& vector);
// The text of NAME.json: the same map as JSON, one line, with a final newline.
std::string json_twin(const std::string& msgpack_bytes);

} // namespace swmrd::proto::testing
