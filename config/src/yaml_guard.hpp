#pragma once
// YAML on which yaml-cpp 0.7 (Debian bookworm's) never returns, building nodes until the
// process runs out of memory, is refused before yaml-cpp builds anything. Found by fuzzing
// the config (fuzz/README.md): a stray ',' where a document's node should start (`,` alone
// is enough, so is `x`, a comment line, then `,a: [b]}`).
//
// The parser is run once with a handler that only counts its events: a document's events are
// bounded by its length (each consumes some of the text), so past that bound the parser is
// going round in circles.

#include <optional>
#include <string>

namespace swmrd::config {

// Why `text` cannot be given to yaml-cpp, with the line and column; nullopt when it can (its
// syntax errors are left for yaml-cpp to report as usual).
std::optional<std::string> yaml_cpp_trap(const std::string& text);

} // namespace swmrd::config
