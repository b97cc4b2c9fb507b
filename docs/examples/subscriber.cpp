// A minimal swmrd subscriber in C++ with nothing but cppzmq and msgpack-c
// (docs/protocol.md). It prints what docs/examples/subscriber.py prints.
//
// usage: example_subscriber PUBLISH_ENDPOINT WATCH    prints one run of WATCH, then exits

#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using Map = std::map<std::string, msgpack::object>;

// Adds up a raw payload of element type T (copied out: payloads need not be aligned).
template <typename T> long double sum_of(const zmq::message_t& data) {
    long double sum = 0;
    for (std::size_t offset = 0; offset + sizeof(T) <= data.size(); offset += sizeof(T)) {
        T value;
        std::memcpy(&value, data.data<char>() + offset, sizeof(T));
        sum += static_cast<long double>(value);
    }
    return sum;
}

// The sum as subscriber.py prints it, for little-endian and single-byte NumPy dtypes.
std::string sum_text(const std::string& dtype, const zmq::message_t& data) {
    const std::string type = dtype.substr(1);
    long double sum = 0;
    if (dtype[0] == '>')
        return "(big-endian: not handled in this example)";
    if (type == "u1" || type == "b1")
        sum = sum_of<std::uint8_t>(data);
    else if (type == "i1")
        sum = sum_of<std::int8_t>(data);
    else if (type == "u2")
        sum = sum_of<std::uint16_t>(data);
    else if (type == "i2")
        sum = sum_of<std::int16_t>(data);
    else if (type == "u4")
        sum = sum_of<std::uint32_t>(data);
    else if (type == "i4")
        sum = sum_of<std::int32_t>(data);
    else if (type == "u8")
        sum = sum_of<std::uint64_t>(data);
    else if (type == "i8")
        sum = sum_of<std::int64_t>(data);
    else if (type == "f4")
        sum = sum_of<float>(data);
    else if (type == "f8")
        sum = sum_of<double>(data);
    else
        return "(" + dtype + ": not handled in this example)";
    if (type[0] == 'f') {
        char text[32];
        std::snprintf(text, sizeof text, "%.6Lg", sum);
        return text;
    }
    return std::to_string(static_cast<long long>(sum));
}

// A list of integers or nils the way Python prints it: [2, 2], [None, 20].
std::string list_text(const msgpack::object& list) {
    std::ostringstream out;
    out << "[";
    const auto items = list.as<std::vector<msgpack::object>>();
    for (std::size_t i = 0; i < items.size(); ++i) {
        out << (i ? ", " : "");
        if (items[i].is_nil())
            out << "None";
        else
            out << items[i].as<std::int64_t>();
    }
    out << "]";
    return out.str();
}

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " PUBLISH_ENDPOINT WATCH\n";
        return 2;
    }
    const std::string endpoint = argv[1];
    const std::string watch = argv[2];
    zmq::context_t context;
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.connect(endpoint);
    sub.set(zmq::sockopt::subscribe, watch + "/");
    sub.set(zmq::sockopt::subscribe, "_daemon/heartbeat"); // the first proves we are subscribed

    bool subscribed = false;
    std::string run;
    std::int64_t seq = 0;
    for (;;) {
        std::vector<zmq::message_t> parts;
        if (!zmq::recv_multipart(sub, std::back_inserter(parts)) || parts.size() < 2)
            continue;
        const auto handle = msgpack::unpack(parts[1].data<char>(), parts[1].size());
        const auto header = handle.get().as<Map>();
        const auto kind = header.at("kind").as<std::string>();
        if (kind == "heartbeat") {
            if (!subscribed)
                std::cout << "subscribed to " << watch << " at " << endpoint << std::endl;
            subscribed = true;
            continue;
        }
        const auto this_run = header.at("run").as<std::string>();
        const auto this_seq = header.at("seq").as<std::int64_t>();
        if (this_run == run && this_seq != seq + 1)
            std::cerr << "missed " << this_seq - seq - 1 << " message(s)\n";
        run = this_run;
        seq = this_seq;

        if (kind == "start") {
            std::cout << "start " << header.at("file").as<std::string>()
                      << " scan_shape=" << list_text(header.at("scan_shape")) << "\n";
        } else if (kind == "frame") {
            std::string where;
            for (const auto& s : header.at("slice").as<std::vector<std::vector<msgpack::object>>>())
                where += (where.empty() ? "" : ", ") + std::to_string(s.at(0).as<std::int64_t>()) +
                         ":" + std::to_string(s.at(1).as<std::int64_t>());
            const auto index = header.at("index").as<std::int64_t>();
            const auto descriptions = header.at("parts").as<std::vector<Map>>();
            for (std::size_t i = 0; i < descriptions.size() && i + 2 < parts.size(); ++i) {
                const auto& part = descriptions[i];
                const auto path = part.at("path").as<std::string>();
                std::cout << "frame " << index << " (" << where << ") " << path << " ";
                if (part.at("encoding").as<std::string>() == "chunk") {
                    // Still compressed by the dataset's HDF5 filters, listed in `filters`.
                    std::cout << "chunk (decode with its HDF5 filters)\n";
                    continue;
                }
                const auto dtype = part.at("dtype").as<std::string>();
                std::cout << dtype << " " << list_text(part.at("shape"))
                          << " sum=" << sum_text(dtype, parts[i + 2]) << "\n";
            }
        } else if (kind == "end") {
            std::cout << "end " << header.at("reason").as<std::string>()
                      << " frames=" << header.at("frames").as<std::int64_t>();
            if (const auto error = header.find("error"); error != header.end())
                std::cout << " error: " << error->second.as<std::string>();
            std::cout << std::endl;
            return 0;
        }
    }
}
