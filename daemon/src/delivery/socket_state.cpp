#include "delivery/socket_state.hpp"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <string>

namespace swmrd::daemon::peers {

namespace {

int socket_family(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return -1;
    return address.ss_family;
}

bool is_stream_socket(int fd) {
    int type = 0;
    socklen_t length = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
}

} // namespace

std::optional<Transport> transport_of(int fd) {
    if (!is_stream_socket(fd))
        return std::nullopt;
    const int family = socket_family(fd);
    return family == AF_INET || family == AF_INET6 ? Transport::tcp : Transport::local;
}

std::optional<SocketProgress> read_progress(int fd, Transport transport) {
    SocketProgress progress;
    int queued = 0;
    if (ioctl(fd, SIOCOUTQ, &queued) != 0)
        return std::nullopt;
    progress.queued = static_cast<std::uint64_t>(std::max(queued, 0));
    if (transport == Transport::tcp) {
        tcp_info info{};
        socklen_t length = sizeof info;
        // tcpi_bytes_acked came with Linux 4.1; an older kernel fills less, and reads 0.
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
            length >= offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
            progress.acknowledged = info.tcpi_bytes_acked;
    }
    return progress;
}

std::string peer_address(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return "unknown";
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
        inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
        return fmt::format("{}:{}", text, ntohs(v4.sin_port));
    }
    if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        return fmt::format("[{}]:{}", text, ntohs(v6.sin6_port));
    }
    if (address.ss_family == AF_UNIX)
        return "local";
    return "unknown";
}

unsigned local_port(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return 0;
    if (address.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    return 0;
}

unsigned endpoint_port(const std::string& endpoint) {
    if (endpoint.rfind("tcp://", 0) != 0)
        return 0;
    const auto colon = endpoint.rfind(':');
    if (colon == std::string::npos || colon + 1 >= endpoint.size())
        return 0;
    try {
        const auto port = std::stoul(endpoint.substr(colon + 1));
        return port <= 65535 ? static_cast<unsigned>(port) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

void set_user_timeout(int fd, std::chrono::milliseconds timeout) {
    const auto family = socket_family(fd);
    if (family != AF_INET && family != AF_INET6)
        return;
    const unsigned value =
        static_cast<unsigned>(std::clamp<std::int64_t>(timeout.count(), 1, 1 << 30));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &value, sizeof value);
}

void cut(int fd) {
    (void)shutdown(fd, SHUT_RDWR);
}

} // namespace swmrd::daemon::peers
