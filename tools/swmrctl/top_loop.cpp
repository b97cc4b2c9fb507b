#include "swmrctl/top_loop.hpp"

#include "swmrctl/client.hpp"
#include "swmrctl/top.hpp"

#include <swmrd/proto/decode_error.hpp>
#include <swmrd/proto/msgpack_value.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <thread>

namespace swmrd::ctl {

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t quit_requested = 0;

extern "C" void request_quit(int) {
    quit_requested = 1;
}

// Without SA_RESTART, so that a wait in progress ends at once.
void catch_quit_signals() {
    struct sigaction action {};
    action.sa_handler = request_quit;
    sigemptyset(&action.sa_mask);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        sigaction(signal_number, &action, nullptr);
}

void write_out(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

// A terminal's screen redrawn in place, the cursor hidden meanwhile. The destructor shows the
// cursor again whatever ends the loop (the count, a signal, an exception).
class TerminalScreen {
public:
    TerminalScreen() { write_out("\x1b[?25l\x1b[2J"); } // hide the cursor, clear
    ~TerminalScreen() { write_out("\x1b[?25h"); }
    TerminalScreen(const TerminalScreen&) = delete;
    TerminalScreen& operator=(const TerminalScreen&) = delete;

    // From the top left, each line clipped to the width and cleared to its end, then the
    // rest of the screen cleared: no flicker, no leftovers of a longer earlier refresh.
    // Lines past the height are left out: a scroll would break the next redraw.
    void draw(const std::string& text) const {
        winsize size{};
        const bool known = ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0;
        const std::size_t width = known ? size.ws_col : 10000;
        const std::size_t height = known && size.ws_row > 1 ? size.ws_row - 1u : 10000;
        std::string out = "\x1b[H";
        std::size_t start = 0;
        for (std::size_t line = 0; line < height && start < text.size(); ++line) {
            auto end = text.find('\n', start);
            if (end == std::string::npos)
                end = text.size();
            out += text.substr(start, std::min(end - start, width)) + "\x1b[K\n";
            start = end + 1;
        }
        write_out(out + "\x1b[J");
    }
};

std::string clock_text() {
    const auto now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

// One refresh: the `list` reply made into rows, or what went wrong instead.
top::Screen refresh(const std::string& endpoint, config::Seconds reply_timeout,
                    top::RateTracker& tracker) {
    top::Screen screen;
    screen.endpoint = endpoint;
    screen.clock = clock_text();
    const auto reply = request_reply(endpoint, proto::encode_request(proto::ListRequest{}),
                                     reply_timeout, &quit_requested);
    const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    if (!reply) {
        screen.problem =
            "daemon not answering (no reply within " + config::format_duration(reply_timeout) + ")";
        return screen;
    }
    try {
        const auto decoded = proto::decode_reply(reply->data(), reply->size(), "list");
        if (const auto* error = std::get_if<proto::ErrorReply>(&decoded)) {
            screen.problem = "the daemon refused list: " + error->code + ": " + error->message;
        } else {
            const auto raw = proto::decode_value(reply->data(), reply->size());
            screen.rows =
                tracker.refresh(top::samples_of(std::get<proto::ListReply>(decoded), raw), now);
        }
    } catch (const proto::DecodeError& error) {
        screen.problem = std::string("the reply to list is not protocol v1: ") + error.what();
    }
    return screen;
}

// Until `deadline`, or sooner on a signal.
void sleep_until(Clock::time_point deadline) {
    while (quit_requested == 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(
            std::min<Clock::duration>(deadline - Clock::now(), std::chrono::milliseconds(50)));
}

} // namespace

int run_top(const std::string& endpoint, config::Seconds reply_timeout,
            const TopSettings& settings) {
    catch_quit_signals();
    std::optional<TerminalScreen> terminal;
    if (isatty(STDOUT_FILENO) != 0)
        terminal.emplace();
    top::RateTracker tracker;
    const auto interval = std::chrono::duration_cast<Clock::duration>(settings.interval);
    for (std::uint64_t done = 0; quit_requested == 0; ++done) {
        if (settings.count && done == *settings.count)
            break;
        const auto started = Clock::now();
        auto screen = refresh(endpoint, reply_timeout, tracker);
        if (quit_requested != 0)
            break; // a refresh cut short says nothing
        screen.interval = settings.interval;
        const auto text = top::render(screen);
        if (terminal)
            terminal->draw(text);
        else
            write_out((done == 0 ? "" : "\n") + text);
        if (!settings.count || done + 1 < *settings.count)
            sleep_until(started + interval);
    }
    return exit_ok;
}

} // namespace swmrd::ctl
