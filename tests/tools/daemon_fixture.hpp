#pragma once
// A real swmrd for the end-to-end tests: wildcard ports read back from --endpoints-file, in a
// temporary folder that is also its only allowed root.

#include "process.hpp"
#include "temp_dir.hpp"

#include <memory>
#include <string>
#include <vector>

namespace swmrd::tools::test {

class DaemonFixture {
public:
    DaemonFixture();

    const std::filesystem::path& dir() const { return dir_.path(); }
    const std::string& control() const { return control_; }
    const std::string& publish() const { return publish_; }
    std::string log() const { return daemon_ ? daemon_->err() + daemon_->out() : std::string(); }

    // swmrctl -c <control> args...
    swmrd::test::ProcessResult swmrctl(const std::vector<std::string>& args) const;

    // Stops the daemon with SIGTERM; its exit status (0 for a clean shutdown).
    int stop();

private:
    swmrd::test::TempDir dir_;
    std::unique_ptr<swmrd::test::ChildProcess> daemon_;
    std::string control_;
    std::string publish_;
};

} // namespace swmrd::tools::test
