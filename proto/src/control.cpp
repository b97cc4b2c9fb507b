#include "swmrd/proto/control.hpp"

#include "swmrd/proto/decode_error.hpp"

#include "pack.hpp"
#include "unpack.hpp"

#include <string_view>

namespace swmrd::proto {

using detail::Fields;
using detail::Path;
using detail::Writer;

namespace {

template <class... Fs> struct Overloaded : Fs... { using Fs::operator()...; };
template <class... Fs> Overloaded(Fs...) -> Overloaded<Fs...>; // clang 14 needs the guide

constexpr std::string_view all_commands =
    "`ping`, `start`, `stop`, `list`, `status`, `runs`, `peers`";

template <class F> std::string packed(F&& pack) {
    std::string out;
    out.reserve(128);
    Writer w(out);
    pack(w);
    return out;
}

void pack_status(Writer& w, const WatchStatus& s) {
    w.map(14);
    w.key("name");
    w.string(s.name);
    w.key("file");
    w.string(s.file);
    w.key("source");
    w.string(s.source);
    w.key("state");
    w.word(s.state);
    w.key("current_file");
    w.optional_string(s.current_file);
    w.key("run");
    w.optional_string(s.run);
    w.key("frames");
    w.uint(s.frames);
    w.key("bytes");
    w.uint(s.bytes);
    w.key("last_index");
    w.integer(s.last_index);
    w.key("dropped");
    w.uint(s.dropped);
    w.key("lost");
    w.uint(s.lost);
    w.key("error");
    w.optional_string(s.error);
    w.key("file_state");
    w.optional_word(s.file_state);
    w.key("warning");
    w.optional_string(s.warning);
}

// The map at `path`, a field of `fields`.
const msgpack::object_map& require_map(const Fields& fields, const Path& path) {
    return detail::as_map(fields.require(path), path);
}

WatchStatus read_status(const Fields& fields) {
    WatchStatus s;
    s.name = fields.string("name");
    s.file = fields.string("file");
    s.source = fields.string("source");
    s.state = fields.word<WatchState>("state");
    s.current_file = fields.optional_string("current_file");
    s.run = fields.optional_string("run");
    s.frames = fields.uint("frames");
    s.bytes = fields.uint("bytes");
    s.last_index = fields.integer("last_index");
    s.dropped = fields.uint("dropped");
    s.error = fields.optional_string("error");
    // Added after the first release: a daemon that predates them does not send them.
    if (fields.find("file_state"))
        s.file_state = fields.optional_word<FileState>("file_state");
    if (fields.find("warning"))
        s.warning = fields.optional_string("warning");
    if (fields.find("lost"))
        s.lost = fields.uint("lost");
    return s;
}

void pack_run(Writer& w, const RunInfo& r) {
    w.map(10);
    w.key("run");
    w.string(r.run);
    w.key("file");
    w.string(r.file);
    w.key("state");
    w.word(r.state);
    w.key("reason");
    w.optional_word(r.reason);
    w.key("first_index");
    w.uint(r.first_index);
    w.key("frames");
    w.uint(r.frames);
    w.key("last_index");
    w.integer(r.last_index);
    w.key("started");
    w.float64(r.started);
    w.key("ended");
    if (r.ended)
        w.float64(*r.ended);
    else
        w.nil();
    w.key("fetchable");
    w.boolean(r.fetchable);
}

RunInfo read_run(const Fields& fields) {
    RunInfo r;
    r.run = fields.string("run");
    r.file = fields.string("file");
    r.state = fields.word<RunState>("state");
    r.reason = fields.optional_word<EndReason>("reason");
    r.first_index = fields.uint("first_index");
    r.frames = fields.uint("frames");
    r.last_index = fields.integer("last_index");
    r.started = fields.floating("started");
    const Path ended(fields.path(), "ended");
    if (const auto& value = fields.require(ended); value.type != msgpack::type::NIL)
        r.ended = detail::as_float(value, ended);
    r.fetchable = fields.boolean("fetchable");
    return r;
}

void pack_peer(Writer& w, const PeerInfo& p) {
    w.map(5);
    w.key("channel");
    w.string(p.channel);
    w.key("address");
    w.string(p.address);
    w.key("since");
    w.float64(p.since);
    w.key("queued");
    if (p.queued)
        w.uint(*p.queued);
    else
        w.nil();
    w.key("progress");
    w.float64(p.progress);
}

PeerInfo read_peer(const Fields& fields) {
    PeerInfo p;
    p.channel = fields.string("channel");
    p.address = fields.string("address");
    p.since = fields.floating("since");
    const Path queued(fields.path(), "queued");
    if (const auto& value = fields.require(queued); value.type != msgpack::type::NIL)
        p.queued = detail::as_uint(value, queued);
    p.progress = fields.floating("progress");
    return p;
}

const msgpack::object_map& root_map(const msgpack::object& object, const Path& root) {
    if (object.type != msgpack::type::MAP)
        root.fail(std::string("must be a MessagePack map, got ") + detail::type_name(object));
    return object.via.map;
}

ControlRequest read_request(const msgpack::object_map& map, std::string_view command) {
    if (command == "ping") {
        const Path path("ping request");
        detail::reject_unknown_keys(map, path, {"cmd"});
        return PingRequest{};
    }
    if (command == "list") {
        const Path path("list request");
        detail::reject_unknown_keys(map, path, {"cmd"});
        return ListRequest{};
    }
    if (command == "peers") {
        const Path path("peers request");
        detail::reject_unknown_keys(map, path, {"cmd"});
        return PeersRequest{};
    }
    if (command == "start") {
        const Path path("start request");
        detail::reject_unknown_keys(map, path, {"cmd", "watch"});
        const Fields fields(map, path);
        const Path watch(path, "watch");
        const msgpack::object& spec = fields.require(watch);
        detail::as_map(spec, watch);
        return StartRequest{detail::to_value(spec, watch)};
    }
    if (command == "stop") {
        const Path path("stop request");
        detail::reject_unknown_keys(map, path, {"cmd", "watch"});
        return StopRequest{Fields(map, path).string("watch")};
    }
    if (command == "status") {
        const Path path("status request");
        detail::reject_unknown_keys(map, path, {"cmd", "watch"});
        return StatusRequest{Fields(map, path).string("watch")};
    }
    if (command == "runs") {
        const Path path("runs request");
        detail::reject_unknown_keys(map, path, {"cmd", "watch"});
        return RunsRequest{Fields(map, path).string("watch")};
    }
    const Path root("request");
    Path(root, "cmd")
        .invalid("is `" + std::string(command) + "`, not a command of protocol v1 (" +
                     std::string(all_commands) + ")",
                 to_string(ErrorCode::unknown_command));
}

ControlReply read_success(const Fields& fields, const std::string& command) {
    if (command == "ping") {
        PingReply reply;
        reply.version = fields.string("version");
        reply.protocol = fields.integer("protocol");
        reply.uptime = fields.floating("uptime");
        if (const auto* features = fields.find("features")) {
            const Path path(fields.path(), "features");
            const auto& items = detail::as_array(*features, path);
            for (std::uint32_t i = 0; i < items.size; ++i)
                reply.features.push_back(
                    detail::as_string(items.ptr[i], Path(path, std::size_t{i})));
        }
        return reply;
    }
    if (command == "start")
        return StartReply{fields.string("watch")};
    if (command == "stop") {
        StopReply reply;
        reply.watch = fields.string("watch");
        reply.frames = fields.uint("frames");
        return reply;
    }
    if (command == "list") {
        ListReply reply;
        const Path path(fields.path(), "watches");
        const msgpack::object_array& watches = detail::as_array(fields.require(path), path);
        reply.watches.reserve(watches.size);
        for (std::uint32_t i = 0; i < watches.size; ++i) {
            const Path at(path, std::size_t{i});
            reply.watches.push_back(read_status(Fields(detail::as_map(watches.ptr[i], at), at)));
        }
        // Daemons before `peers` did not send these.
        if (fields.find("subscribers"))
            reply.subscribers = fields.uint("subscribers");
        if (fields.find("peers_cut"))
            reply.peers_cut = fields.uint("peers_cut");
        return reply;
    }
    if (command == "peers") {
        PeersReply reply;
        const Path path(fields.path(), "peers");
        const msgpack::object_array& peers = detail::as_array(fields.require(path), path);
        for (std::uint32_t i = 0; i < peers.size; ++i) {
            const Path at(path, std::size_t{i});
            reply.peers.push_back(read_peer(Fields(detail::as_map(peers.ptr[i], at), at)));
        }
        reply.peers_cut = fields.uint("peers_cut");
        return reply;
    }
    if (command == "runs") {
        RunsReply reply;
        const Path path(fields.path(), "runs");
        const msgpack::object_array& runs = detail::as_array(fields.require(path), path);
        for (std::uint32_t i = 0; i < runs.size; ++i) {
            const Path at(path, std::size_t{i});
            reply.runs.push_back(read_run(Fields(detail::as_map(runs.ptr[i], at), at)));
        }
        return reply;
    }
    // status: decode_reply has checked the command is one of protocol v1.
    const Path path(fields.path(), "watch");
    return StatusReply{read_status(Fields(require_map(fields, path), path))};
}

} // namespace

const char* command_of(const ControlRequest& request) noexcept {
    return std::visit(Overloaded{
                          [](const PingRequest&) { return "ping"; },
                          [](const StartRequest&) { return "start"; },
                          [](const StopRequest&) { return "stop"; },
                          [](const ListRequest&) { return "list"; },
                          [](const StatusRequest&) { return "status"; },
                          [](const RunsRequest&) { return "runs"; },
                          [](const PeersRequest&) { return "peers"; },
                      },
                      request);
}

std::string encode_request(const ControlRequest& request) {
    return packed([&](Writer& w) {
        const bool has_watch = !std::holds_alternative<PingRequest>(request) &&
                               !std::holds_alternative<ListRequest>(request) &&
                               !std::holds_alternative<PeersRequest>(request);
        w.map(has_watch ? 2 : 1);
        w.key("cmd");
        w.string(command_of(request));
        std::visit(Overloaded{
                       [](const PingRequest&) {},
                       [](const ListRequest&) {},
                       [](const PeersRequest&) {},
                       [&](const StartRequest& r) {
                           w.key("watch");
                           w.value(r.watch);
                       },
                       [&](const StopRequest& r) {
                           w.key("watch");
                           w.string(r.watch);
                       },
                       [&](const StatusRequest& r) {
                           w.key("watch");
                           w.string(r.watch);
                       },
                       [&](const RunsRequest& r) {
                           w.key("watch");
                           w.string(r.watch);
                       },
                   },
                   request);
    });
}

ControlRequest decode_request(const void* data, std::size_t size) {
    const msgpack::object_handle handle = detail::unpack_one(data, size, "request");
    const Path root("request");
    const msgpack::object_map& map = root_map(handle.get(), root);
    const Path cmd(root, "cmd");
    const std::string_view command = detail::as_string_view(Fields(map, root).require(cmd), cmd);
    return read_request(map, command);
}

std::string encode_reply(const ControlReply& reply) {
    return packed([&](Writer& w) {
        std::visit(Overloaded{
                       [&](const PingReply& r) {
                           w.map(5);
                           w.key("ok");
                           w.boolean(true);
                           w.key("version");
                           w.string(r.version);
                           w.key("protocol");
                           w.integer(r.protocol);
                           w.key("uptime");
                           w.float64(r.uptime);
                           w.key("features");
                           w.array(r.features.size());
                           for (const auto& feature : r.features)
                               w.string(feature);
                       },
                       [&](const StartReply& r) {
                           w.map(2);
                           w.key("ok");
                           w.boolean(true);
                           w.key("watch");
                           w.string(r.watch);
                       },
                       [&](const StopReply& r) {
                           w.map(3);
                           w.key("ok");
                           w.boolean(true);
                           w.key("watch");
                           w.string(r.watch);
                           w.key("frames");
                           w.uint(r.frames);
                       },
                       [&](const ListReply& r) {
                           w.map(4);
                           w.key("ok");
                           w.boolean(true);
                           w.key("watches");
                           w.array(r.watches.size());
                           for (const WatchStatus& status : r.watches)
                               pack_status(w, status);
                           w.key("subscribers");
                           w.uint(r.subscribers);
                           w.key("peers_cut");
                           w.uint(r.peers_cut);
                       },
                       [&](const PeersReply& r) {
                           w.map(3);
                           w.key("ok");
                           w.boolean(true);
                           w.key("peers");
                           w.array(r.peers.size());
                           for (const PeerInfo& peer : r.peers)
                               pack_peer(w, peer);
                           w.key("peers_cut");
                           w.uint(r.peers_cut);
                       },
                       [&](const StatusReply& r) {
                           w.map(2);
                           w.key("ok");
                           w.boolean(true);
                           w.key("watch");
                           pack_status(w, r.watch);
                       },
                       [&](const RunsReply& r) {
                           w.map(2);
                           w.key("ok");
                           w.boolean(true);
                           w.key("runs");
                           w.array(r.runs.size());
                           for (const RunInfo& run : r.runs)
                               pack_run(w, run);
                       },
                       [&](const ErrorReply& r) {
                           w.map(2);
                           w.key("ok");
                           w.boolean(false);
                           w.key("error");
                           w.map(2);
                           w.key("code");
                           w.string(r.code);
                           w.key("message");
                           w.string(r.message);
                       },
                   },
                   reply);
    });
}

ControlReply decode_reply(const void* data, std::size_t size, const std::string& command) {
    if (command != "ping" && command != "start" && command != "stop" && command != "list" &&
        command != "status" && command != "runs" && command != "peers")
        throw DecodeError("reply: no reply to `" + command + "`, not a command of protocol v1 (" +
                              std::string(all_commands) + ")",
                          to_string(ErrorCode::unknown_command));
    const msgpack::object_handle handle = detail::unpack_one(data, size, "reply");
    const Path root("reply");
    const msgpack::object_map& map = root_map(handle.get(), root);
    if (!Fields(map, root).boolean("ok")) {
        const Path reply("error reply");
        const Path error(reply, "error");
        const Fields fields(require_map(Fields(map, reply), error), error);
        return ErrorReply{fields.string("code"), fields.string("message")};
    }
    const std::string name = command + " reply";
    const Path path(name.c_str());
    return read_success(Fields(map, path), command);
}

} // namespace swmrd::proto
