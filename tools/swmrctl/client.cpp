#include "swmrctl/client.hpp"

#include <zmq.hpp>

#include <algorithm>
#include <chrono>

namespace swmrd::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// Polls for `events` until `deadline`; false when it passed first, or once `*interrupted`
// is set.
bool wait_for(zmq::socket_t& socket, short events, Clock::time_point deadline,
              const volatile std::sig_atomic_t* interrupted) {
    // A signal that lands just before poll() does not interrupt it: short polls bound how
    // long it goes unnoticed.
    constexpr std::chrono::milliseconds interruptible_slice{100};
    while (true) {
        if (interrupted != nullptr && *interrupted != 0)
            return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return false;
        if (interrupted != nullptr)
            left = std::min(left, interruptible_slice);
        zmq::pollitem_t item{socket.handle(), 0, events, 0};
        try {
            if (zmq::poll(&item, 1, left) > 0 && (item.revents & events) != 0)
                return true;
        } catch (const zmq::error_t& error) {
            if (error.num() != EINTR)
                throw;
        }
    }
}

} // namespace

std::optional<std::string> request_reply(const std::string& endpoint, const std::string& request,
                                         config::Seconds timeout,
                                         const volatile std::sig_atomic_t* interrupted) {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    zmq::context_t context;
    zmq::socket_t socket(context, zmq::socket_type::req);
    // An unsent request must not keep the process alive at exit.
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint);
    if (!wait_for(socket, ZMQ_POLLOUT, deadline, interrupted))
        return std::nullopt;
    if (!socket.send(zmq::buffer(request), zmq::send_flags::dontwait))
        return std::nullopt;
    if (!wait_for(socket, ZMQ_POLLIN, deadline, interrupted))
        return std::nullopt;
    zmq::message_t reply;
    if (!socket.recv(reply, zmq::recv_flags::dontwait))
        return std::nullopt;
    return reply.to_string();
}

} // namespace swmrd::ctl
