#include "reader/reader_process.hpp"

#include "reader/confinement.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace swmrd::reader {

namespace {

using Clock = std::chrono::steady_clock;

// Where swmrd-reader is: SWMRD_READER when set, else beside the running executable (the build
// tree), else in the libexec folder of the prefix the daemon is installed under
// (/usr/sbin/swmrd: /usr/libexec/swmrd/swmrd-reader).
std::string reader_executable() {
    if (const char* explicit_path = std::getenv("SWMRD_READER"))
        return explicit_path;
    char self[4096];
    const auto length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
        return "swmrd-reader";
    const std::string path(self, static_cast<std::size_t>(length));
    const auto folder = path.substr(0, path.rfind('/') + 1);
    const auto beside = folder + "swmrd-reader";
    if (access(beside.c_str(), X_OK) == 0)
        return beside;
    return folder + SWMRD_READER_FROM_SBIN;
}

// Readers killed while stuck in the kernel (a hung filesystem) are reaped once they can be.
std::mutex unreaped_mutex;
std::vector<pid_t> unreaped;

void reap_what_can_be_reaped() {
    std::lock_guard lock(unreaped_mutex);
    std::erase_if(unreaped, [](pid_t pid) { return waitpid(pid, nullptr, WNOHANG) != 0; });
}

// A descriptor copied above the ones the child's layout names, so that dup2 onto 3 and 4
// cannot overwrite the other one.
int high_copy(int fd) {
    return fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) {
        const int signal = WTERMSIG(status);
        const char* name = strsignal(signal);
        return "was killed by signal " + std::to_string(signal) +
               (name != nullptr ? std::string(" (") + name + ")" : std::string());
    }
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "ended";
}

} // namespace

ReaderSettings confined_settings(const std::optional<std::vector<std::string>>& allowed_roots,
                                 std::size_t arena_size, std::chrono::milliseconds answer_within) {
    ReaderSettings settings;
    settings.landlock = landlock_abi() > 0;
    if (allowed_roots) {
        settings.links = settings.landlock ? LinkPolicy::roots : LinkPolicy::this_file;
        settings.roots = *allowed_roots;
    }
    settings.arena_size = arena_size;
    settings.answer_within = answer_within;
    return settings;
}

ReaderProcess::ReaderProcess(ReaderSettings settings)
    : settings_(std::move(settings)), arena_(SharedArena::create(settings_.arena_size)) {
    reap_what_can_be_reaped();
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        throw ReaderError(std::string("cannot create a socketpair for a reader process: ") +
                          std::strerror(errno));
    socket_.reset(pair[0]);
    daemon::UniqueFd child_end(pair[1]);
    // The child's copies, above 2 so that dup2 onto 3 and 4 cannot clobber one with the other.
    const daemon::UniqueFd child_socket(high_copy(child_end.get()));
    const daemon::UniqueFd child_arena(high_copy(arena_->fd()));
    child_end.reset();

    std::vector<std::string> arguments = {reader_executable(),
                                          "--parent",
                                          std::to_string(getpid()),
                                          "--arena-size",
                                          std::to_string(arena_->size()),
                                          "--links",
                                          to_string(settings_.links)};
    if (settings_.landlock)
        arguments.emplace_back("--landlock");
    for (const auto& root : settings_.roots) {
        arguments.emplace_back("--root");
        arguments.push_back(root);
    }
    std::vector<char*> argv;
    for (auto& argument : arguments)
        argv.push_back(argument.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_socket.get(), 3);
    posix_spawn_file_actions_adddup2(&actions, child_arena.get(), 4);
    posix_spawn_file_actions_addclosefrom_np(&actions, 5);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // The daemon blocks its signals for its event loop: the reader starts with none blocked
    // and none ignored, in a process group of its own, so a terminal's Ctrl-C reaches the
    // daemon, which ends its runs itself, and not the readers under them.
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                              POSIX_SPAWN_SETPGROUP);
    const int failed = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    arena_->close_fd(); // the child has its own copy (ours are closed as the constructor ends)
    if (failed != 0) {
        throw ReaderError("cannot start the reader process " + arguments.front() + ": " +
                          std::strerror(failed));
    }
}

ReaderProcess::~ReaderProcess() {
    socket_.reset();
    if (pid_ <= 0)
        return;
    // It holds nothing worth a goodbye: frames it read live in the arena, which outlives it.
    kill(pid_, SIGKILL);
    for (int i = 0; i < 20; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) != 0)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::lock_guard lock(unreaped_mutex);
    unreaped.push_back(pid_);
}

// What became of the process, once its socket closed or it was killed: waits briefly for the
// kernel to finish its exit.
std::string ReaderProcess::fate() {
    for (int i = 0; i < 200; ++i) {
        int status = 0;
        const auto reaped = waitpid(pid_, &status, WNOHANG);
        if (reaped == pid_) {
            pid_ = -1;
            return describe_status(status);
        }
        if (reaped < 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return "stopped answering";
}

void ReaderProcess::fail(const std::string& why) {
    if (pid_ > 0)
        kill(pid_, SIGKILL);
    dead_ = why;
    throw ReaderError(why);
}

std::string ReaderProcess::receive(Clock::time_point deadline) {
    for (;;) {
        pollfd waits[2] = {{socket_.get(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const int ready = ::poll(waits, wake_fd_ >= 0 ? 2 : 1,
                                 static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready > 0 && (waits[1].revents & POLLIN) != 0 && wake_fd_ >= 0)
            fail("the reader process was stopped with its watch");
        if (ready == 0) {
            kill(pid_, SIGKILL);
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%g",
                          static_cast<double>(settings_.answer_within.count()) / 1000.0);
            fail(std::string("the reader process did not answer within ") + seconds +
                 " s (HDF5 stuck on a damaged file, or a filesystem that stopped answering) and "
                 "was killed");
        }
        if ((waits[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
            continue;
        // The datagram's length first, so that a small reply costs a small buffer.
        char probe;
        const auto length = recv(socket_.get(), &probe, 1, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
        if (length < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (length <= 0)
            fail("the reader process " + fate());
        if (static_cast<std::size_t>(length) > max_datagram)
            fail("the reader process answered nonsense (a reply of " + std::to_string(length) +
                 " bytes)");
        std::string reply(static_cast<std::size_t>(length), '\0');
        const auto size = recv(socket_.get(), reply.data(), reply.size(), MSG_DONTWAIT);
        if (size != length)
            fail("the reader process " + fate());
        return reply;
    }
}

std::string ReaderProcess::call(const Writer& request) {
    if (dead_)
        throw ReaderError(*dead_);
    const auto deadline = Clock::now() + settings_.answer_within;
    if (!greeted_) {
        const auto hello = receive(deadline);
        greeted_ = true;
        Reader in(hello);
        if (static_cast<Status>(in.u8()) != Status::ok)
            fail(in.str());
    }
    const auto& bytes = request.bytes();
    if (send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0)
        fail("the reader process " + fate());
    auto reply = receive(deadline);
    try {
        Reader in(reply);
        const auto status = static_cast<Status>(in.u8());
        if (status == Status::error)
            throw ReaderError(in.str());
        if (status != Status::ok)
            throw WireError("a reply of unknown status");
    } catch (const WireError& error) {
        fail(std::string("the reader process answered nonsense (") + error.what() + ")");
    }
    return reply.substr(1);
}

std::optional<std::string> ReaderProcess::try_open(const std::string& path, std::string* why,
                                                   bool apart) {
    Writer request;
    request.u8(static_cast<std::uint8_t>(Op::try_open)).str(path).boolean(apart);
    const auto reply = call(request);
    try {
        Reader in(reply);
        const bool transient = in.boolean();
        auto text = in.str();
        if (transient) {
            if (why != nullptr)
                *why = std::move(text);
            return std::nullopt;
        }
        return text;
    } catch (const WireError& error) {
        fail(std::string("the reader process answered nonsense (") + error.what() + ")");
    }
}

} // namespace swmrd::reader
