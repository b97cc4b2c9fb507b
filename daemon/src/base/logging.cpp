#include "base/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace swmrd::daemon {

namespace {

// "<N>" with N the syslog priority of the record's level; journald strips and records it.
class SyslogPriority : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        static constexpr const char* priorities[] = {"<7>", "<7>", "<6>", "<4>",
                                                     "<3>", "<2>", "<6>"};
        const char* prefix = priorities[static_cast<int>(msg.level)];
        dest.append(prefix, prefix + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriority>();
    }
};

} // namespace

void setup_logging(const std::string& level) {
    auto logger = std::make_shared<spdlog::logger>(
        "swmrd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (std::getenv("JOURNAL_STREAM")) {
        formatter->add_flag<SyslogPriority>('*').set_pattern("%*%v");
    } else {
        formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    set_log_level(level);
}

void set_log_level(const std::string& level) {
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off")
        throw std::invalid_argument("unknown log level \"" + level +
                                    "\" (use trace, debug, info, warn, error, critical or off)");
    spdlog::set_level(parsed);
}

} // namespace swmrd::daemon
