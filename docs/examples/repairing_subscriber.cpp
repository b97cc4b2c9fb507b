// A minimal swmrd subscriber in C++ that loses no frame, with nothing but cppzmq and
// msgpack-c (docs/protocol.md, "The fetch channel"): it prints every frame of one run once,
// in index order, fetching again from the file whatever it missed on PUB.
//
// usage: example_repairing_subscriber PUBLISH_ENDPOINT WATCH
//
// The repair, in short:
//   on a message of the run with seq > last seq + 1: fetch indices
//       [first_index + last seq, first_index + seq - 1) (index = first_index + seq - 1), then
//       handle the message;
//   on a heartbeat after a whole heartbeat period without a message of the run: fetch from
//       the next index (frames lost at the tail show in no seq gap); a run the fetch channel
//       says has ended, twice, with nothing left, is over (its end was lost).

#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <cstdint>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

using Map = std::map<std::string, msgpack::object>;

struct Message {
    std::vector<zmq::message_t> parts;
    msgpack::object_handle handle;
    Map header;
};

std::optional<Message> receive(zmq::socket_t& socket) {
    Message message;
    if (!zmq::recv_multipart(socket, std::back_inserter(message.parts)) || message.parts.size() < 2)
        return std::nullopt;
    message.handle = msgpack::unpack(message.parts[1].data<char>(), message.parts[1].size());
    message.header = message.handle.get().as<Map>();
    return message;
}

std::string text(const Map& header, const char* key) {
    const auto found = header.find(key);
    return found == header.end() || found->second.is_nil() ? "" : found->second.as<std::string>();
}

// The fetch endpoint a heartbeat names, its wildcard host replaced by the PUB's.
std::string fetch_endpoint(const std::string& advertised, const std::string& publish) {
    const auto host_at = advertised.find("://") + 3;
    const auto port_at = advertised.rfind(':');
    const auto host = advertised.substr(host_at, port_at - host_at);
    if (host != "*" && host != "0.0.0.0" && host != "[::]")
        return advertised;
    const auto pub_host_at = publish.find("://") + 3;
    const auto pub_host = publish.substr(pub_host_at, publish.rfind(':') - pub_host_at);
    return advertised.substr(0, host_at) + pub_host + advertised.substr(port_at);
}

class Subscriber {
public:
    Subscriber(const std::string& publish, std::string watch)
        : publish_(publish), watch_(std::move(watch)), sub_(context_, zmq::socket_type::sub) {
        sub_.connect(publish);
        sub_.set(zmq::sockopt::subscribe, watch_ + "/");
        sub_.set(zmq::sockopt::subscribe, "_daemon/heartbeat");
    }

    int run() {
        for (;;) {
            auto message = receive(sub_);
            if (!message)
                continue;
            const auto kind = text(message->header, "kind");
            if (kind == "heartbeat") {
                heartbeat(message->header);
            } else if (handle(*message)) {
                std::cout << "end " << text(message->header, "reason") << " frames=" << printed_
                          << " repaired=" << repaired_ << std::endl;
                return 0;
            }
            if (over_) {
                std::cout << "end " << over_reason_ << " frames=" << printed_
                          << " repaired=" << repaired_ << " (its end was lost)" << std::endl;
                return 0;
            }
        }
    }

private:
    void heartbeat(const Map& header) {
        if (fetch_.empty() && !text(header, "fetch").empty()) {
            fetch_ = fetch_endpoint(text(header, "fetch"), publish_);
            std::cout << "subscribed to " << watch_ << " at " << publish_ << std::endl;
        }
        if (run_.empty() || ++quiet_ < 2)
            return;
        quiet_ = 0;
        const auto [frames, closing] = fetch(next_index(), 65536);
        if (frames > 0) {
            ended_seen_ = false;
        } else if (text(closing.header, "state") == "ended") {
            over_ = ended_seen_;
            over_reason_ = text(closing.header, "reason");
            ended_seen_ = true;
        }
    }

    // True at the run's end.
    bool handle(Message& message) {
        quiet_ = 0;
        const auto& header = message.header;
        const auto kind = text(header, "kind");
        const auto seq = header.at("seq").as<std::uint64_t>();
        if (kind == "start") {
            run_ = text(header, "run");
            first_index_ = header.at("first_index").as<std::uint64_t>();
            seq_ = 0;
            return false;
        }
        if (run_.empty() || text(header, "run") != run_ || seq <= seq_)
            return false; // another run, or a frame a fetch brought already
        if (seq > seq_ + 1) {
            const auto first = next_index();
            const auto stop = first_index_ + seq - 1;
            while (next_index() < stop)
                if (fetch(next_index(), stop - next_index()).first == 0) {
                    std::cerr << "cannot repair frames " << next_index() << " to " << stop - 1
                              << "\n";
                    seq_ = seq - 1;
                    break;
                }
            std::cerr << "repaired frames " << first << " to " << stop - 1 << "\n";
        }
        seq_ = seq;
        if (kind == "frame")
            print(message);
        return kind == "end";
    }

    std::uint64_t next_index() const { return first_index_ + seq_; }

    // Fetches up to `count` frames from `from`; prints them. The frames sent and the closing
    // message, whole: its header's values live in that message's own buffers.
    std::pair<std::uint64_t, Message> fetch(std::uint64_t from, std::uint64_t count) {
        if (fetch_.empty())
            return {0, Message{}};
        if (!dealer_) {
            dealer_.emplace(context_, zmq::socket_type::dealer);
            dealer_->connect(fetch_);
        }
        msgpack::sbuffer request;
        msgpack::packer<msgpack::sbuffer> pack(request);
        pack.pack_map(6);
        pack.pack("cmd"), pack.pack("fetch");
        pack.pack("id"), pack.pack(++request_id_);
        pack.pack("watch"), pack.pack(watch_);
        pack.pack("run"), pack.pack(run_);
        pack.pack("from"), pack.pack(from);
        pack.pack("count"), pack.pack(std::min<std::uint64_t>(count, 65536));
        dealer_->send(zmq::buffer(request.data(), request.size()));
        std::uint64_t frames = 0;
        for (;;) {
            auto message = receive(*dealer_);
            if (!message)
                continue;
            if (text(message->header, "kind") == "fetched") {
                if (!message->header.at("ok").as<bool>())
                    std::cerr << "fetch failed: "
                              << text(message->header.at("error").as<Map>(), "message") << "\n";
                return {frames, std::move(*message)};
            }
            ++frames;
            ++repaired_;
            seq_ = message->header.at("seq").as<std::uint64_t>();
            print(*message);
        }
    }

    void print(const Message& message) {
        ++printed_;
        const auto parts = message.header.at("parts").as<std::vector<Map>>();
        std::cout << "frame " << message.header.at("index").as<std::uint64_t>() << " "
                  << text(parts.at(0), "path") << " " << message.parts.at(2).size() << " bytes\n";
    }

    std::string publish_;
    std::string watch_;
    zmq::context_t context_;
    zmq::socket_t sub_;
    std::optional<zmq::socket_t> dealer_;
    std::string fetch_;
    std::string run_;
    std::uint64_t first_index_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t printed_ = 0;
    std::uint64_t repaired_ = 0;
    std::uint64_t request_id_ = 0;
    int quiet_ = 0;
    bool ended_seen_ = false;
    bool over_ = false;
    std::string over_reason_;
};

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " PUBLISH_ENDPOINT WATCH\n";
        return 2;
    }
    return Subscriber(argv[1], argv[2]).run();
}
