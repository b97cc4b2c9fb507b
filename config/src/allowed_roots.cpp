#include "swmrd/config/allowed_roots.hpp"

#include "checks.hpp"

#include <filesystem>
#include <system_error>

namespace swmrd::config {

namespace fs = std::filesystem;

namespace {

// Symlinks and `..` resolved the way the kernel would open the path today: weakly_canonical
// resolves the existing prefix with realpath (so `link/..` follows the link, as open() does)
// and `..` in the rest lexically, since components that do not exist cannot be links.
std::optional<fs::path> resolve(const fs::path& path, std::string& problem) {
    std::error_code error;
    auto resolved = fs::weakly_canonical(path, error);
    if (error) {
        problem = "cannot resolve " + path.string() + ": " + error.message();
        return std::nullopt;
    }
    return resolved;
}

std::vector<std::string> components(const fs::path& path) {
    std::vector<std::string> parts;
    for (const auto& part : path.relative_path())
        if (!part.empty() && part != ".")
            parts.push_back(part.string());
    return parts;
}

// By whole components, so /data2/x is not under /data.
bool is_under(const fs::path& path, const fs::path& root) {
    const auto path_parts = components(path);
    const auto root_parts = components(root);
    if (root_parts.size() > path_parts.size())
        return false;
    for (std::size_t index = 0; index < root_parts.size(); ++index)
        if (path_parts[index] != root_parts[index])
            return false;
    return true;
}

std::string root_list(const std::vector<std::string>& roots) {
    std::string list;
    for (const auto& root : roots)
        list += (list.empty() ? "" : ", ") + root;
    return list;
}

} // namespace

bool is_inside_allowed_roots(const std::string& path_or_pattern,
                             const std::vector<std::string>& roots, std::string* why) {
    const auto refuse = [why](std::string reason) {
        if (why)
            *why = std::move(reason);
        return false;
    };
    if (path_or_pattern.empty() || path_or_pattern.front() != '/')
        return refuse(detail::quoted(path_or_pattern) +
                      " is not an absolute path; only absolute paths can be allowed");
    if (roots.empty())
        return refuse("no allowed_roots are configured, so control `start` is refused");

    const fs::path given(path_or_pattern);
    fs::path checked = given;
    const bool pattern = detail::has_glob_characters(path_or_pattern);
    if (pattern) {
        // The directories before the first glob character: what a match always lies under,
        // unless a later `..` climbs back out of it.
        checked = "/";
        bool in_glob = false;
        for (const auto& part : given.relative_path()) {
            if (!in_glob && detail::has_glob_characters(part.string()))
                in_glob = true;
            if (in_glob && part == "..")
                return refuse("pattern " + path_or_pattern +
                              " has .. after a glob character, so its matches could lie "
                              "anywhere; write the pattern without ..");
            if (!in_glob)
                checked /= part;
        }
    }

    std::string problem;
    const auto resolved = resolve(checked, problem);
    if (!resolved)
        return refuse(problem);
    for (const auto& root : roots) {
        if (root.empty() || root.front() != '/')
            continue; // the config refuses these; never let one widen the check
        if (const auto resolved_root = resolve(root, problem);
            resolved_root && is_under(*resolved, *resolved_root))
            return true;
    }

    std::string subject =
        pattern ? "the directory part " + checked.string() + " of pattern " + path_or_pattern
                : path_or_pattern;
    if (resolved->string() != checked.string())
        subject += " resolves to " + resolved->string() + ", which";
    return refuse(subject + " is outside the allowed roots (" + root_list(roots) + ")");
}

} // namespace swmrd::config
