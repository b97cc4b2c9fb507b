#pragma once
// What the kernel knows of one accepted connection: who is at the other end, how many bytes
// wait in its send queue and how many the peer has acknowledged. This is how the daemon tells
// a peer that takes nothing from one that is merely slow: libzmq says neither.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace swmrd::daemon::peers {

struct SocketProgress {
    std::uint64_t queued = 0; // bytes in the kernel's send queue: not sent, or not acknowledged
    // Bytes the peer has acknowledged since the connection began (TCP); for a local socket,
    // which has no acknowledgements, nothing: progress is then the queue getting shorter.
    std::optional<std::uint64_t> acknowledged;
};

enum class Transport { tcp, local };
// What kind of connection `fd` is; nullopt when it is not a stream socket at all (closed
// under us, or reused for something else).
std::optional<Transport> transport_of(int fd);

// Two system calls, for a socket transport_of() has vouched for; nullopt if they fail.
std::optional<SocketProgress> read_progress(int fd, Transport transport);

// "192.0.2.7:40112", "[::1]:40112", "local" for a Unix socket; "unknown" if it cannot be read.
std::string peer_address(int fd);
// The local port of a TCP socket, 0 for any other.
unsigned local_port(int fd);
// The port of a ZeroMQ endpoint ("tcp://127.0.0.1:5556"), 0 for ipc:// and the like.
unsigned endpoint_port(const std::string& endpoint);

// Unacknowledged data is given up after `timeout` by the kernel itself, so a peer whose host
// vanished is dropped even between our own checks.
void set_user_timeout(int fd, std::chrono::milliseconds timeout);

// Ends the connection under libzmq's feet: both directions shut, so its engine reads end of
// file, drops the pipe and frees the messages it held. The descriptor stays open (libzmq
// closes its own; ours is a duplicate).
void cut(int fd);

} // namespace swmrd::daemon::peers
