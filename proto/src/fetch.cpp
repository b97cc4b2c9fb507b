#include "swmrd/proto/fetch.hpp"

#include "swmrd/proto/decode_error.hpp"

#include "pack.hpp"
#include "unpack.hpp"

#include <cmath>

namespace swmrd::proto {

using detail::Fields;
using detail::Path;
using detail::Writer;

namespace {

const msgpack::object_map& root_map(const msgpack::object& object, const Path& root) {
    if (object.type != msgpack::type::MAP)
        root.fail(std::string("must be a MessagePack map, got ") + detail::type_name(object));
    return object.via.map;
}

// Seconds as an integer or a float, not negative.
double read_seconds(const Fields& fields, std::string_view key) {
    const Path path(fields.path(), key);
    const auto& value = fields.require(path);
    double seconds = 0.0;
    if (value.type == msgpack::type::POSITIVE_INTEGER)
        seconds = static_cast<double>(value.via.u64);
    else if (value.type == msgpack::type::NEGATIVE_INTEGER)
        seconds = -1.0;
    else
        seconds = detail::as_float(value, path);
    if (!(seconds >= 0.0) || !std::isfinite(seconds))
        path.invalid("must be a number of seconds, 0 or more");
    return seconds;
}

std::uint64_t read_uint(const Fields& fields, std::string_view key) {
    const Path path(fields.path(), key);
    const auto& value = fields.require(path);
    if (value.type == msgpack::type::NEGATIVE_INTEGER)
        path.invalid("must be 0 or more, got " + std::to_string(value.via.i64));
    return detail::as_uint(value, path);
}

} // namespace

std::string encode_fetch_request(const FetchRequest& r) {
    std::string out;
    Writer w(out);
    w.map(7 + (r.max_bytes ? 1 : 0));
    w.key("cmd");
    w.string("fetch");
    w.key("id");
    w.value(r.id);
    w.key("watch");
    w.string(r.watch);
    w.key("run");
    w.string(r.run);
    w.key("from");
    w.uint(r.from);
    w.key("count");
    w.uint(r.count);
    w.key("wait");
    w.float64(r.wait);
    if (r.max_bytes) {
        w.key("max_bytes");
        w.uint(*r.max_bytes);
    }
    return out;
}

FetchRequest decode_fetch_request(const void* data, std::size_t size) {
    const msgpack::object_handle handle = detail::unpack_one(data, size, "fetch request");
    const Path root("fetch request");
    const msgpack::object_map& map = root_map(handle.get(), root);
    detail::reject_unknown_keys(
        map, root, {"cmd", "id", "watch", "run", "from", "count", "max_bytes", "wait"});
    const Fields fields(map, root);
    const Path cmd(root, "cmd");
    if (const auto command = detail::as_string_view(fields.require(cmd), cmd); command != "fetch")
        cmd.invalid("is `" + std::string(command) + "`; the fetch channel takes `fetch` only");
    FetchRequest request;
    const Path id(root, "id");
    request.id = detail::to_value(fields.require(id), id);
    request.watch = fields.string("watch");
    request.run = fields.string("run");
    request.from = read_uint(fields, "from");
    request.count = read_uint(fields, "count");
    if (request.count == 0 || request.count > max_fetch_count)
        Path(root, "count")
            .invalid("must be 1 to " + std::to_string(max_fetch_count) + ", got " +
                     std::to_string(request.count));
    if (fields.find("max_bytes")) {
        request.max_bytes = read_uint(fields, "max_bytes");
        if (*request.max_bytes == 0)
            Path(root, "max_bytes").invalid("must be 1 or more (at least one frame is sent)");
    }
    if (fields.find("wait"))
        request.wait = read_seconds(fields, "wait");
    return request;
}

Value fetch_request_id(const void* data, std::size_t size) {
    try {
        const msgpack::object_handle handle = detail::unpack_one(data, size, "fetch request");
        if (handle.get().type != msgpack::type::MAP)
            return {};
        if (const auto* id = detail::find(handle.get().via.map, "id")) {
            const Path root("fetch request");
            return detail::to_value(*id, Path(root, "id"));
        }
    } catch (const DecodeError&) {
    }
    return {};
}

std::string encode_fetched(const FetchedHeader& h) {
    std::string out;
    Writer w(out);
    w.map(14 + (h.error ? 1 : 0));
    w.key("v");
    w.integer(protocol_version);
    w.key("kind");
    w.string("fetched");
    w.key("watch");
    w.string(h.envelope.watch);
    w.key("run");
    w.string(h.envelope.run);
    w.key("seq");
    w.uint(h.envelope.seq);
    w.key("time");
    w.float64(h.envelope.time);
    w.key("id");
    w.value(h.id);
    w.key("ok");
    w.boolean(h.ok);
    w.key("from");
    w.uint(h.from);
    w.key("next");
    w.uint(h.next);
    w.key("frames");
    w.uint(h.frames);
    w.key("frontier");
    if (h.frontier)
        w.uint(*h.frontier);
    else
        w.nil();
    w.key("state");
    w.optional_word(h.state);
    w.key("reason");
    w.optional_word(h.reason);
    if (h.error) {
        w.key("error");
        w.map(2);
        w.key("code");
        w.string(h.error->code);
        w.key("message");
        w.string(h.error->message);
    }
    return out;
}

FetchedHeader decode_fetched(const void* data, std::size_t size) {
    const msgpack::object_handle handle = detail::unpack_one(data, size, "fetched header");
    const Path root("fetched header");
    const Fields fields(root_map(handle.get(), root), root);
    FetchedHeader h;
    h.envelope.watch = fields.string("watch");
    h.envelope.run = fields.string("run");
    h.envelope.seq = fields.uint("seq");
    h.envelope.time = fields.floating("time");
    const Path id(root, "id");
    h.id = detail::to_value(fields.require(id), id);
    h.ok = fields.boolean("ok");
    h.from = fields.uint("from");
    h.next = fields.uint("next");
    h.frames = fields.uint("frames");
    if (const auto* frontier = fields.find("frontier");
        frontier != nullptr && frontier->type != msgpack::type::NIL)
        h.frontier = fields.uint("frontier");
    h.state = fields.optional_word<RunState>("state");
    h.reason = fields.optional_word<EndReason>("reason");
    if (const auto* error = fields.find("error");
        error != nullptr && error->type != msgpack::type::NIL) {
        const Path at(root, "error");
        const Fields e(detail::as_map(*error, at), at);
        h.error = FetchError{e.string("code"), e.string("message")};
    }
    return h;
}

} // namespace swmrd::proto
