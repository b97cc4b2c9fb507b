#pragma once
// Which files a control `start` may open.

#include <string>
#include <vector>

namespace swmrd::config {

// True when `path_or_pattern` lies under one of `roots`: its normalised absolute path (`..`
// resolved, symlinks resolved as far as the path exists) is a root or below one, compared
// by whole path components (`/data2/x` is not under `/data`). For a glob pattern, its fixed
// directory part (the directories before the first glob character) must be inside.
// Relative paths are never inside. On false, `why` (when given) says why in words.
bool is_inside_allowed_roots(const std::string& path_or_pattern,
                             const std::vector<std::string>& roots, std::string* why = nullptr);

} // namespace swmrd::config
