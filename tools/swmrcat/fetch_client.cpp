#include "swmrcat/fetch_client.hpp"

#include <swmrd/proto/decode_error.hpp>
#include <swmrd/proto/fetch.hpp>

#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <thread>

namespace swmrd::cat {

namespace {

constexpr auto answer_timeout = std::chrono::seconds(30);
constexpr int busy_retries = 20;

std::string host_of(const std::string& endpoint, std::size_t& host_at, std::size_t& port_at) {
    host_at = endpoint.find("://");
    host_at = host_at == std::string::npos ? 0 : host_at + 3;
    port_at = endpoint.rfind(':');
    if (port_at == std::string::npos || port_at < host_at)
        port_at = endpoint.size();
    return endpoint.substr(host_at, port_at - host_at);
}

} // namespace

std::string resolve_fetch_endpoint(const std::string& advertised, const std::string& publish) {
    std::size_t host_at = 0, port_at = 0;
    const auto host = host_of(advertised, host_at, port_at);
    if (host != "*" && host != "0.0.0.0" && host != "[::]")
        return advertised;
    std::size_t pub_host_at = 0, pub_port_at = 0;
    const auto reached = host_of(publish, pub_host_at, pub_port_at);
    return advertised.substr(0, host_at) + (publish.starts_with("tcp://") ? reached : "127.0.0.1") +
           advertised.substr(port_at);
}

FetchClient::FetchClient(zmq::context_t& context, std::string endpoint)
    : endpoint_(std::move(endpoint)), socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint_);
}

FetchClient::Outcome FetchClient::fetch(const std::string& watch, const std::string& run,
                                        std::uint64_t from, std::uint64_t stop,
                                        const OnFrame& on_frame, bool up_to_frontier) {
    Outcome outcome;
    const auto failed = [&](std::string why) {
        outcome.failure = std::move(why);
        return outcome;
    };
    int busy = 0;
    while (from < stop) {
        proto::FetchRequest request;
        request.id = proto::Value{static_cast<std::uint64_t>(++next_id_)};
        request.watch = watch;
        request.run = run;
        request.from = from;
        request.count = std::min<std::uint64_t>(stop - from, proto::max_fetch_count);
        const auto bytes = proto::encode_fetch_request(request);
        socket_.send(zmq::buffer(bytes));
        for (;;) {
            zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
            if (zmq::poll(&item, 1,
                          std::chrono::duration_cast<std::chrono::milliseconds>(answer_timeout)) ==
                0)
                return failed("no answer from " + endpoint_ + " within 30 s");
            std::vector<zmq::message_t> parts;
            if (!zmq::recv_multipart(socket_, std::back_inserter(parts)) || parts.size() < 2)
                continue;
            const auto topic = parts[0].to_string_view();
            if (topic.ends_with("/fetched")) {
                const auto closing = proto::decode_fetched(parts[1].data(), parts[1].size());
                if (!closing.ok) {
                    if (closing.error && closing.error->code == "busy" && busy++ < busy_retries) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(100));
                        break;
                    }
                    return failed(closing.error
                                      ? closing.error->code + ": " + closing.error->message
                                      : std::string("refused"));
                }
                outcome.ended = closing.state == proto::RunState::ended;
                outcome.reason = closing.reason;
                if (closing.frames == 0)
                    return up_to_frontier ? outcome
                                          : failed("the daemon sent no frame from index " +
                                                   std::to_string(from));
                from = closing.next;
                break;
            }
            auto header = proto::decode_header(parts[1].data(), parts[1].size());
            if (auto* frame = std::get_if<proto::FrameHeader>(&header)) {
                ++outcome.frames;
                on_frame(*frame, parts);
            }
        }
    }
    return outcome;
}

} // namespace swmrd::cat
