// The YAML config, as `swmrd --check-config` and a reload read it: any text is a valid
// config or a ConfigError naming what is wrong (yaml-cpp's own exceptions must not escape).
#include <swmrd/config/config_error.hpp>
#include <swmrd/config/daemon_config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        (void)swmrd::config::parse_config(text, "fuzz.yaml");
    } catch (const swmrd::config::ConfigError&) {
    }
    return 0;
}
