#include "helpers.hpp"

#include "swmrd/config/daemon_config.hpp"

#include <cmath>

using swmrd::config::yaml_to_value;
using swmrd::config::test::config_error;
using swmrd::proto::Value;

namespace {

const Value& at(const Value& map, const std::string& key) {
    const auto* value = map.find(key);
    REQUIRE_MESSAGE(value != nullptr, "no key ", key);
    return *value;
}

template <class T> T held(const Value& value) {
    REQUIRE_MESSAGE(std::holds_alternative<T>(value.data), "holds ", value.type_name());
    return std::get<T>(value.data);
}

} // namespace

TEST_CASE("plain scalars are typed by the YAML 1.2 core schema") {
    const auto doc = yaml_to_value("a: 12\n"
                                   "b: -7\n"
                                   "c: 1.5\n"
                                   "d: -2.5e3\n"
                                   "e: true\n"
                                   "f: False\n"
                                   "g: ~\n"
                                   "h: null\n"
                                   "i:\n"
                                   "j: text\n"
                                   "k: 0x1f\n"
                                   "l: 0o17\n"
                                   "m: 18446744073709551615\n"
                                   "n: .inf\n"
                                   "o: 10s\n"
                                   "p: yes\n"
                                   "q: 1_000\n"
                                   "r: .5\n");
    CHECK(held<std::int64_t>(at(doc, "a")) == 12);
    CHECK(held<std::int64_t>(at(doc, "b")) == -7);
    CHECK(held<double>(at(doc, "c")) == 1.5);
    CHECK(held<double>(at(doc, "d")) == -2500.0);
    CHECK(held<bool>(at(doc, "e")) == true);
    CHECK(held<bool>(at(doc, "f")) == false);
    CHECK(at(doc, "g").is_nil());
    CHECK(at(doc, "h").is_nil());
    CHECK(at(doc, "i").is_nil());
    CHECK(held<std::string>(at(doc, "j")) == "text");
    CHECK(held<std::int64_t>(at(doc, "k")) == 31);
    CHECK(held<std::int64_t>(at(doc, "l")) == 15);
    CHECK(held<std::uint64_t>(at(doc, "m")) == 18446744073709551615ull);
    CHECK(std::isinf(held<double>(at(doc, "n"))));
    CHECK(held<std::string>(at(doc, "o")) == "10s");
    // YAML 1.1 booleans and digit separators are plain strings in 1.2.
    CHECK(held<std::string>(at(doc, "p")) == "yes");
    CHECK(held<std::string>(at(doc, "q")) == "1_000");
    CHECK(held<double>(at(doc, "r")) == 0.5);
}

TEST_CASE("quoted and block scalars stay strings") {
    const auto doc = yaml_to_value("a: \"12\"\n"
                                   "b: 'true'\n"
                                   "c: \"null\"\n"
                                   "d: ''\n"
                                   "e: !!str 5\n"
                                   "f: |\n"
                                   "  7\n");
    CHECK(held<std::string>(at(doc, "a")) == "12");
    CHECK(held<std::string>(at(doc, "b")) == "true");
    CHECK(held<std::string>(at(doc, "c")) == "null");
    CHECK(held<std::string>(at(doc, "d")).empty());
    CHECK(held<std::string>(at(doc, "e")) == "5");
    CHECK(held<std::string>(at(doc, "f")) == "7\n");
}

TEST_CASE("values and keys carry 1-based marks") {
    const auto doc = yaml_to_value("top: 1\n"
                                   "list:\n"
                                   "  - first\n"
                                   "  - {x: 2}\n");
    const auto& map = *doc.as_map();
    REQUIRE(map.size() == 2);
    REQUIRE(doc.key_marks.size() == 2);
    CHECK(doc.key_marks[0]->line == 1);
    CHECK(doc.key_marks[0]->column == 1);
    CHECK(doc.key_marks[1]->line == 2);
    CHECK(at(doc, "top").mark->line == 1);
    CHECK(at(doc, "top").mark->column == 6);
    const auto& list = *at(doc, "list").as_array();
    REQUIRE(list.size() == 2);
    CHECK(list[0].mark->line == 3);
    CHECK(list[0].mark->column == 5);
    CHECK(list[1].mark->line == 4);
    REQUIRE(list[1].key_marks.size() == 1);
    CHECK(list[1].key_marks[0]->line == 4);
    CHECK(list[1].key_marks[0]->column == 6);
    CHECK(at(list[1], "x").mark->column == 9);
}

TEST_CASE("an empty value is marked at its key") {
    const auto doc = yaml_to_value("a: 1\nempty:\nc: 2\n");
    const auto& empty = at(doc, "empty");
    CHECK(empty.is_nil());
    REQUIRE(empty.mark.has_value());
    CHECK(empty.mark->line == 2);
}

TEST_CASE("map order is kept as written") {
    const auto doc = yaml_to_value("z: 1\na: 2\nm: 3\n");
    const auto& map = *doc.as_map();
    REQUIRE(map.size() == 3);
    CHECK(map[0].first == "z");
    CHECK(map[1].first == "a");
    CHECK(map[2].first == "m");
}

TEST_CASE("an empty document is null") {
    CHECK(yaml_to_value("").is_nil());
    CHECK(yaml_to_value("# only a comment\n").is_nil());
}

TEST_CASE("a YAML syntax error keeps yaml-cpp's line and column and the source") {
    const auto message = config_error([] { yaml_to_value("a: [1, 2\nb: 3\n", "spec.yaml"); });
    CHECK(message == "spec.yaml: invalid YAML: end of sequence flow not found (line 2, column 2)");
    const auto indent = config_error([] { yaml_to_value("a: 1\n  b: 2\n", "spec.yaml"); });
    CHECK(indent == "spec.yaml: invalid YAML: illegal map value (line 2, column 4)");
}

TEST_CASE("a duplicate key names the key and both lines") {
    const auto message = config_error(
        [] { yaml_to_value("watches:\n  - name: a\n    file: /x\n    name: b\n", "c.yaml"); });
    CHECK(message == "c.yaml: watches[0].name: given twice (first at line 2); keep one "
                     "(line 4, column 5)");
}

TEST_CASE("more than one document is refused") {
    const auto message = config_error([] { yaml_to_value("a: 1\n---\nb: 2\n", "c.yaml"); });
    CHECK(message.find("c.yaml: holds 2 YAML documents") == 0);
    CHECK(message.find("(line 3, column 1)") != std::string::npos);
}

TEST_CASE("an alias that contains itself is refused, not followed forever") {
    const auto message = config_error([] { yaml_to_value("a: &x [*x]\n", "c.yaml"); });
    CHECK(message.find("c.yaml: a[0][0]") == 0);
    CHECK(message.size() < 200);
    CHECK(message.find("nested more than 64 levels deep") != std::string::npos);
}

TEST_CASE("a tagged scalar must fit its tag") {
    CHECK(held<double>(at(yaml_to_value("a: !!float 5\n"), "a")) == 5.0);
    CHECK(held<std::int64_t>(at(yaml_to_value("a: !!int 5\n"), "a")) == 5);
    const auto message = config_error([] { yaml_to_value("a: !!int five\n", "c.yaml"); });
    CHECK(message == "c.yaml: a: \"five\" does not fit its tag tag:yaml.org,2002:int "
                     "(line 1, column 4)");
    const auto custom = config_error([] { yaml_to_value("a: !mine x\n", "c.yaml"); });
    CHECK(custom == "c.yaml: a: has the tag !mine, which is not supported here (line 1, column 4)");
}

TEST_CASE("a key that is not a plain name is refused") {
    const auto message = config_error([] { yaml_to_value("? [a, b]\n: 1\n", "c.yaml"); });
    CHECK(message.find("c.yaml: top level: a key is not a plain name (line 1, column 3)") == 0);
}
