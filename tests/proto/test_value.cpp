#include "swmrd/proto/value.hpp"

#include <doctest/doctest.h>

using namespace swmrd::proto;

TEST_CASE("Value::type_name names every type for error messages") {
    CHECK(std::string(Value{}.type_name()) == "nil");
    CHECK(std::string(Value{true}.type_name()) == "a boolean");
    CHECK(std::string(Value{std::int64_t{-1}}.type_name()) == "an integer");
    CHECK(std::string(Value{std::uint64_t{1}}.type_name()) == "an integer");
    CHECK(std::string(Value{0.5}.type_name()) == "a float");
    CHECK(std::string(Value{std::string("x")}.type_name()) == "a string");
    CHECK(std::string(Value{Array{}}.type_name()) == "an array");
    CHECK(std::string(Value{Map{}}.type_name()) == "a map");
}

TEST_CASE("Value::find returns the first value under a key of a map, else nullptr") {
    const Value map{Map{{"a", Value{std::int64_t{1}}},
                        {"b", Value{std::string("two")}},
                        {"a", Value{std::int64_t{3}}}}};
    REQUIRE(map.find("b") != nullptr);
    CHECK(*map.find("b")->as_string() == "two");
    REQUIRE(map.find("a") != nullptr);
    CHECK(std::get<std::int64_t>(map.find("a")->data) == 1);
    CHECK(map.find("c") == nullptr);
    CHECK(map.find("") == nullptr);

    const Value array{Array{Value{std::string("a")}}};
    CHECK(array.find("a") == nullptr);
    CHECK(Value{}.find("a") == nullptr);
}

TEST_CASE("Value accessors return nullptr for other types") {
    const Value s{std::string("x")};
    CHECK(s.as_map() == nullptr);
    CHECK(s.as_array() == nullptr);
    REQUIRE(s.as_string() != nullptr);
    CHECK_FALSE(s.is_nil());
    CHECK(Value{}.is_nil());
}
