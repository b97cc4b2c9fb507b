#pragma once
// The protocol's words that are values (docs/protocol.md): each set an enum with its one
// name table. Whatever writes such a word (a header, a reply, a log line, /metrics) or reads
// one goes through to_string() and parse() here, so that each word is spelled once.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace swmrd::proto {

// A frame's `encoding`.
enum class Encoding { raw, chunk };
// An `end`'s `reason`.
enum class EndReason { finished, complete, timeout, stopped, shutdown, error };
// What a message is: the second half of its topic, `<watch>/<kind>`.
enum class MessageKind { start, frame, end, heartbeat, fetched };
// A watch's `state` in status, list and /metrics.
enum class WatchState { waiting, streaming, idle, stopped, failed };
// What a watch knows of its current file: status' `file_state`.
enum class FileState { opening, running, done, failed };
// A kept run's `state` (runs, fetched).
enum class RunState { streaming, ended };
// The `code` of an error reply: control, fetch and HTTP.
enum class ErrorCode {
    bad_request,
    unknown_command,
    not_found,
    exists,
    forbidden,
    gone,
    busy,
    too_large,
    unavailable,
    unsupported,
    internal
};

// The name table of each enum, in the enum's order.
template <typename Enum> struct Words;
template <> struct Words<Encoding> {
    static constexpr std::array<std::string_view, 2> names{"raw", "chunk"};
};
template <> struct Words<EndReason> {
    static constexpr std::array<std::string_view, 6> names{"finished", "complete", "timeout",
                                                           "stopped",  "shutdown", "error"};
};
template <> struct Words<MessageKind> {
    static constexpr std::array<std::string_view, 5> names{"start", "frame", "end", "heartbeat",
                                                           "fetched"};
};
template <> struct Words<WatchState> {
    static constexpr std::array<std::string_view, 5> names{"waiting", "streaming", "idle",
                                                           "stopped", "failed"};
};
template <> struct Words<FileState> {
    static constexpr std::array<std::string_view, 4> names{"opening", "running", "done", "failed"};
};
template <> struct Words<RunState> {
    static constexpr std::array<std::string_view, 2> names{"streaming", "ended"};
};
template <> struct Words<ErrorCode> {
    static constexpr std::array<std::string_view, 11> names{
        "bad_request", "unknown_command", "not_found",   "exists",      "forbidden", "gone",
        "busy",        "too_large",       "unavailable", "unsupported", "internal"};
};

template <typename Enum>
concept ProtocolWord = requires {
    Words<Enum>::names;
};

// The word's spelling; a null-terminated literal, so it also serves as a `const char*`.
template <ProtocolWord Enum> constexpr const char* to_string(Enum value) noexcept {
    return Words<Enum>::names[static_cast<std::size_t>(value)].data();
}

// The value spelled `text`, or nullopt for a word not in the table.
template <ProtocolWord Enum> constexpr std::optional<Enum> parse(std::string_view text) noexcept {
    for (std::size_t i = 0; i < Words<Enum>::names.size(); ++i)
        if (Words<Enum>::names[i] == text)
            return static_cast<Enum>(i);
    return std::nullopt;
}

// Every value, in order: for /metrics' one-series-per-state gauges and for decoders.
template <ProtocolWord Enum> constexpr auto all_values() noexcept {
    std::array<Enum, Words<Enum>::names.size()> values{};
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<Enum>(i);
    return values;
}

} // namespace swmrd::proto
