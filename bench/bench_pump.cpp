// The ceiling for the large-frame benchmark: a bare ZeroMQ PUB -> SUB pump over tcp loopback
// sending the same messages swmrd sends (topic, a header of the same size, one payload of the
// frame's size), with no HDF5 and no daemon. Prints one JSON line.
//
//   bench_pump --frames N --bytes B [--header H] [--subscribers S]

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    std::size_t frames = 400, bytes = 2 << 20, header = 300, subscribers = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        const auto value = std::stoull(argv[i + 1]);
        if (option == "--frames")
            frames = value;
        else if (option == "--bytes")
            bytes = value;
        else if (option == "--header")
            header = value;
        else if (option == "--subscribers")
            subscribers = value;
    }
    zmq::context_t context(1);
    zmq::socket_t pub(context, zmq::socket_type::pub);
    pub.set(zmq::sockopt::sndhwm, 0);
    pub.bind("tcp://127.0.0.1:*");
    const auto endpoint = pub.get(zmq::sockopt::last_endpoint);

    std::vector<double> seconds(subscribers);
    std::vector<std::thread> readers;
    std::atomic<std::size_t> connected{0};
    for (std::size_t s = 0; s < subscribers; ++s) {
        readers.emplace_back([&, s] {
            zmq::socket_t sub(context, zmq::socket_type::sub);
            sub.set(zmq::sockopt::rcvhwm, 0);
            sub.set(zmq::sockopt::rcvbuf, 8 << 20);
            sub.connect(endpoint);
            sub.set(zmq::sockopt::subscribe, "");
            ++connected;
            std::vector<zmq::message_t> parts;
            bool started = false;
            auto begin = std::chrono::steady_clock::now();
            std::size_t received = 0;
            while (received < frames) {
                parts.clear();
                (void)zmq::recv_multipart(sub, std::back_inserter(parts));
                if (parts.size() == 1)
                    continue; // a probe
                if (!started) {
                    begin = std::chrono::steady_clock::now();
                    started = true;
                }
                ++received;
            }
            seconds[s] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        });
    }
    while (connected < subscribers)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Probes until every subscription has certainly arrived (slow joiner).
    for (int i = 0; i < 50; ++i) {
        pub.send(zmq::str_buffer("probe"), zmq::send_flags::none);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::string topic = "bench/frame";
    const std::string head(header, 'h');
    for (std::size_t i = 0; i < frames; ++i) {
        // A fresh buffer per frame, as the daemon reads each frame into its own memory.
        auto* data = new char[bytes];
        std::memset(data, static_cast<int>(i), bytes);
        zmq::message_t payload(data, bytes, [](void* d, void*) { delete[] static_cast<char*>(d); });
        pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(head), zmq::send_flags::sndmore);
        pub.send(payload, zmq::send_flags::none);
    }
    for (auto& reader : readers)
        reader.join();
    double slowest = 0;
    for (auto s : seconds)
        slowest = std::max(slowest, s);
    std::printf("{\"frames\": %zu, \"bytes\": %zu, \"seconds\": %.6f, \"subscribers\": %zu}\n",
                frames, frames * bytes, slowest, subscribers);
    return 0;
}
