#include "swmrd/proto/value.hpp"

namespace swmrd::proto {

namespace {

template <class... Fs> struct Overloaded : Fs... { using Fs::operator()...; };
template <class... Fs> Overloaded(Fs...) -> Overloaded<Fs...>; // clang 14 needs the guide

} // namespace

const char* Value::type_name() const {
    return std::visit(Overloaded{
                          [](const Nil&) { return "nil"; },
                          [](bool) { return "a boolean"; },
                          [](std::int64_t) { return "an integer"; },
                          [](std::uint64_t) { return "an integer"; },
                          [](double) { return "a float"; },
                          [](const std::string&) { return "a string"; },
                          [](const Array&) { return "an array"; },
                          [](const Map&) { return "a map"; },
                      },
                      data);
}

const Value* Value::find(const std::string& key) const {
    const Map* map = as_map();
    if (map == nullptr)
        return nullptr;
    for (const auto& [name, value] : *map)
        if (name == key)
            return &value;
    return nullptr;
}

} // namespace swmrd::proto
