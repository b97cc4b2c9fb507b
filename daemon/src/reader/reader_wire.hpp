#pragma once
// What the daemon and a reader process (swmrd-reader, daemon/reader/) say to each other over
// their socketpair: one request, one reply, each a SOCK_SEQPACKET datagram in a compact binary
// form. Payload bytes never travel here: the reader writes them into the shared memory that
// the daemon mapped (SharedArena) at the offset the request names.
//
// The daemon trusts none of it: a reader process runs HDF5 on hostile files, so everything it
// answers is decoded with bounds checks, and a malformed reply ends its run.

#include <swmrd/core/frame_reader.hpp>
#include <swmrd/core/frame_source.hpp>
#include <swmrd/core/key_follower.hpp>
#include <swmrd/core/scan.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace swmrd::reader {

// The largest request or reply datagram; replies carry layouts and slices, never payloads.
inline constexpr std::size_t max_datagram = 4u << 20;

enum class Op : std::uint8_t {
    hello = 1,         // reply only: the reader is set up (confinement in force) or why not
    try_open,          // path, apart -> transient?, why or opened path
    open_source,       // FrameSourceOptions -> Layout
    layout_known,      // -> known, Layout
    poll,              // -> readable, end?, warning?
    restart_timeout,   // steady-clock nanoseconds ->
    data_frontier,     // end -> frontier
    data_shortfall,    // index -> text
    slices,            // first, count -> [[SliceRange]]
    read,              // part, member, local_first, count, arena offset, length ->
    stored_chunk_size, // part, index -> size
    read_chunk,        // part, index, arena offset, length ->
    key_digest,        // count -> digest of the keys at [0, count)
};

enum class Status : std::uint8_t { ok = 0, error = 1 };

// Which files, besides the one opened, HDF5 may read for it.
enum class LinkPolicy {
    any,       // a config watch: trusted to follow links, virtual sources and external storage
    roots,     // a control watch on a host with Landlock: those inside allowed_roots
    this_file, // a control watch on a host without: none, saying why
};
const char* to_string(LinkPolicy links) noexcept;
std::optional<LinkPolicy> link_policy_named(std::string_view name) noexcept;

// A reply or request that does not decode.
struct WireError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Writer {
public:
    Writer& u8(std::uint8_t value);
    Writer& u64(std::uint64_t value);
    Writer& f64(double value);
    Writer& str(std::string_view value);
    Writer& boolean(bool value) { return u8(value ? 1 : 0); }
    const std::string& bytes() const noexcept { return out_; }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    std::uint8_t u8();
    std::uint64_t u64();
    double f64();
    std::string str();
    bool boolean();
    // A count of items each at least `min_item` bytes long: never more than could follow.
    std::size_t count(std::size_t min_item = 1);
    bool done() const noexcept { return at_ == in_.size(); }

private:
    std::string_view take(std::size_t n);
    std::string_view in_;
    std::size_t at_ = 0;
};

// A frame source's layout: all the daemon needs to size, describe and plan frames.
struct Layout {
    core::ScanShape scan_shape;
    std::vector<core::PartInfo> parts;
    std::vector<std::vector<core::DatasetInfo>> members; // per part, per member
    std::vector<std::vector<std::optional<core::FilterInfo>>> missing_filters;
};

void write_options(Writer& out, const core::FrameSourceOptions& options);
core::FrameSourceOptions read_options(Reader& in);
void write_layout(Writer& out, const Layout& layout);
Layout read_layout(Reader& in);
void write_slices(Writer& out, const std::vector<std::vector<core::SliceRange>>& slices);
std::vector<std::vector<core::SliceRange>> read_slices(Reader& in);

} // namespace swmrd::reader
