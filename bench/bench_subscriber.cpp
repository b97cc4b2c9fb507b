// A lean C++ subscriber for the benchmarks: counts what one watch's run delivers, and when
// asked, records when each frame arrived (for latency). Prints one JSON line at the end.
//
//   bench_subscriber --endpoint E --watch NAME [--times FILE] [--ready FILE]
//
// It subscribes, waits for a heartbeat (so the subscription has reached the daemon), touches
// --ready, then reads until the watch's end message.

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The frame index from a header map without a full MessagePack decoder: the benchmark must
// measure the daemon, not this parser. Looks for the key "index" followed by an integer.
long long header_index(const zmq::message_t& header) {
    const auto* bytes = static_cast<const unsigned char*>(header.data());
    const std::size_t size = header.size();
    static const unsigned char key[] = {0xa5, 'i', 'n', 'd', 'e', 'x'};
    for (std::size_t i = 0; i + sizeof key < size; ++i) {
        if (std::memcmp(bytes + i, key, sizeof key) != 0)
            continue;
        const auto* v = bytes + i + sizeof key;
        const std::size_t left = size - i - sizeof key;
        if (v[0] <= 0x7f)
            return v[0];
        auto be = [&](std::size_t n) {
            unsigned long long x = 0;
            for (std::size_t k = 0; k < n && k + 1 < left; ++k)
                x = (x << 8) | v[1 + k];
            return static_cast<long long>(x);
        };
        switch (v[0]) {
        case 0xcc:
            return be(1);
        case 0xcd:
            return be(2);
        case 0xce:
            return be(4);
        case 0xcf:
            return be(8);
        case 0xd0:
            return static_cast<signed char>(v[1]);
        case 0xd1:
            return static_cast<short>(be(2));
        case 0xd2:
            return static_cast<int>(be(4));
        case 0xd3:
            return be(8);
        default:
            return -1;
        }
    }
    return -1;
}

} // namespace

int main(int argc, char** argv) {
    std::string endpoint, watch, times_path, ready_path;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--endpoint")
            endpoint = argv[i + 1];
        else if (option == "--watch")
            watch = argv[i + 1];
        else if (option == "--times")
            times_path = argv[i + 1];
        else if (option == "--ready")
            ready_path = argv[i + 1];
    }
    if (endpoint.empty() || watch.empty()) {
        std::fprintf(stderr, "usage: bench_subscriber --endpoint E --watch NAME [--times FILE] "
                             "[--ready FILE]\n");
        return 2;
    }
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.set(zmq::sockopt::rcvbuf, 8 << 20);
    socket.connect(endpoint);
    socket.set(zmq::sockopt::subscribe, watch + "/");
    socket.set(zmq::sockopt::subscribe, "_daemon/");

    const std::string frame_topic = watch + "/frame";
    const std::string end_topic = watch + "/end";
    const std::string start_topic = watch + "/start";
    std::vector<zmq::message_t> parts;
    bool ready = false;
    std::uint64_t frames = 0, bytes = 0;
    double first = 0, last = 0;
    std::vector<std::pair<long long, double>> times;
    for (;;) {
        parts.clear();
        if (!zmq::recv_multipart(socket, std::back_inserter(parts)))
            continue;
        const auto now = unix_now();
        const std::string topic(static_cast<const char*>(parts[0].data()), parts[0].size());
        if (!ready) {
            if (topic == "_daemon/heartbeat") {
                ready = true;
                if (!ready_path.empty())
                    std::ofstream(ready_path) << "ready\n";
            }
            continue;
        }
        if (topic == frame_topic) {
            if (frames == 0)
                first = now;
            last = now;
            ++frames;
            for (std::size_t p = 2; p < parts.size(); ++p)
                bytes += parts[p].size();
            if (!times_path.empty())
                times.emplace_back(header_index(parts[1]), now);
        } else if (topic == start_topic) {
            first = now;
        } else if (topic == end_topic) {
            last = now;
            break;
        }
    }
    if (!times_path.empty()) {
        std::ofstream out(times_path);
        out.precision(17);
        for (const auto& [index, time] : times)
            out << index << ' ' << time << '\n';
    }
    // first and last (Unix seconds) let several subscribers' figures be put together.
    std::printf("{\"frames\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"first\": %.6f, "
                "\"last\": %.6f}\n",
                static_cast<unsigned long long>(frames), static_cast<unsigned long long>(bytes),
                last - first, first, last);
    return 0;
}
