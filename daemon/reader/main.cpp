// swmrd-reader: the process that does one watch's (or one fetch's) HDF5 work for swmrd, so
// that a hostile or damaged file can read nothing outside allowed_roots, and a hang or crash
// in HDF5 costs one run, never the daemon (docs/architecture.md, "Reader processes").
//
// Started by the daemon only: descriptor 3 is its socketpair (SOCK_SEQPACKET, requests and
// replies of daemon/src/reader/reader_wire.hpp), descriptor 4 the shared memory frames are
// read into. Arguments:
//   --parent PID --arena-size BYTES --links any|roots|this-file [--landlock] [--root PATH]…

#include "denied_opens.hpp"
#include "request_handler.hpp"

#include "reader/confinement.hpp"
#include "reader/reader_wire.hpp"

#include <swmrd/core/h5_error.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace swmrd::reader;

namespace {

constexpr int socket_fd = 3;
constexpr int arena_fd = 4;

struct Arguments {
    long parent = 0;
    std::size_t arena_size = 0;
    LinkPolicy links = LinkPolicy::this_file;
    bool landlock = false;
    std::vector<std::string> roots;
};

[[noreturn]] void usage(const char* what) {
    std::fprintf(stderr, "swmrd-reader: %s; it is started by swmrd, not by hand\n", what);
    std::exit(2);
}

Arguments parse(int argc, char** argv) {
    Arguments arguments;
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(("option " + option + " needs a value").c_str());
            return argv[++i];
        };
        if (option == "--parent")
            arguments.parent = std::strtol(value().c_str(), nullptr, 10);
        else if (option == "--arena-size")
            arguments.arena_size = std::strtoull(value().c_str(), nullptr, 10);
        else if (option == "--landlock")
            arguments.landlock = true;
        else if (option == "--root")
            arguments.roots.push_back(value());
        else if (option == "--links") {
            const auto links = link_policy_named(value());
            if (!links)
                usage("--links takes any, roots or this-file");
            arguments.links = *links;
        } else
            usage(("unknown option " + option).c_str());
    }
    if (arguments.parent <= 1 || arguments.arena_size == 0)
        usage("--parent and --arena-size are required");
    return arguments;
}

void send_reply(const std::string& reply) {
    if (send(socket_fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0)
        std::_Exit(0); // the daemon is gone
}

// Confines the process as its watch asks; the error, if any, is the answer to every request.
std::string set_up(const Arguments& arguments) {
    try {
        if (!arguments.landlock)
            return {};
        preload_filter_plugins();
        // A config watch is trusted to read anything, but never to write.
        confine_to(arguments.links == LinkPolicy::any ? std::vector<std::string>{"/"}
                                                      : arguments.roots);
        return {};
    } catch (const std::exception& error) {
        return std::string("the reader process cannot be confined: ") + error.what();
    }
}

} // namespace

int main(int argc, char** argv) {
    // Dies with the thread that started it, and never outlives a daemon that was killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const auto arguments = parse(argc, argv);
    if (getppid() != arguments.parent)
        return 0;
    // HDF5's fallback for relative names is the working folder: the root, inside no
    // allowed_roots but "/" itself.
    if (chdir("/") != 0)
        return 1;
    swmrd::core::silence_hdf5_errors_on_this_thread();

    void* mapping =
        mmap(nullptr, arguments.arena_size, PROT_READ | PROT_WRITE, MAP_SHARED, arena_fd, 0);
    if (mapping == MAP_FAILED) {
        std::fprintf(stderr, "swmrd-reader: cannot map the shared memory: %s\n",
                     std::strerror(errno));
        return 1;
    }
    close(arena_fd);
    const auto setup_error = set_up(arguments);
    take_denied_opens(); // plugins that failed to load are not the files' doing

    Writer hello;
    if (setup_error.empty())
        hello.u8(static_cast<std::uint8_t>(Status::ok));
    else
        hello.u8(static_cast<std::uint8_t>(Status::error)).str(setup_error);
    send_reply(hello.bytes());

    RequestHandler handler({static_cast<std::byte*>(mapping), arguments.arena_size},
                           arguments.links, arguments.roots);
    std::string request(max_datagram, '\0');
    for (;;) {
        const auto size = recv(socket_fd, request.data(), request.size(), 0);
        // The daemon closed its end: the run is over. Nothing is left to flush or free, and
        // HDF5's exit handlers would only read files again.
        if (size == 0)
            std::_Exit(0);
        if (size < 0) {
            if (errno == EINTR)
                continue;
            std::_Exit(0);
        }
        if (!setup_error.empty()) {
            Writer refused;
            refused.u8(static_cast<std::uint8_t>(Status::error)).str(setup_error);
            send_reply(refused.bytes());
            continue;
        }
        send_reply(
            handler.handle(std::string_view(request.data(), static_cast<std::size_t>(size))));
    }
}
