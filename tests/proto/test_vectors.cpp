// The committed test vectors must be what the encoder writes now, must decode back to their
// structs, and must agree with their JSON twins, by our decoder and by Python's msgpack.

#include "helpers.hpp"
#include "vectors.hpp"

#include "swmrd/proto/control.hpp"
#include "swmrd/proto/messages.hpp"
#include "swmrd/proto/msgpack_value.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

using namespace swmrd::proto;
using namespace swmrd::proto::testing;
namespace fs = std::filesystem;

namespace {

const fs::path vectors_dir = SWMRD_PROTO_VECTORS_DIR;
const std::string regenerate =
    "if the change is intended, regenerate the vectors as tests/data/proto/README.md says";

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
}

// A directory of its own under the temporary directory, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "proto_tests.XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

struct Run {
    int status = -1;
    std::string output;
};

// The check script under Debian's Python, which has the msgpack module.
Run check_with_python(const fs::path& directory) {
    const std::string command = std::string("/usr/bin/python3 '") + SWMRD_PROTO_CHECK_SCRIPT +
                                "' '" + directory.string() + "' 2>&1";
    Run run;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        run.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

bool same_request(const ControlRequest& a, const ControlRequest& b) {
    return encode_request(a) == encode_request(b) && a.index() == b.index();
}

} // namespace

TEST_CASE("each committed vector is exactly what the encoder writes now") {
    for (const Vector& vector : all_vectors()) {
        CAPTURE(vector.name);
        const std::string bytes = encode(vector);
        CHECK_MESSAGE(read_file(vectors_dir / (vector.name + ".msgpack")) == bytes,
                      vector.name << ".msgpack differs from the encoder's output; " << regenerate);
        CHECK_MESSAGE(read_file(vectors_dir / (vector.name + ".json")) == json_twin(bytes),
                      vector.name << ".json differs from to_json of the encoder's output; "
                                  << regenerate);
    }
}

TEST_CASE("the vector directory holds the vectors and nothing stale") {
    std::set<std::string> expected{"README.md"};
    for (const Vector& vector : all_vectors()) {
        CHECK_MESSAGE(expected.insert(vector.name + ".msgpack").second,
                      "two vectors named " << vector.name);
        expected.insert(vector.name + ".json");
    }
    std::string missing;
    for (const std::string& name : expected)
        if (!fs::exists(vectors_dir / name))
            missing.append(" ").append(name);
    std::string stale;
    for (const auto& entry : fs::directory_iterator(vectors_dir))
        if (expected.count(entry.path().filename().string()) == 0)
            stale.append(" ").append(entry.path().filename().string());
    CHECK_MESSAGE(missing.empty(),
                  "missing from tests/data/proto:" << missing << "; " << regenerate);
    CHECK_MESSAGE(stale.empty(), "no vector writes" << stale << "; remove them or add the vectors");
}

TEST_CASE("each committed vector decodes to its struct") {
    for (const Vector& vector : all_vectors()) {
        CAPTURE(vector.name);
        const std::string bytes = read_file(vectors_dir / (vector.name + ".msgpack"));
        if (const auto* header = std::get_if<Header>(&vector.message)) {
            CHECK(decode_header(bytes.data(), bytes.size()) == *header);
        } else if (const auto* request = std::get_if<ControlRequest>(&vector.message)) {
            CHECK(same_request(decode_request(bytes.data(), bytes.size()), *request));
        } else if (std::holds_alternative<FetchRequest>(vector.message)) {
            CHECK(encode_fetch_request(decode_fetch_request(bytes.data(), bytes.size())) == bytes);
        } else if (std::holds_alternative<FetchedHeader>(vector.message)) {
            CHECK(encode_fetched(decode_fetched(bytes.data(), bytes.size())) == bytes);
        } else {
            const auto& reply = std::get<ReplyTo>(vector.message);
            CHECK(decode_reply(bytes.data(), bytes.size(), reply.command) == reply.reply);
        }
    }
}

TEST_CASE("each committed JSON twin is to_json of its decoded MessagePack") {
    for (const Vector& vector : all_vectors()) {
        CAPTURE(vector.name);
        const std::string bytes = read_file(vectors_dir / (vector.name + ".msgpack"));
        CHECK(read_file(vectors_dir / (vector.name + ".json")) ==
              to_json(decode_value(bytes.data(), bytes.size())) + "\n");
    }
}

TEST_CASE("the vectors cover every kind, request, reply and error code") {
    std::set<std::string> covered;
    for (const Vector& vector : all_vectors()) {
        if (const auto* header = std::get_if<Header>(&vector.message)) {
            covered.insert(std::string("header ") + kind_of(*header));
            if (const auto* end = std::get_if<EndHeader>(header))
                covered.insert(std::string("end ") + to_string(end->reason));
        } else if (const auto* request = std::get_if<ControlRequest>(&vector.message)) {
            covered.insert(std::string("request ") + command_of(*request));
        } else if (std::holds_alternative<FetchRequest>(vector.message)) {
            covered.insert("fetch request");
        } else if (const auto* fetched = std::get_if<FetchedHeader>(&vector.message)) {
            covered.insert(fetched->ok ? "fetched ok" : "fetched error");
        } else {
            const auto& reply = std::get<ReplyTo>(vector.message);
            if (const auto* error = std::get_if<ErrorReply>(&reply.reply))
                covered.insert("error " + error->code);
            else
                covered.insert("reply " + reply.command);
        }
    }
    for (const char* expected : {"header start",      "header frame",
                                 "header end",        "header heartbeat",
                                 "end finished",      "end complete",
                                 "end timeout",       "end stopped",
                                 "end shutdown",      "end error",
                                 "request ping",      "request start",
                                 "request stop",      "request list",
                                 "request status",    "reply ping",
                                 "reply start",       "reply stop",
                                 "reply list",        "reply status",
                                 "error bad_request", "error unknown_command",
                                 "error not_found",   "error exists",
                                 "error forbidden",   "error internal",
                                 "request runs",      "reply runs",
                                 "fetch request",     "fetched ok",
                                 "fetched error"}) {
        CHECK_MESSAGE(covered.count(expected) == 1, "no vector for " << expected);
    }
}

TEST_CASE("Python's msgpack reads each vector as exactly its JSON twin") {
    const Run run = check_with_python(vectors_dir);
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(run.output.find(std::to_string(all_vectors().size()) + " vectors checked, 0 problems") !=
          std::string::npos);
}

TEST_CASE("the Python check fails on a vector that disagrees with its twin") {
    const TempDir dir;
    const std::string bytes = encode_request(StopRequest{"det1"});
    write_file(dir.path() / "good.msgpack", bytes);
    write_file(dir.path() / "good.json", json_twin(bytes));
    // Same map but 1 where the twin says 1.0: types must agree, not just values.
    write_file(dir.path() / "typed.msgpack", encode_value(Value{Map{{"x", integer(1)}}}));
    write_file(dir.path() / "typed.json", "{\"x\": 1.0}\n");
    // Keys in another order.
    write_file(dir.path() / "order.msgpack",
               encode_value(Value{Map{{"a", Value{}}, {"b", Value{}}}}));
    write_file(dir.path() / "order.json", "{\"b\": null, \"a\": null}\n");
    const Run run = check_with_python(dir.path());
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(run.output.find("typed.msgpack: $.x: int 1 != float 1.0") != std::string::npos);
    CHECK(run.output.find("order.msgpack: $: keys") != std::string::npos);
    CHECK(run.output.find("good.msgpack") == std::string::npos);
    CHECK(run.output.find("3 vectors checked, 2 problems") != std::string::npos);
}
