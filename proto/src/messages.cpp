#include "swmrd/proto/messages.hpp"

#include "pack.hpp"
#include "unpack.hpp"

#include <array>
#include <string_view>

namespace swmrd::proto {

using detail::Fields;
using detail::Path;
using detail::Writer;

namespace {

const char* kind_name(const StartHeader&) {
    return to_string(MessageKind::start);
}
const char* kind_name(const FrameHeader&) {
    return to_string(MessageKind::frame);
}
const char* kind_name(const EndHeader&) {
    return to_string(MessageKind::end);
}
const char* kind_name(const HeartbeatHeader&) {
    return to_string(MessageKind::heartbeat);
}

// ---- encoding ----

// Fields of every header, first in every map so a reader finds `v` and `kind` at once.
constexpr std::size_t envelope_fields = 6;

void pack_envelope(Writer& w, const char* kind, const Envelope& envelope) {
    w.key("v");
    w.integer(protocol_version);
    w.key("kind");
    w.string(kind);
    w.key("watch");
    w.string(envelope.watch);
    w.key("run");
    w.string(envelope.run);
    w.key("seq");
    w.uint(envelope.seq);
    w.key("time");
    w.float64(envelope.time);
}

void pack_strings(Writer& w, const std::vector<std::string>& strings) {
    w.array(strings.size());
    for (const std::string& s : strings)
        w.string(s);
}

void pack_dims(Writer& w, const std::vector<std::uint64_t>& dims) {
    w.array(dims.size());
    for (std::uint64_t d : dims)
        w.uint(d);
}

void pack_max_dims(Writer& w, const std::vector<MaxDim>& dims) {
    w.array(dims.size());
    for (const MaxDim& d : dims) {
        if (d)
            w.uint(*d);
        else
            w.nil();
    }
}

void pack_filters(Writer& w, const std::vector<Filter>& filters) {
    w.array(filters.size());
    for (const Filter& filter : filters) {
        w.array(2);
        w.uint(filter.id);
        w.array(filter.cd_values.size());
        for (unsigned cd : filter.cd_values)
            w.uint(cd);
    }
}

std::size_t filters_size(const std::vector<Filter>& filters) {
    std::size_t size = 8;
    for (const Filter& filter : filters)
        size += 8 + 5 * filter.cd_values.size();
    return size;
}

std::size_t envelope_size(const Envelope& envelope) {
    return 64 + envelope.watch.size() + envelope.run.size();
}

void pack(Writer& w, const StartHeader& h) {
    w.map(envelope_fields + 8);
    pack_envelope(w, "start", h.envelope);
    w.key("file");
    w.string(h.file);
    w.key("keys");
    pack_strings(w, h.keys);
    w.key("finished");
    w.optional_string(h.finished);
    w.key("timeout");
    w.float64(h.timeout);
    w.key("scan_rank");
    w.uint(h.scan_rank);
    w.key("scan_shape");
    pack_max_dims(w, h.scan_shape);
    w.key("first_index");
    w.uint(h.first_index);
    w.key("datasets");
    w.array(h.datasets.size());
    for (const DatasetDescription& d : h.datasets) {
        const bool chunk = d.encoding == Encoding::chunk;
        const bool group = !d.members.empty();
        w.map(4 + (chunk ? 1 : 0) + (group ? 1 : 0));
        w.key("path");
        w.string(d.path);
        w.key("dtype");
        w.string(d.dtype);
        w.key("frame_shape");
        pack_dims(w, d.frame_shape);
        w.key("encoding");
        w.string(to_string(d.encoding));
        if (chunk) {
            w.key("filters");
            pack_filters(w, d.filters);
        }
        if (group) {
            w.key("members");
            w.array(d.members.size());
            for (const MemberDescription& m : d.members) {
                w.map(3);
                w.key("path");
                w.string(m.path);
                w.key("dtype");
                w.string(m.dtype);
                w.key("frame_shape");
                pack_dims(w, m.frame_shape);
            }
        }
    }
}

std::size_t size_hint(const StartHeader& h) {
    std::size_t size =
        envelope_size(h.envelope) + 160 + 2 * h.file.size() + 9 * h.scan_shape.size();
    for (const std::string& key : h.keys)
        size += 5 + key.size();
    for (const DatasetDescription& d : h.datasets) {
        size += 48 + d.path.size() + d.dtype.size() + 9 * d.frame_shape.size() +
                filters_size(d.filters);
        for (const MemberDescription& m : d.members)
            size += 48 + m.path.size() + m.dtype.size() + 9 * m.frame_shape.size();
    }
    return size;
}

void pack(Writer& w, const FrameHeader& h) {
    w.map(envelope_fields + 5 + (h.fetched ? 1 : 0));
    pack_envelope(w, "frame", h.envelope);
    w.key("file");
    w.string(h.file);
    w.key("index");
    w.uint(h.index);
    w.key("slice");
    w.array(h.slice.size());
    for (const Slice& s : h.slice) {
        w.array(3);
        w.uint(s.start);
        w.uint(s.stop);
        w.nil();
    }
    w.key("scan_shape");
    pack_max_dims(w, h.scan_shape);
    w.key("parts");
    w.array(h.parts.size());
    for (const Part& p : h.parts) {
        const bool chunk = p.encoding == Encoding::chunk;
        w.map(chunk ? 6 : 5);
        w.key("path");
        w.string(p.path);
        w.key("dtype");
        w.string(p.dtype);
        w.key("shape");
        pack_dims(w, p.shape);
        w.key("encoding");
        w.string(to_string(p.encoding));
        w.key("nbytes");
        w.uint(p.nbytes);
        if (chunk) {
            w.key("filters");
            pack_filters(w, p.filters);
        }
    }
    if (h.fetched) {
        w.key("fetched");
        w.boolean(true);
    }
}

std::size_t size_hint(const FrameHeader& h) {
    std::size_t size = envelope_size(h.envelope) + 64 + h.file.size() + 19 * h.slice.size() +
                       9 * h.scan_shape.size();
    for (const Part& p : h.parts)
        size += 64 + p.path.size() + p.dtype.size() + 9 * p.shape.size() + filters_size(p.filters);
    return size;
}

void pack(Writer& w, const EndHeader& h) {
    const bool error = h.reason == EndReason::error;
    w.map(envelope_fields + (error ? 5 : 4));
    pack_envelope(w, "end", h.envelope);
    w.key("file");
    w.string(h.file);
    w.key("reason");
    w.string(to_string(h.reason));
    w.key("frames");
    w.uint(h.frames);
    w.key("last_index");
    w.integer(h.last_index);
    if (error) {
        // docs/protocol.md makes `error` part of every error end: an unexplained one still has it.
        w.key("error");
        w.string(h.error ? std::string_view(*h.error) : std::string_view());
    }
}

std::size_t size_hint(const EndHeader& h) {
    return envelope_size(h.envelope) + 64 + h.file.size() + (h.error ? h.error->size() : 0);
}

void pack(Writer& w, const HeartbeatHeader& h) {
    w.map(envelope_fields + 5);
    pack_envelope(w, "heartbeat", h.envelope);
    w.key("period");
    w.float64(h.period);
    w.key("version");
    w.string(h.version);
    w.key("host");
    w.string(h.host);
    w.key("watches");
    pack_strings(w, h.watches);
    w.key("fetch");
    w.optional_string(h.fetch);
}

std::size_t size_hint(const HeartbeatHeader& h) {
    std::size_t size = envelope_size(h.envelope) + 56 + h.version.size() + h.host.size() +
                       h.fetch.value_or("").size();
    for (const std::string& w : h.watches)
        size += 2 + w.size();
    return size;
}

template <class H> std::string encode(const H& header) {
    std::string out;
    out.reserve(size_hint(header));
    Writer w(out);
    pack(w, header);
    return out;
}

// ---- decoding ----

template <class F>
void for_each_item(const msgpack::object& object, const Path& path, F&& read_item) {
    const msgpack::object_array& array = detail::as_array(object, path);
    for (std::uint32_t i = 0; i < array.size; ++i)
        read_item(array.ptr[i], Path(path, std::size_t{i}));
}

std::vector<std::string> read_strings(const Fields& fields, std::string_view key) {
    const Path path(fields.path(), key);
    std::vector<std::string> strings;
    for_each_item(fields.require(path), path, [&](const msgpack::object& item, const Path& at) {
        strings.push_back(detail::as_string(item, at));
    });
    return strings;
}

std::vector<std::uint64_t> read_dims(const Fields& fields, std::string_view key) {
    const Path path(fields.path(), key);
    std::vector<std::uint64_t> dims;
    for_each_item(fields.require(path), path, [&](const msgpack::object& item, const Path& at) {
        dims.push_back(detail::as_uint(item, at));
    });
    return dims;
}

std::vector<MaxDim> read_max_dims(const Fields& fields, std::string_view key) {
    const Path path(fields.path(), key);
    std::vector<MaxDim> dims;
    for_each_item(fields.require(path), path, [&](const msgpack::object& item, const Path& at) {
        if (item.type == msgpack::type::NIL)
            dims.emplace_back(std::nullopt);
        else if (item.type == msgpack::type::POSITIVE_INTEGER ||
                 item.type == msgpack::type::NEGATIVE_INTEGER)
            dims.emplace_back(detail::as_uint(item, at));
        else
            at.wrong_type("an integer or nil", item);
    });
    return dims;
}

std::vector<Filter> read_filters(const Fields& fields) {
    const Path path(fields.path(), "filters");
    std::vector<Filter> filters;
    for_each_item(fields.require(path), path, [&](const msgpack::object& item, const Path& at) {
        const msgpack::object_array& pair = detail::as_array(item, at);
        if (pair.size != 2)
            at.invalid("must be [filter_id, [cd_values...]], got an array of " +
                       std::to_string(pair.size));
        Filter filter;
        filter.id = detail::as_uint32(pair.ptr[0], Path(at, std::size_t{0}));
        const Path cd_path(at, std::size_t{1});
        for_each_item(pair.ptr[1], cd_path, [&](const msgpack::object& cd, const Path& cd_at) {
            filter.cd_values.push_back(detail::as_uint32(cd, cd_at));
        });
        filters.push_back(std::move(filter));
    });
    return filters;
}

Envelope read_envelope(const Fields& fields) {
    Envelope envelope;
    envelope.watch = fields.string("watch");
    envelope.run = fields.string("run");
    envelope.seq = fields.uint("seq");
    envelope.time = fields.floating("time");
    return envelope;
}

// `filters` is read only where `encoding` is chunk: a raw entry has none to give.
template <class T> void read_encoding(const Fields& fields, T& entry) {
    entry.encoding = fields.word<Encoding>("encoding");
    if (entry.encoding == Encoding::chunk)
        entry.filters = read_filters(fields);
}

StartHeader read_start(const Fields& fields) {
    StartHeader h;
    h.envelope = read_envelope(fields);
    h.file = fields.string("file");
    h.keys = read_strings(fields, "keys");
    h.finished = fields.optional_string("finished");
    h.timeout = fields.floating("timeout");
    h.scan_rank = fields.uint("scan_rank");
    h.scan_shape = read_max_dims(fields, "scan_shape");
    h.first_index = fields.uint("first_index");
    const Path path(fields.path(), "datasets");
    for_each_item(fields.require(path), path, [&](const msgpack::object& item, const Path& at) {
        const Fields entry(detail::as_map(item, at), at);
        DatasetDescription d;
        d.path = entry.string("path");
        d.dtype = entry.string("dtype");
        d.frame_shape = read_dims(entry, "frame_shape");
        read_encoding(entry, d);
        const Path members_path(at, "members");
        if (const auto* members = entry.find("members"))
            for_each_item(*members, members_path, [&](const msgpack::object& m, const Path& m_at) {
                const Fields member(detail::as_map(m, m_at), m_at);
                d.members.push_back({member.string("path"), member.string("dtype"),
                                     read_dims(member, "frame_shape")});
            });
        h.datasets.push_back(std::move(d));
    });
    return h;
}

FrameHeader read_frame(const Fields& fields) {
    FrameHeader h;
    h.envelope = read_envelope(fields);
    h.file = fields.string("file");
    h.index = fields.uint("index");
    const Path slice_path(fields.path(), "slice");
    for_each_item(
        fields.require(slice_path), slice_path, [&](const msgpack::object& item, const Path& at) {
            const msgpack::object_array& triple = detail::as_array(item, at);
            if (triple.size != 3)
                at.invalid("must be [start, stop, nil], got an array of " +
                           std::to_string(triple.size));
            const Path step(at, std::size_t{2});
            if (triple.ptr[2].type != msgpack::type::NIL)
                step.wrong_type("nil", triple.ptr[2]);
            h.slice.push_back(Slice{detail::as_uint(triple.ptr[0], Path(at, std::size_t{0})),
                                    detail::as_uint(triple.ptr[1], Path(at, std::size_t{1}))});
        });
    h.scan_shape = read_max_dims(fields, "scan_shape");
    const Path parts_path(fields.path(), "parts");
    for_each_item(fields.require(parts_path), parts_path,
                  [&](const msgpack::object& item, const Path& at) {
                      const Fields entry(detail::as_map(item, at), at);
                      Part p;
                      p.path = entry.string("path");
                      p.dtype = entry.string("dtype");
                      p.shape = read_dims(entry, "shape");
                      read_encoding(entry, p);
                      p.nbytes = entry.uint("nbytes");
                      h.parts.push_back(std::move(p));
                  });
    if (fields.find("fetched"))
        h.fetched = fields.boolean("fetched");
    return h;
}

EndHeader read_end(const Fields& fields) {
    EndHeader h;
    h.envelope = read_envelope(fields);
    h.file = fields.string("file");
    h.reason = fields.word<EndReason>("reason");
    h.frames = fields.uint("frames");
    h.last_index = fields.integer("last_index");
    if (h.reason == EndReason::error)
        h.error = fields.string("error");
    return h;
}

HeartbeatHeader read_heartbeat(const Fields& fields) {
    HeartbeatHeader h;
    h.envelope = read_envelope(fields);
    h.period = fields.floating("period");
    h.version = fields.string("version");
    h.host = fields.string("host");
    h.watches = read_strings(fields, "watches");
    // Added after the first release: a daemon that predates it does not send it.
    if (fields.find("fetch"))
        h.fetch = fields.optional_string("fetch");
    return h;
}

} // namespace

const char* kind_of(const Header& header) noexcept {
    return std::visit([](const auto& h) { return kind_name(h); }, header);
}

std::string topic_of(const Header& header) {
    const std::string& watch =
        std::visit([](const auto& h) -> const std::string& { return h.envelope.watch; }, header);
    return watch + '/' + kind_of(header);
}

std::string topic_of(std::string_view watch, MessageKind kind) {
    return std::string(watch) + '/' + to_string(kind);
}

std::string encode_header(const Header& header) {
    return std::visit([](const auto& h) { return encode(h); }, header);
}
std::string encode_header(const StartHeader& header) {
    return encode(header);
}
std::string encode_header(const FrameHeader& header) {
    return encode(header);
}
std::string encode_header(const EndHeader& header) {
    return encode(header);
}
std::string encode_header(const HeartbeatHeader& header) {
    return encode(header);
}

Header decode_header(const void* data, std::size_t size) {
    const msgpack::object_handle handle = detail::unpack_one(data, size, "header");
    const Path root("header");
    const msgpack::object& object = handle.get();
    if (object.type != msgpack::type::MAP)
        root.fail(std::string("must be a MessagePack map, got ") + detail::type_name(object));
    const Fields top(object.via.map, root);

    const Path v_path(root, "v");
    const msgpack::object& v = top.require(v_path);
    if (v.type != msgpack::type::POSITIVE_INTEGER && v.type != msgpack::type::NEGATIVE_INTEGER)
        v_path.wrong_type("an integer", v);
    if (v.type == msgpack::type::NEGATIVE_INTEGER || v.via.u64 != protocol_version)
        v_path.invalid("is " +
                       (v.type == msgpack::type::NEGATIVE_INTEGER ? std::to_string(v.via.i64)
                                                                  : std::to_string(v.via.u64)) +
                       ", this reader speaks protocol version " + std::to_string(protocol_version));

    const Path kind_path(root, "kind");
    const std::string_view kind = detail::as_string_view(top.require(kind_path), kind_path);
    if (kind == "start") {
        const Path path("start header");
        return read_start(Fields(object.via.map, path));
    }
    if (kind == "frame") {
        const Path path("frame header");
        return read_frame(Fields(object.via.map, path));
    }
    if (kind == "end") {
        const Path path("end header");
        return read_end(Fields(object.via.map, path));
    }
    if (kind == "heartbeat") {
        const Path path("heartbeat header");
        return read_heartbeat(Fields(object.via.map, path));
    }
    kind_path.invalid("must be one of `start`, `frame`, `end`, `heartbeat`, got `" +
                      std::string(kind) + "`");
}

} // namespace swmrd::proto
