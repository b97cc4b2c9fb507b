// The watch-spec validator on Values built as a control `start` request carries them: no
// marks, so the messages carry no position.

#include "helpers.hpp"

#include "swmrd/config/watch_spec.hpp"

#include <initializer_list>
#include <utility>

using namespace swmrd::config;
using swmrd::config::test::config_error;
using swmrd::proto::Array;
using swmrd::proto::Map;
using swmrd::proto::Nil;
using swmrd::proto::Value;

namespace {

Value str(const char* text) {
    return Value{std::string(text)};
}

Value list(std::initializer_list<Value> items) {
    return Value{Array(items)};
}

Value map(std::initializer_list<swmrd::proto::MapEntry> entries) {
    return Value{Map(entries)};
}

// A valid spec with `key` replaced by `value`, or removed when `value` is absent.
Value spec_with(const std::string& key, std::optional<Value> value) {
    Map entries{{"name", str("det1")},
                {"file", str("/data/scan-*.h5")},
                {"keys", list({str("/entry/keys/uid")})},
                {"datasets", list({str("/entry/data/data")})}};
    bool replaced = false;
    for (auto it = entries.begin(); it != entries.end(); ++it)
        if (it->first == key) {
            if (value)
                it->second = *value;
            else
                entries.erase(it);
            replaced = true;
            break;
        }
    if (!replaced && value)
        entries.emplace_back(key, *value);
    return Value{std::move(entries)};
}

std::string error_with(const std::string& key, std::optional<Value> value) {
    return config_error([&] { parse_watch_spec(spec_with(key, std::move(value)), "watch"); });
}

} // namespace

TEST_CASE("a control request's spec parses, with defaults") {
    const auto spec = parse_watch_spec(spec_with("timeout", Value{std::int64_t{3}}));
    CHECK(spec.name == "det1");
    CHECK(spec.file == "/data/scan-*.h5");
    CHECK(spec.is_pattern());
    CHECK(spec.keys == std::vector<std::string>{"/entry/keys/uid"});
    CHECK(spec.datasets == std::vector<std::string>{"/entry/data/data"});
    CHECK_FALSE(spec.finished.has_value());
    CHECK(spec.timeout.count() == 3.0);
    CHECK(spec.encoding == Encoding::raw);
    CHECK(spec.from == From::start);
}

TEST_CASE("timeouts as any number type or a string") {
    CHECK(parse_watch_spec(spec_with("timeout", Value{2.5})).timeout.count() == 2.5);
    CHECK(parse_watch_spec(spec_with("timeout", Value{std::uint64_t{7}})).timeout.count() == 7.0);
    CHECK(parse_watch_spec(spec_with("timeout", str("500ms"))).timeout.count() ==
          doctest::Approx(0.5));
}

TEST_CASE("finished may be nil, meaning none") {
    CHECK_FALSE(parse_watch_spec(spec_with("finished", Value{Nil{}})).finished.has_value());
    CHECK(parse_watch_spec(spec_with("finished", str("/entry/done"))).finished ==
          std::optional<std::string>("/entry/done"));
}

TEST_CASE("interleaved alone is enough, in written order") {
    Map entries{
        {"name", str("odin")},
        {"file", str("/data/odin.h5")},
        {"keys", list({str("/k")})},
        {"interleaved", map({{"b", list({str("/b1"), str("/b2")})}, {"a", list({str("/a1")})}})}};
    const auto spec = parse_watch_spec(Value{std::move(entries)});
    CHECK(spec.datasets.empty());
    REQUIRE(spec.interleaved.size() == 2);
    CHECK(spec.interleaved[0].first == "b");
    CHECK(spec.interleaved[0].second == std::vector<std::string>{"/b1", "/b2"});
    CHECK(spec.interleaved[1].first == "a");
}

TEST_CASE("to_value round-trips through parse_watch_spec") {
    WatchSpec spec;
    spec.name = "det-2.b";
    spec.file = "/data/x.h5";
    spec.keys = {"/k1", "/k2"};
    spec.datasets = {"/d"};
    spec.interleaved = {{"frames", {"/f1", "/f2"}}};
    spec.finished = "/entry/finished";
    spec.timeout = Seconds(2.5);
    spec.encoding = Encoding::chunk;
    spec.from = From::latest;
    CHECK(parse_watch_spec(to_value(spec)) == spec);

    WatchSpec minimal;
    minimal.name = "m";
    minimal.file = "/m.h5";
    minimal.keys = {"/k"};
    minimal.datasets = {"/d"};
    CHECK(parse_watch_spec(to_value(minimal)) == minimal);
}

TEST_CASE("watch names") {
    for (const char* name : {"det1", "a", "A.b-c_d", "0", "x123456789"})
        CHECK_MESSAGE(is_valid_watch_name(name), name);
    for (const char* name : {"", "_daemon", ".x", "-x", "a b", "a/b", "a*", "é"})
        CHECK_FALSE_MESSAGE(is_valid_watch_name(name), name);
    CHECK(is_valid_watch_name(std::string(64, 'a')));
    CHECK_FALSE(is_valid_watch_name(std::string(65, 'a')));
}

TEST_CASE("a spec that is not a map") {
    const auto expected = [](const std::string& got) {
        return "watch: expected a watch spec: a map with name, file, keys and datasets "
               "(docs/protocol.md, The control channel: a watch spec), got " +
               got;
    };
    CHECK(config_error([] { parse_watch_spec(str("det1")); }) == expected("the string \"det1\""));
    CHECK(config_error([] { parse_watch_spec(Value{Nil{}}); }) == expected("null (no value)"));
    CHECK(config_error([] { parse_watch_spec(list({})); }) == expected("a list"));
    CHECK(config_error([] { parse_watch_spec(Value{std::int64_t{1}}); }) ==
          expected("the number 1"));
}

TEST_CASE("an unknown key in a request") {
    CHECK(error_with("pattern", str("x")) ==
          "watch.pattern: unknown key; a watch takes name, file, keys, datasets, interleaved, "
          "finished, timeout, encoding and from");
    CHECK(error_with("dataset", list({str("/d")})) ==
          "watch.dataset: unknown key (did you mean datasets?); a watch takes name, file, keys, "
          "datasets, interleaved, finished, timeout, encoding and from");
}

TEST_CASE("a key given twice in a request") {
    Map entries{{"name", str("a")}, {"name", str("b")}};
    CHECK(config_error([&] { parse_watch_spec(Value{entries}); }) ==
          "watch.name: given twice; keep one");
}

TEST_CASE("missing keys in a request") {
    CHECK(error_with("name", std::nullopt) ==
          "watch.name: missing; every watch needs it: its name, e.g. det1");
    CHECK(error_with("file", std::nullopt) ==
          "watch.file: missing; every watch needs it: the HDF5 file's absolute path or glob "
          "pattern");
    CHECK(error_with("keys", std::nullopt) ==
          "watch.keys: missing; every watch needs it: the key datasets, e.g. [/entry/keys/uid]");
    CHECK(error_with("datasets", std::nullopt) ==
          "watch.datasets: missing and there is no interleaved: list the datasets whose frames "
          "are sent, e.g. datasets: [/entry/data/data]");
    CHECK(error_with("datasets", list({})) ==
          "watch.datasets: is empty and there is no interleaved: list the datasets whose frames "
          "are sent, e.g. datasets: [/entry/data/data]");
}

TEST_CASE("wrong name in a request") {
    CHECK(error_with("name", Value{std::int64_t{5}}) ==
          "watch.name: expected a watch name, got the number 5");
    CHECK(error_with("name", str("")) ==
          "watch.name: \"\" is not a valid watch name: use 1 to 64 letters, digits, _, . or -, "
          "beginning with a letter or digit");
    CHECK(error_with("name", str("_mine")) ==
          "watch.name: \"_mine\" begins with _, which is reserved for the daemon's own topics "
          "(_daemon); begin it with a letter or digit");
    CHECK(error_with("name", str("a\nb")) ==
          "watch.name: \"a\\x0ab\" is not a valid watch name: use 1 to 64 letters, digits, _, . "
          "or -, beginning with a letter or digit");
}

TEST_CASE("wrong file in a request") {
    CHECK(error_with("file", list({str("/a.h5")})) ==
          "watch.file: expected an absolute path or glob pattern, got a list");
    CHECK(error_with("file", str("")) ==
          "watch.file: is empty; expected an absolute path or glob pattern");
    CHECK(error_with("file", str("scan.h5")) ==
          "watch.file: \"scan.h5\" is not an absolute path or glob pattern (start it with /)");
    CHECK(error_with("file", str("/data/")) ==
          "watch.file: \"/data/\" ends with /; name the file (or a pattern)");
}

TEST_CASE("wrong keys in a request") {
    CHECK(error_with("keys", str("/k")) ==
          "watch.keys: expected a list of HDF5 dataset paths, got the string \"/k\"; write a "
          "list even for one entry: [/k]");
    CHECK(error_with("keys", map({})) ==
          "watch.keys: expected a list of HDF5 dataset paths, got a map");
    CHECK(error_with("keys", list({})) ==
          "watch.keys: is empty; list at least one HDF5 dataset path, e.g. [/entry/data/data]");
    CHECK(error_with("keys", list({str("/k"), Value{true}})) ==
          "watch.keys[1]: expected an absolute HDF5 path, got the boolean true");
    CHECK(error_with("keys", list({str("k")})) ==
          "watch.keys[0]: \"k\" is not an absolute HDF5 path (start it with /)");
    CHECK(error_with("keys", list({str("/")})) ==
          "watch.keys[0]: \"/\" is the root group; name a dataset");
    CHECK(error_with("keys", list({str("/k"), str("/k")})) ==
          "watch.keys[1]: \"/k\" is already listed as watch.keys[0]");
}

TEST_CASE("wrong datasets in a request") {
    CHECK(error_with("datasets", Value{Nil{}}) ==
          "watch.datasets: expected a list of HDF5 dataset paths, got null (no value)");
    CHECK(error_with("datasets", list({Value{Nil{}}})) ==
          "watch.datasets[0]: expected an absolute HDF5 path, got null (no value)");
}

TEST_CASE("wrong interleaved in a request") {
    CHECK(error_with("interleaved", list({str("/a")})) ==
          "watch.interleaved: expected a map from a name to the datasets whose frames "
          "alternate, e.g. {data: [/entry/data_1, /entry/data_2]}, got a list");
    CHECK(error_with("interleaved", map({{"frames", list({})}})) ==
          "watch.interleaved.frames: is empty; list at least one HDF5 dataset path, e.g. "
          "[/entry/data/data]");
    CHECK(error_with("interleaved", map({{"frames", str("/a")}})) ==
          "watch.interleaved.frames: expected a list of HDF5 dataset paths, got the string "
          "\"/a\"; write a list even for one entry: [/a]");
    CHECK(error_with("interleaved", map({{"", list({str("/a")})}})) ==
          "watch.interleaved: has an empty name; name each group of interleaved datasets");
}

TEST_CASE("wrong finished in a request") {
    CHECK(error_with("finished", Value{std::int64_t{1}}) ==
          "watch.finished: expected an absolute HDF5 path, got the number 1");
    CHECK(error_with("finished", str("entry/finished")) ==
          "watch.finished: \"entry/finished\" is not an absolute HDF5 path (start it with /)");
}

TEST_CASE("wrong timeout in a request") {
    CHECK(error_with("timeout", str("10 parsecs")) ==
          "watch.timeout: \"10 parsecs\" is not a duration (use seconds, or a unit: 500ms, 10s, "
          "2min)");
    CHECK(error_with("timeout", Value{std::int64_t{0}}) ==
          "watch.timeout: must be more than 0 seconds, got the number 0");
    CHECK(error_with("timeout", Value{-2.5}) ==
          "watch.timeout: must be more than 0 seconds, got the number -2.5");
    CHECK(error_with("timeout", str("0s")) ==
          "watch.timeout: must be more than 0 seconds, got the string \"0s\"");
    CHECK(error_with("timeout", Value{false}) ==
          "watch.timeout: expected a duration (seconds, or a string with a unit: 500ms, 10s, "
          "2min), got the boolean false");
    CHECK(error_with("timeout", list({})) ==
          "watch.timeout: expected a duration (seconds, or a string with a unit: 500ms, 10s, "
          "2min), got a list");
}

TEST_CASE("wrong encoding and from in a request") {
    CHECK(error_with("encoding", str("lz4")) ==
          "watch.encoding: \"lz4\" is not one of the choices: use raw or chunk");
    CHECK(error_with("encoding", Value{std::int64_t{0}}) ==
          "watch.encoding: expected raw or chunk, got the number 0");
    CHECK(error_with("from", str("end")) ==
          "watch.from: \"end\" is not one of the choices: use start or latest");
    CHECK(parse_watch_spec(spec_with("encoding", str("chunk"))).encoding == Encoding::chunk);
    CHECK(parse_watch_spec(spec_with("from", str("latest"))).from == From::latest);
}

TEST_CASE("the context prefixes every path") {
    CHECK(config_error([] { parse_watch_spec(spec_with("from", str("x")), "watches[3]"); }) ==
          "watches[3].from: \"x\" is not one of the choices: use start or latest");
}
