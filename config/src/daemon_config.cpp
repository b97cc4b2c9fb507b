#include "swmrd/config/daemon_config.hpp"

#include "checks.hpp"
#include "endpoint.hpp"

#include "swmrd/config/config_error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace swmrd::config {

using namespace detail;

namespace {

std::string parse_endpoint(const proto::Value& value, const std::string& path) {
    const auto& endpoint =
        expect_string(value, path, "a ZeroMQ endpoint such as tcp://127.0.0.1:5555");
    if (auto problem = endpoint_problem(endpoint))
        fail(path, quoted(endpoint) + " " + *problem, value.mark);
    return endpoint;
}

// Binding one endpoint twice fails at startup; say which entry clashes instead. A wildcard
// port (tcp://host:*) binds a fresh port each time, so it never clashes.
void check_not_control(const std::string& endpoint, const std::string& control,
                       const std::string& path, const proto::Value& value) {
    const bool wildcard_port = endpoint.size() >= 2 && endpoint.ends_with(":*");
    if (endpoint == control && !wildcard_port)
        fail(path,
             quoted(endpoint) +
                 " is also the control endpoint; the two sockets need different endpoints",
             value.mark);
}

std::vector<std::string> parse_publish(const proto::Value& value, const std::string& control) {
    if (value.as_string()) {
        auto endpoint = parse_endpoint(value, "publish");
        check_not_control(endpoint, control, "publish", value);
        return {endpoint};
    }
    const auto& array =
        expect_array(value, "publish", "a list of ZeroMQ endpoints such as [tcp://*:5556]");
    if (array.empty())
        fail("publish", "is empty; give at least one endpoint, e.g. [tcp://127.0.0.1:5556]",
             value.mark);
    std::vector<std::string> endpoints;
    for (std::size_t index = 0; index < array.size(); ++index) {
        const auto path = element_path("publish", index);
        auto endpoint = parse_endpoint(array[index], path);
        check_not_control(endpoint, control, path, array[index]);
        for (std::size_t earlier = 0; earlier < endpoints.size(); ++earlier)
            if (endpoints[earlier] == endpoint)
                fail(path,
                     quoted(endpoint) + " is already publish[" + std::to_string(earlier) +
                         "]; keep one",
                     array[index].mark);
        endpoints.push_back(std::move(endpoint));
    }
    return endpoints;
}

// `none` or null turns the fetch channel off.
std::optional<std::string> parse_fetch(const proto::Value& value, const DaemonConfig& config) {
    if (value.is_nil() || (value.as_string() && *value.as_string() == "none"))
        return std::nullopt;
    auto endpoint = parse_endpoint(value, "fetch");
    check_not_control(endpoint, config.control, "fetch", value);
    const bool wildcard_port = endpoint.ends_with(":*");
    for (std::size_t index = 0; index < config.publish.size(); ++index)
        if (config.publish[index] == endpoint && !wildcard_port)
            fail("fetch",
                 quoted(endpoint) + " is also publish[" + std::to_string(index) +
                     "]; the fetch socket needs an endpoint of its own",
                 value.mark);
    return endpoint;
}

// `none` or null turns the HTTP endpoint off.
std::optional<HttpAddress> parse_http(const proto::Value& value) {
    if (value.is_nil() || (value.as_string() && *value.as_string() == "none"))
        return std::nullopt;
    const auto& text = expect_string(value, "http", "host:port, such as 127.0.0.1:8080");
    HostPort address;
    if (auto problem = host_port_problem(text, address))
        fail("http", quoted(text) + " " + *problem, value.mark);
    return HttpAddress{address.host, address.port};
}

std::vector<std::string> parse_allowed_roots(const proto::Value& value) {
    if (value.is_nil())
        return {};
    const auto& array =
        expect_array(value, "allowed_roots", "a list of absolute directory paths such as [/data]");
    std::vector<std::string> roots;
    for (std::size_t index = 0; index < array.size(); ++index) {
        const auto path = element_path("allowed_roots", index);
        const auto& root = expect_absolute(array[index], path, "an absolute directory path");
        if (has_glob_characters(root))
            fail(path,
                 quoted(root) + " is a pattern; give the directory itself, under which every "
                                "file is allowed",
                 array[index].mark);
        roots.push_back(root);
    }
    return roots;
}

LogConfig parse_log(const proto::Value& value) {
    expect_map(value, "log", "a map such as {level: info}");
    check_keys(value, "log", {"level"}, "log");
    LogConfig log;
    if (const auto* level = value.find("level")) {
        static constexpr const char* levels[] = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
        log.level = levels[expect_choice(
            *level, "log.level", {"trace", "debug", "info", "warn", "error", "critical", "off"})];
    }
    return log;
}

std::vector<WatchSpec> parse_watches(const proto::Value& value) {
    if (value.is_nil())
        return {};
    const auto& array = expect_array(value, "watches", "a list of watch specs");
    std::vector<WatchSpec> watches;
    for (std::size_t index = 0; index < array.size(); ++index) {
        const auto path = element_path("watches", index);
        auto spec = parse_watch_spec(array[index], path);
        for (std::size_t earlier = 0; earlier < watches.size(); ++earlier) {
            if (watches[earlier].name != spec.name)
                continue;
            const auto* first_name = array[earlier].find("name");
            const auto* name = array[index].find("name");
            fail(child_path(path, "name"),
                 quoted(spec.name) + " is also the name of " + element_path("watches", earlier) +
                     (first_name->mark ? " at line " + std::to_string(first_name->mark->line)
                                       : std::string()) +
                     "; each watch needs its own name",
                 name->mark);
        }
        watches.push_back(std::move(spec));
    }
    return watches;
}

DaemonConfig from_value(const proto::Value& root) {
    DaemonConfig config;
    if (root.is_nil()) // an empty file: every default
        return config;
    expect_map(root, "", "a map of settings (control, publish, watches…)");
    check_keys(root, "",
               {"control", "publish", "fetch", "http", "allowed_roots", "delivery", "max_inflight",
                "max_message", "max_wait", "peer_timeout", "max_connections", "history",
                "max_watches", "heartbeat", "log", "watches"},
               "the config");
    if (const auto* control = root.find("control"))
        config.control = parse_endpoint(*control, "control");
    if (const auto* publish = root.find("publish"))
        config.publish = parse_publish(*publish, config.control);
    else if (config.publish.front() == config.control)
        fail("control",
             quoted(config.control) +
                 " is also the default publish endpoint; choose another, or set publish",
             root.find("control")->mark);
    if (const auto* fetch = root.find("fetch"))
        config.fetch = parse_fetch(*fetch, config);
    if (const auto* http = root.find("http"))
        config.http = parse_http(*http);
    if (const auto* roots = root.find("allowed_roots"))
        config.allowed_roots = parse_allowed_roots(*roots);
    if (const auto* delivery = root.find("delivery")) {
        static constexpr Delivery modes[] = {Delivery::lossless, Delivery::drop,
                                             Delivery::independent};
        config.delivery = modes[expect_choice(
            *delivery, "delivery",
            {delivery_name(modes[0]), delivery_name(modes[1]), delivery_name(modes[2])})];
        if (config.delivery == Delivery::independent && !config.fetch)
            fail("delivery",
                 "is independent, which needs a fetch endpoint: a subscriber that falls behind "
                 "gets the frames it lost from there; set fetch (e.g. tcp://127.0.0.1:5557)",
                 delivery->mark);
    }
    if (const auto* peer_timeout = root.find("peer_timeout"))
        config.peer_timeout = expect_duration(*peer_timeout, "peer_timeout");
    if (const auto* max_connections = root.find("max_connections"))
        config.max_connections = expect_count(*max_connections, "max_connections", 1, 1000000);
    if (const auto* history = root.find("history"))
        config.history = expect_count(*history, "history", 1, 100000);
    if (const auto* max_watches = root.find("max_watches"))
        config.max_watches = expect_count(*max_watches, "max_watches", 1, 10000);
    if (const auto* max_inflight = root.find("max_inflight"))
        config.max_inflight = expect_size(*max_inflight, "max_inflight");
    if (const auto* max_message = root.find("max_message")) {
        config.max_message = expect_size(*max_message, "max_message");
        // The shared memory of a reader process is sized from it: a bound, not a hope.
        if (config.max_message > (64ull << 30))
            fail("max_message", "is more than 64GiB, the most one message may be",
                 max_message->mark);
    }
    if (const auto* max_wait = root.find("max_wait"))
        config.max_wait = expect_duration(*max_wait, "max_wait");
    if (const auto* heartbeat = root.find("heartbeat"))
        config.heartbeat = expect_duration(*heartbeat, "heartbeat");
    if (const auto* log = root.find("log"))
        config.log = parse_log(*log);
    if (const auto* watches = root.find("watches")) {
        config.watches = parse_watches(*watches);
        if (config.watches.size() > config.max_watches)
            fail("watches",
                 "lists " + std::to_string(config.watches.size()) +
                     " watches, more than "
                     "max_watches (" +
                     std::to_string(config.max_watches) + ")",
                 watches->mark);
    }
    return config;
}

[[noreturn]] void fail_to_read(const std::string& path, int error) {
    throw ConfigError("cannot read the config file " + path + ": " +
                      std::generic_category().message(error));
}

} // namespace

const char* delivery_name(Delivery delivery) {
    switch (delivery) {
    case Delivery::drop:
        return "drop";
    case Delivery::independent:
        return "independent";
    case Delivery::lossless:
        break;
    }
    return "lossless";
}

DaemonConfig parse_config(const std::string& yaml_text, const std::string& source) {
    const auto root = yaml_to_value(yaml_text, source);
    try {
        return from_value(root);
    } catch (const ConfigError& error) {
        throw ConfigError(source + ": " + error.what());
    }
}

DaemonConfig load_config(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_to_read(path, errno);
    std::string text;
    struct stat status {};
    if (::fstat(fd, &status) != 0 || S_ISDIR(status.st_mode)) {
        const int error = S_ISDIR(status.st_mode) ? EISDIR : errno;
        ::close(fd);
        fail_to_read(path, error);
    }
    char buffer[16384];
    for (;;) {
        const auto count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0) {
            const int error = errno;
            ::close(fd);
            fail_to_read(path, error);
        }
        if (count == 0)
            break;
        text.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(fd);
    return parse_config(text, path);
}

} // namespace swmrd::config
