#include "swmrd/config/watch_spec.hpp"

#include "checks.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace swmrd::config {

using namespace detail;

namespace {

constexpr std::size_t max_name_length = 64;
// Lists of a watch spec hold at most this many entries: no real scan needs more, and a
// request cannot make the daemon validate (or open) millions of them.
constexpr std::size_t max_list_entries = 4096;
constexpr auto hdf5_path = "an absolute HDF5 path";

bool is_name_character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

std::string parse_name(const proto::Value& value, const std::string& path) {
    const auto& name = expect_string(value, path, "a watch name");
    if (!name.empty() && name.front() == '_')
        fail(path,
             quoted(name) + " begins with _, which is reserved for the daemon's own topics "
                            "(_daemon); begin it with a letter or digit",
             value.mark);
    if (!is_valid_watch_name(name))
        fail(path,
             quoted(name) + " is not a valid watch name: use 1 to 64 letters, digits, _, . "
                            "or -, beginning with a letter or digit",
             value.mark);
    return name;
}

std::string parse_dataset_path(const proto::Value& value, const std::string& path) {
    const auto& text = expect_absolute(value, path, hdf5_path);
    if (text.find_first_not_of('/') == std::string::npos)
        fail(path, quoted(text) + " is the root group; name a dataset", value.mark);
    return text;
}

// A list of dataset paths, each given once.
std::vector<std::string> parse_dataset_list(const proto::Value& value, const std::string& path,
                                            bool allow_empty) {
    const auto& array = expect_array(value, path, "a list of HDF5 dataset paths");
    if (array.empty() && !allow_empty)
        fail(path, "is empty; list at least one HDF5 dataset path, e.g. [/entry/data/data]",
             value.mark);
    if (array.size() > max_list_entries)
        fail(path,
             "lists " + std::to_string(array.size()) + " datasets; at most " +
                 std::to_string(max_list_entries) + " are allowed",
             value.mark);
    std::vector<std::string> paths;
    std::map<std::string_view, std::size_t> seen; // path -> its first index
    for (std::size_t index = 0; index < array.size(); ++index) {
        const auto item_path = element_path(path, index);
        auto dataset = parse_dataset_path(array[index], item_path);
        paths.push_back(std::move(dataset));
    }
    for (std::size_t index = 0; index < paths.size(); ++index) {
        const auto [previous, fresh] = seen.emplace(paths[index], index);
        if (!fresh)
            fail(element_path(path, index),
                 quoted(paths[index]) + " is already listed as " +
                     element_path(path, previous->second),
                 array[index].mark);
    }
    return paths;
}

std::vector<std::pair<std::string, std::vector<std::string>>>
parse_interleaved(const proto::Value& value, const std::string& path) {
    const auto& map = expect_map(value, path,
                                 "a map from a name to the datasets whose frames alternate, "
                                 "e.g. {data: [/entry/data_1, /entry/data_2]}");
    if (map.size() > max_list_entries)
        fail(path,
             "has " + std::to_string(map.size()) + " groups; at most " +
                 std::to_string(max_list_entries) + " are allowed",
             value.mark);
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    std::set<std::string_view> names;
    for (std::size_t index = 0; index < map.size(); ++index) {
        const auto& [name, datasets] = map[index];
        const auto group_path = child_path(path, name);
        const auto key_mark = index < value.key_marks.size() ? value.key_marks[index] : value.mark;
        if (name.empty())
            fail(path, "has an empty name; name each group of interleaved datasets", key_mark);
        if (!names.insert(name).second)
            fail(group_path, "given twice; keep one", key_mark);
        groups.emplace_back(name, parse_dataset_list(datasets, group_path, false));
    }
    return groups;
}

} // namespace

bool WatchSpec::is_pattern() const {
    return has_glob_characters(file);
}

bool is_valid_watch_name(const std::string& name) {
    if (name.empty() || name.size() > max_name_length || name.front() == '_' ||
        name.front() == '.' || name.front() == '-')
        return false;
    return std::all_of(name.begin(), name.end(), is_name_character);
}

WatchSpec parse_watch_spec(const proto::Value& spec, const std::string& context) {
    expect_map(spec, context,
               "a watch spec: a map with name, file, keys and datasets (docs/protocol.md, The "
               "control channel: a watch spec)");
    check_keys(spec, context,
               {"name", "file", "keys", "datasets", "interleaved", "finished", "timeout",
                "encoding", "from"},
               "a watch");
    const auto field = [&](const char* key) { return spec.find(key); };
    const auto path = [&](const char* key) { return child_path(context, key); };
    const auto require = [&](const char* key, const char* hint) -> const proto::Value& {
        if (const auto* value = field(key))
            return *value;
        fail(path(key), std::string("missing; every watch needs it: ") + hint, spec.mark);
    };

    WatchSpec result;
    result.name = parse_name(require("name", "its name, e.g. det1"), path("name"));

    const auto& file = require("file", "the HDF5 file's absolute path or glob pattern");
    result.file = expect_absolute(file, path("file"), "an absolute path or glob pattern");
    if (result.file.back() == '/')
        fail(path("file"), quoted(result.file) + " ends with /; name the file (or a pattern)",
             file.mark);

    result.keys = parse_dataset_list(require("keys", "the key datasets, e.g. [/entry/keys/uid]"),
                                     path("keys"), false);

    if (const auto* datasets = field("datasets"))
        result.datasets = parse_dataset_list(*datasets, path("datasets"), true);
    if (const auto* interleaved = field("interleaved"))
        result.interleaved = parse_interleaved(*interleaved, path("interleaved"));
    if (result.datasets.empty() && result.interleaved.empty())
        fail(path("datasets"),
             std::string(field("datasets") ? "is empty" : "missing") +
                 " and there is no interleaved: list the datasets whose frames are sent, e.g. "
                 "datasets: [/entry/data/data]",
             field("datasets") ? field("datasets")->mark : spec.mark);

    if (const auto* finished = field("finished"); finished && !finished->is_nil())
        result.finished = parse_dataset_path(*finished, path("finished"));
    if (const auto* timeout = field("timeout"))
        result.timeout = expect_duration(*timeout, path("timeout"));
    if (const auto* encoding = field("encoding"))
        result.encoding = expect_choice(*encoding, path("encoding"), {"raw", "chunk"}) == 0
                              ? Encoding::raw
                              : Encoding::chunk;
    if (const auto* from = field("from"))
        result.from = expect_choice(*from, path("from"), {"start", "latest"}) == 0 ? From::start
                                                                                   : From::latest;
    return result;
}

proto::Value to_value(const WatchSpec& spec) {
    // Values are filled in place: moving a finished Value through emplace_back sets off a
    // false -Wmaybe-uninitialized in GCC 12's std::variant.
    proto::Value result;
    auto& map = result.data.emplace<proto::Map>();
    const auto put = [](proto::Map& into, const std::string& key) -> proto::Value& {
        auto& entry = into.emplace_back();
        entry.first = key;
        return entry.second;
    };
    const auto put_strings = [&](proto::Map& into, const std::string& key,
                                 const std::vector<std::string>& items) {
        auto& array = put(into, key).data.emplace<proto::Array>();
        for (const auto& item : items)
            array.emplace_back().data = item;
    };
    put(map, "name").data = spec.name;
    put(map, "file").data = spec.file;
    put_strings(map, "keys", spec.keys);
    if (!spec.datasets.empty())
        put_strings(map, "datasets", spec.datasets);
    if (!spec.interleaved.empty()) {
        auto& groups = put(map, "interleaved").data.emplace<proto::Map>();
        for (const auto& [name, datasets] : spec.interleaved)
            put_strings(groups, name, datasets);
    }
    if (spec.finished)
        put(map, "finished").data = *spec.finished;
    put(map, "timeout").data = spec.timeout.count();
    put(map, "encoding").data = std::string(spec.encoding == Encoding::raw ? "raw" : "chunk");
    put(map, "from").data = std::string(spec.from == From::start ? "start" : "latest");
    return result;
}

} // namespace swmrd::config
