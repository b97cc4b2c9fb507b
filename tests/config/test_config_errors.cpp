// One case per class of config error, each asserting on the whole message: what the user
// sees when swmrd refuses to start.

#include "helpers.hpp"
#include "temp_dir.hpp"

#include "swmrd/config/daemon_config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

using namespace swmrd::config;
using swmrd::config::test::config_error;

namespace {

std::string error_in(const std::string& yaml) {
    return config_error([&] { parse_config(yaml, "c.yaml"); });
}

// A config whose second watch gets `line` added as its last key (at line 12).
std::string with_watch_line(const std::string& line) {
    return "control: tcp://127.0.0.1:5555\n" // 1
           "watches:\n"                      // 2
           "  - name: det1\n"                // 3
           "    file: /data/a.h5\n"          // 4
           "    keys: [/entry/uid]\n"        // 5
           "    datasets: [/entry/data]\n"   // 6
           "  - name: det2\n"                // 7
           "    file: /data/b-*.h5\n"        // 8
           "    keys: [/entry/uid]\n"        // 9
           "    datasets: [/entry/data]\n"   // 10
           "    finished: /entry/finished\n" // 11
           "    " +
           line + "\n"; // 12
}

} // namespace

TEST_CASE("YAML syntax error") {
    CHECK(error_in("control: tcp://127.0.0.1:5555\n"
                   "publish: [tcp://*:5556\n"
                   "heartbeat: 1s\n") ==
          "c.yaml: invalid YAML: end of sequence flow not found (line 3, column 10)");
}

TEST_CASE("YAML that would make yaml-cpp go round in circles is refused before it runs away") {
    CHECK(error_in(",") == "c.yaml: invalid YAML: line 1, column 1: the YAML parser goes round "
                           "in circles here (a stray ','?)");
    CHECK(error_in("# swmrd\n\n  , heartbeat: 1s\n")
              .find("invalid YAML: line 3, column 3: "
                    "the YAML parser goes round") != std::string::npos);
    CHECK(error_in("heartbeat: 1s\n---\n,a\n").find("invalid YAML: line 3, column 1") !=
          std::string::npos);
    // A complete node, a comment, then the stray comma.
    CHECK(error_in("x\n# c\n,a: [b]}\n").find("the YAML parser goes round in circles") !=
          std::string::npos);
    // Commas anywhere else are YAML's business, as before.
    CHECK_NOTHROW(parse_config("publish: [tcp://127.0.0.1:5556, tcp://127.0.0.1:5557]\n"
                               "allowed_roots: [/data]\n",
                               "c.yaml"));
    CHECK(error_in("a: b\n,c: d\n").find("goes round") == std::string::npos);
}

TEST_CASE("unknown top-level key") {
    CHECK(error_in("control: tcp://127.0.0.1:5555\n"
                   "verbosity: 3\n") ==
          "c.yaml: verbosity: unknown key; the config takes control, publish, fetch, "
          "http, allowed_roots, delivery, max_inflight, max_message, max_wait, peer_timeout, "
          "max_connections, history, max_watches, heartbeat, log and watches (line 2, column 1)");
    CHECK(
        error_in("heartbeat: 1s\n"
                 "  \n"
                 "hearbeat: 2s\n") ==
        "c.yaml: hearbeat: unknown key (did you mean heartbeat?); the config takes control, "
        "publish, fetch, http, allowed_roots, delivery, max_inflight, max_message, max_wait, "
        "peer_timeout, max_connections, history, max_watches, heartbeat, log and watches (line 3, "
        "column 1)");
}

TEST_CASE("the http endpoint: host:port, checked before anything binds") {
    CHECK(parse_config("http: 127.0.0.1:8080\n", "c.yaml").http ==
          swmrd::config::HttpAddress{"127.0.0.1", 8080});
    CHECK(parse_config("http: '[::1]:0'\n", "c.yaml").http == swmrd::config::HttpAddress{"::1", 0});
    CHECK_FALSE(parse_config("http: none\n", "c.yaml").http);
    CHECK_FALSE(parse_config("control: tcp://127.0.0.1:5555\n", "c.yaml").http);
    CHECK(error_in("http: http://127.0.0.1:8080\n") ==
          "c.yaml: http: \"http://127.0.0.1:8080\" is a URL; write only host:port, e.g. "
          "127.0.0.1:8080 (line 1, column 7)");
    CHECK(error_in("http: 127.0.0.1\n") ==
          "c.yaml: http: \"127.0.0.1\" has no port: write 127.0.0.1:8080 (line 1, column 7)");
    CHECK(error_in("http: 127.0.0.1:80800\n").find("not a number from 0 to 65535") !=
          std::string::npos);
    CHECK(error_in("http: ':8080'\n").find("has no host") != std::string::npos);
    CHECK(error_in("http: 8080\n").find("http: ") != std::string::npos);
}

TEST_CASE("unknown key under log") {
    CHECK(error_in("log: {level: info, file: /var/log/swmrd.log}\n") ==
          "c.yaml: log.file: unknown key; log takes level (line 1, column 20)");
}

TEST_CASE("unknown watch key") {
    CHECK(error_in(with_watch_line("timout: 5s")) ==
          "c.yaml: watches[1].timout: unknown key (did you mean timeout?); a watch takes name, "
          "file, keys, datasets, interleaved, finished, timeout, encoding and from "
          "(line 12, column 5)");
}

TEST_CASE("wrong type") {
    CHECK(error_in("control: 5555\n") == "c.yaml: control: expected a ZeroMQ endpoint such as "
                                         "tcp://127.0.0.1:5555, got the number 5555 "
                                         "(line 1, column 10)");
    CHECK(error_in("watches: {name: det1}\n") ==
          "c.yaml: watches: expected a list of watch specs, got a map (line 1, column 10)");
    CHECK(error_in("log: debug\n") ==
          "c.yaml: log: expected a map such as {level: info}, got the string \"debug\" "
          "(line 1, column 6)");
    CHECK(error_in("- control\n") == "c.yaml: top level: expected a map of settings (control, "
                                     "publish, watches…), got a list (line 1, column 1)");
    CHECK(error_in(with_watch_line("encoding: [raw]")) ==
          "c.yaml: watches[1].encoding: expected raw or chunk, got a list (line 12, column 15)");
}

TEST_CASE("a list given as a single string") {
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    file: /data/a.h5\n"
                   "    keys: /entry/uid\n"
                   "    datasets: [/entry/data]\n") ==
          "c.yaml: watches[0].keys: expected a list of HDF5 dataset paths, got the string "
          "\"/entry/uid\"; write a list even for one entry: [/entry/uid] (line 4, column 11)");
}

TEST_CASE("bad duration") {
    CHECK(error_in(with_watch_line("timeout: 10 parsecs")) ==
          "c.yaml: watches[1].timeout: \"10 parsecs\" is not a duration (use seconds, or a "
          "unit: 500ms, 10s, 2min) (line 12, column 14)");
    CHECK(error_in("heartbeat: 0\n") ==
          "c.yaml: heartbeat: must be more than 0 seconds, got the number 0 (line 1, column 12)");
    CHECK(error_in("heartbeat: -1.5\n") == "c.yaml: heartbeat: must be more than 0 seconds, got "
                                           "the number -1.5 (line 1, column 12)");
    CHECK(error_in("heartbeat: true\n") ==
          "c.yaml: heartbeat: expected a duration (seconds, or a string with a unit: 500ms, 10s, "
          "2min), got the boolean true (line 1, column 12)");
}

TEST_CASE("bad size") {
    CHECK(error_in("max_inflight: 512 megabytes\n") ==
          "c.yaml: max_inflight: \"512 megabytes\" is not a size (use a whole number of bytes, or "
          "a unit: 64KiB, 512MiB, 1GiB, 10MB) (line 1, column 15)");
    CHECK(error_in("max_inflight: 0\n") ==
          "c.yaml: max_inflight: must be more than 0 bytes (line 1, column 15)");
    CHECK(error_in("max_inflight: -5\n") ==
          "c.yaml: max_inflight: expected a size (bytes, or a string with a unit: 64KiB, 512MiB, "
          "1GiB), got the number -5 (line 1, column 15)");
    CHECK(error_in("max_message: 0\n") ==
          "c.yaml: max_message: must be more than 0 bytes (line 1, column 14)");
    CHECK(error_in("max_message: 65GiB\n") ==
          "c.yaml: max_message: is more than 64GiB, the most one message may be (line 1, "
          "column 14)");
    CHECK(error_in("max_wait: soon\n").find("c.yaml: max_wait: ") == 0);
    CHECK(error_in("max_inflight: 1.5\n") ==
          "c.yaml: max_inflight: expected a size (bytes, or a string with a unit: 64KiB, 512MiB, "
          "1GiB), got the number 1.5 (line 1, column 15)");
}

TEST_CASE("bad enumeration value") {
    CHECK(error_in("delivery: fast\n") ==
          "c.yaml: delivery: \"fast\" is not one of the choices: use lossless, drop or "
          "independent "
          "(line 1, column 11)");
    CHECK(error_in("log:\n  level: verbose\n") ==
          "c.yaml: log.level: \"verbose\" is not one of the choices: use trace, debug, info, "
          "warn, error, critical or off (line 2, column 10)");
    CHECK(error_in(with_watch_line("encoding: zip")) ==
          "c.yaml: watches[1].encoding: \"zip\" is not one of the choices: use raw or chunk "
          "(line 12, column 15)");
    CHECK(error_in(with_watch_line("from: end")) ==
          "c.yaml: watches[1].from: \"end\" is not one of the choices: use start or latest "
          "(line 12, column 11)");
}

TEST_CASE("bad watch name") {
    CHECK(error_in("watches:\n  - name: det 1\n") ==
          "c.yaml: watches[0].name: \"det 1\" is not a valid watch name: use 1 to 64 letters, "
          "digits, _, . or -, beginning with a letter or digit (line 2, column 11)");
    const std::string long_name(65, 'a');
    CHECK(error_in("watches:\n  - name: " + long_name + "\n")
              .starts_with("c.yaml: watches[0].name: \"" + long_name +
                           "\" is not a valid watch name"));
    CHECK(error_in("watches:\n  - name: .hidden\n")
              .starts_with("c.yaml: watches[0].name: \".hidden\" is not a valid watch name"));
    CHECK(error_in("watches:\n  - name: det/1\n")
              .starts_with("c.yaml: watches[0].name: \"det/1\" is not a valid watch name"));
}

TEST_CASE("reserved watch name") {
    CHECK(error_in("watches:\n  - name: _daemon\n") ==
          "c.yaml: watches[0].name: \"_daemon\" begins with _, which is reserved for the "
          "daemon's own topics (_daemon); begin it with a letter or digit (line 2, column 11)");
}

TEST_CASE("relative file") {
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    file: data/scan.h5\n") ==
          "c.yaml: watches[0].file: \"data/scan.h5\" is not an absolute path or glob pattern "
          "(start it with /) (line 3, column 11)");
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    file: /data/x.h5\n"
                   "    keys: [entry/uid]\n") ==
          "c.yaml: watches[0].keys[0]: \"entry/uid\" is not an absolute HDF5 path (start it "
          "with /) (line 4, column 12)");
}

TEST_CASE("missing required key") {
    CHECK(error_in("watches:\n"
                   "  - file: /data/x.h5\n") ==
          "c.yaml: watches[0].name: missing; every watch needs it: its name, e.g. det1 "
          "(line 2, column 5)");
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    keys: [/k]\n") ==
          "c.yaml: watches[0].file: missing; every watch needs it: the HDF5 file's absolute "
          "path or glob pattern (line 2, column 5)");
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    file: /data/x.h5\n") ==
          "c.yaml: watches[0].keys: missing; every watch needs it: the key datasets, e.g. "
          "[/entry/keys/uid] (line 2, column 5)");
}

TEST_CASE("neither datasets nor interleaved") {
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    file: /data/x.h5\n"
                   "    keys: [/k]\n") ==
          "c.yaml: watches[0].datasets: missing and there is no interleaved: list the datasets "
          "whose frames are sent, e.g. datasets: [/entry/data/data] (line 2, column 5)");
    CHECK(error_in("watches:\n"
                   "  - name: det1\n"
                   "    file: /data/x.h5\n"
                   "    keys: [/k]\n"
                   "    datasets: []\n") ==
          "c.yaml: watches[0].datasets: is empty and there is no interleaved: list the datasets "
          "whose frames are sent, e.g. datasets: [/entry/data/data] (line 5, column 15)");
}

TEST_CASE("duplicate watch names") {
    CHECK(error_in(R"(watches:
  - {name: det1, file: /a.h5, keys: [/k], datasets: [/d]}
  - {name: det2, file: /b.h5, keys: [/k], datasets: [/d]}
  - {name: det1, file: /c.h5, keys: [/k], datasets: [/d]}
)") == "c.yaml: watches[2].name: \"det1\" is also the name of watches[0] at line 2; each "
       "watch needs its own name (line 4, column 12)");
}

TEST_CASE("bad endpoint") {
    CHECK(error_in("control: localhost:5555\n") ==
          "c.yaml: control: \"localhost:5555\" is not a ZeroMQ endpoint: write tcp://host:port, "
          "ipc:///path or inproc://name (line 1, column 10)");
    CHECK(error_in("control: tcp://127.0.0.1\n") ==
          "c.yaml: control: \"tcp://127.0.0.1\" has no port: write tcp://127.0.0.1:5555 "
          "(line 1, column 10)");
    CHECK(error_in("publish: [tcp://*:5556, tcp://*:99999]\n") ==
          "c.yaml: publish[1]: \"tcp://*:99999\" has port \"99999\", which is not a number from "
          "1 to 65535 (or * for any free port) (line 1, column 25)");
    CHECK(error_in("publish: tcp://:5556\n") ==
          "c.yaml: publish: \"tcp://:5556\" has no host: write tcp://127.0.0.1:PORT for this "
          "machine only, or tcp://*:PORT for every interface (line 1, column 10)");
    CHECK(error_in("publish: [udp://127.0.0.1:5556]\n") ==
          "c.yaml: publish[0]: \"udp://127.0.0.1:5556\" uses the transport \"udp\", which swmrd "
          "does not bind: write tcp://host:port, ipc:///path or inproc://name "
          "(line 1, column 11)");
    CHECK(error_in("publish: [\"ipc://\"]\n") ==
          "c.yaml: publish[0]: \"ipc://\" has no path: write ipc:///run/swmrd/data.sock "
          "(line 1, column 11)");
    CHECK(error_in("publish: [ipc:///" + std::string(120, 'x') + "]\n")
              .find("bytes; a Unix socket path holds at most 107") != std::string::npos);
    CHECK(error_in("publish: []\n") ==
          "c.yaml: publish: is empty; give at least one endpoint, e.g. [tcp://127.0.0.1:5556] "
          "(line 1, column 10)");
    CHECK(error_in("publish: [tcp://*:5556, tcp://*:5556]\n") ==
          "c.yaml: publish[1]: \"tcp://*:5556\" is already publish[0]; keep one "
          "(line 1, column 25)");
    CHECK(error_in("control: tcp://127.0.0.1:5555\n"
                   "publish: [tcp://127.0.0.1:5555]\n") ==
          "c.yaml: publish[0]: \"tcp://127.0.0.1:5555\" is also the control endpoint; the two "
          "sockets need different endpoints (line 2, column 11)");
    CHECK(error_in("control: tcp://127.0.0.1:5556\n") ==
          "c.yaml: control: \"tcp://127.0.0.1:5556\" is also the default publish endpoint; "
          "choose another, or set publish (line 1, column 10)");
}

TEST_CASE("bad allowed_roots") {
    CHECK(error_in("allowed_roots: [data]\n") ==
          "c.yaml: allowed_roots[0]: \"data\" is not an absolute directory path (start it with /) "
          "(line 1, column 17)");
    CHECK(error_in("allowed_roots: /data\n") ==
          "c.yaml: allowed_roots: expected a list of absolute directory paths such as [/data], "
          "got the string \"/data\"; write a list even for one entry: [/data] "
          "(line 1, column 16)");
    CHECK(error_in("allowed_roots: [/data/*]\n") ==
          "c.yaml: allowed_roots[0]: \"/data/*\" is a pattern; give the directory itself, under "
          "which every file is allowed (line 1, column 17)");
}

TEST_CASE("unreadable config file") {
    const swmrd::config::test::TempDir dir;
    const auto missing = (dir.path() / "missing.yaml").string();
    CHECK(config_error([&] { load_config(missing); }) ==
          "cannot read the config file " + missing + ": No such file or directory");
    CHECK(config_error([&] { load_config(dir.path().string()); }) ==
          "cannot read the config file " + dir.path().string() + ": Is a directory");
    if (::geteuid() != 0) { // root reads any file whatever its mode
        const auto locked = dir.path() / "locked.yaml";
        std::ofstream(locked) << "heartbeat: 1s\n";
        ::chmod(locked.c_str(), 0);
        CHECK(config_error([&] { load_config(locked.string()); }) ==
              "cannot read the config file " + locked.string() + ": Permission denied");
    }
}

TEST_CASE("an error in a loaded file names the file") {
    const swmrd::config::test::TempDir dir;
    const auto path = dir.path() / "swmrd.yaml";
    std::ofstream(path) << "heartbeat: soon\n";
    CHECK(config_error([&] { load_config(path.string()); }) ==
          path.string() + ": heartbeat: \"soon\" is not a duration (use seconds, or a unit: "
                          "500ms, 10s, 2min) (line 1, column 12)");
}

TEST_CASE("a duplicate top-level key") {
    CHECK(error_in("heartbeat: 1s\nheartbeat: 2s\n") ==
          "c.yaml: heartbeat: given twice (first at line 1); keep one (line 2, column 1)");
}
