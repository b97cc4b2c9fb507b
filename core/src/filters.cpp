#include "filters.hpp"

#include "check.hpp"

#include <array>
#include <utility>

namespace swmrd::core {

namespace {

// The HDF5 registered filter ids detector files use (https://portal.hdfgroup.org/, "Filters").
constexpr std::array<std::pair<unsigned, const char*>, 12> known_filters{{
    {1, "deflate"},
    {2, "shuffle"},
    {3, "Fletcher32"},
    {4, "SZIP"},
    {5, "N-Bit"},
    {6, "Scale-Offset"},
    {307, "BZip2"},
    {32001, "Blosc"},
    {32004, "LZ4"},
    {32008, "Bitshuffle"},
    {32013, "ZFP"},
    {32015, "Zstandard"},
}};

// The Debian (bookworm) packages whose HDF5 plugins decode them, for the error that says
// what to install.
constexpr std::array<std::pair<unsigned, const char*>, 4> plugin_packages{{
    {307, "hdf5-filter-plugin"},
    {32001, "hdf5-filter-plugin-blosc-serial"},
    {32004, "hdf5-filter-plugin"},
    {32008, "bitshuffle"},
}};

constexpr std::size_t initial_cd_values = 16;

} // namespace

const char* plugin_package(unsigned id) noexcept {
    for (const auto& [known, package] : plugin_packages)
        if (known == id)
            return package;
    return nullptr;
}

const char* well_known_filter_name(unsigned id) noexcept {
    for (const auto& [known, name] : known_filters)
        if (known == id)
            return name;
    return nullptr;
}

std::vector<FilterInfo> read_filters(hid_t dcpl, const std::string& dataset_what) {
    const auto what = [&] { return "reading the filter pipeline of " + dataset_what; };
    const int count = check(H5Pget_nfilters(dcpl), what);
    std::vector<FilterInfo> filters;
    for (int index = 0; index < count; ++index) {
        FilterInfo filter;
        std::vector<unsigned> cd_values(initial_cd_values);
        char name[256] = {};
        unsigned flags = 0;
        unsigned config = 0;
        for (;;) {
            std::size_t cd_count = cd_values.size();
            const auto id =
                check(H5Pget_filter2(dcpl, static_cast<unsigned>(index), &flags, &cd_count,
                                     cd_values.data(), sizeof name, name, &config),
                      what);
            filter.id = static_cast<unsigned>(id);
            if (cd_count <= cd_values.size()) {
                cd_values.resize(cd_count);
                break;
            }
            cd_values.resize(cd_count); // HDF5 said how many there are: ask again
        }
        filter.cd_values = std::move(cd_values);
        const auto available = H5Zfilter_avail(static_cast<H5Z_filter_t>(filter.id));
        if (available < 0)
            H5Eclear2(H5E_DEFAULT); // a plugin that fails to load counts as absent
        filter.available = available > 0;
        if (const char* package = plugin_package(filter.id))
            filter.package = package;
        const char* known = well_known_filter_name(filter.id);
        // A missing plugin leaves whatever its writer stored (often nothing): prefer the
        // well-known name then. A loaded filter names itself.
        if ((!filter.available || name[0] == '\0') && known != nullptr)
            filter.name = known;
        else if (name[0] != '\0')
            filter.name = name;
        else
            filter.name = "filter " + std::to_string(filter.id);
        filters.push_back(std::move(filter));
    }
    return filters;
}

} // namespace swmrd::core
