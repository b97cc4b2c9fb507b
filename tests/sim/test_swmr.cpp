// A reader in another process follows the file in SWMR mode while swmr-sim writes it.

#include "sim_fixture.hpp"

#include <filesystem>
#include <thread>

using swmrd::sim::test::SimFixture;
using swmrd::test::ChildProcess;

TEST_CASE("swmr: h5py follows the file while it is written and sees it grow") {
    SimFixture fx;
    const auto path = fx.file("live.h5");
    const auto ready = fx.file("reader.ready");
    // The reader starts first and says when h5py is loaded, so the writer's whole run is
    // observable; it then reads every frame as its key appears and compares it.
    ChildProcess reader(
        SimFixture::python_argv({"watch", "--ready", ready, "--frames", "40", "--data",
                                 "/entry/data/data", "--keys", "/entry/keys/uid", "--finished",
                                 "/entry/finished", path}),
        fx.dir().path());
    // Hang guard only: the reader fails on its own if something is wrong.
    for (int i = 0; i < 6000 && !std::filesystem::exists(ready); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(std::filesystem::exists(ready));
    const auto writer = fx.sim({"--file", path, "--quiet", "--scan-shape", "40", "--rate", "20",
                                "--frame-shape", "16x16"});
    const auto read = reader.wait(SimFixture::hang_guard);
    INFO("swmr-sim stderr: " << writer.err);
    INFO("reader stdout: " << read.out);
    INFO("reader stderr: " << read.err);
    CHECK(writer.exit_code == 0);
    CHECK(read.exit_code == 0);
    CHECK(read.out == "ok watch frames=40\n"
                      "keys grew while read=yes\n"
                      "data grew while read=yes\n");
}
