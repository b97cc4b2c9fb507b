// The command line: --help, bad options (exit 2, naming the option) and runtime failures
// (exit 1, naming the file).

#include "sim_fixture.hpp"

#include <filesystem>

using swmrd::sim::test::SimFixture;

TEST_CASE("help documents every option and exits 0") {
    SimFixture fx;
    const auto result = fx.sim({"--help"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    for (const char* option : {"--file",        "--scan-shape",
                               "--fixed",       "--frames",
                               "--frame-shape", "--dtype",
                               "--datasets",    "--interleave",
                               "--keys",        "--key-trailing-ones",
                               "--layout",      "--no-finished",
                               "--rate",        "--flush-every",
                               "--compression", "--direct-chunk-filter",
                               "--die-after",   "--key-times",
                               "--quiet",       "--help"}) {
        CAPTURE(option);
        CHECK(result.out.find(option) != std::string::npos);
    }
    CHECK(result.out.find("bitshuffle: Bitshuffle/LZ4 (filter 32008") != std::string::npos);
}

TEST_CASE("bad options exit 2 with a message naming the option") {
    SimFixture fx;
    const auto path = fx.file("never.h5");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases{
        {{"--file", path, "--bogus"}, "--bogus: unknown option"},
        {{"--file", path, "--frames"}, "--frames: 1 required N missing"},
        {{"--file", path, "--frames", "ten"}, "--frames: expected a non-negative integer"},
        {{"--frames", "3"}, "--file: missing"},
        {{"--file", path, "--dtype", "u3"}, "--dtype: unknown type 'u3'"},
        {{"--file", path, "--dtype", "f2"}, "--dtype: unknown type 'f2'"},
        {{"--file", path, "--dtype", "=u2"}, "--dtype: unknown type '=u2'"},
        {{"--file", path, "--scan-shape", "3x0"}, "--scan-shape: expected sizes of at least 1"},
        {{"--file", path, "--frame-shape", "4by4"}, "--frame-shape: expected sizes"},
        {{"--file", path, "--frames", "11"}, "--frames: 11 is more than the 10 points"},
        {{"--file", path, "--layout", "nexus"}, "--layout: unknown layout 'nexus'"},
        {{"--file", path, "--compression", "zstd"}, "--compression: unknown compression 'zstd'"},
        {{"--file", path, "--interleave", "2", "--scan-shape", "2x2"},
         "--interleave: needs a 1-D scan shape"},
        {{"--file", path, "--interleave", "2", "--datasets", "2"},
         "--interleave: cannot be combined with --datasets"},
        {{"--file", path, "--interleave", "11"}, "--interleave: 11 datasets is more than"},
        {{"--file", path, "--compression", "lz4", "--direct-chunk-filter", "32008"},
         "--direct-chunk-filter: cannot be combined with --compression"},
        {{"--file", path, "--compression", "bitshuffle", "--chunk-frames", "2"},
         "--compression: bitshuffle writes one frame per chunk"},
        {{"--file", path, "--direct-chunk-filter", "32008:1,x"},
         "--direct-chunk-filter: expected a non-negative integer"},
        {{"--file", path, "--direct-chunk-filter", "0"},
         "--direct-chunk-filter: filter id must be between 1 and 65535"},
        {{"--file", path, "--die-after", "11"}, "--die-after: 11 is more than the 10 frames"},
        {{"--file", path, "--rate", "-1"}, "--rate: expected a non-negative number"},
        {{"--file", path, "--flush-every", "0"}, "--flush-every: must be at least 1"},
        {{"--file", path, "--datasets", "0"}, "--datasets: must be at least 1"},
        {{"--file", path, "--fixed=yes"}, "fixed was given a disallowed flag override"},
        {{"--file", path, "extra"}, "extra: unexpected argument"},
    };
    for (const auto& c : cases) {
        const auto result = fx.sim(c.args);
        CAPTURE(c.message);
        CAPTURE(result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find(c.message) != std::string::npos);
        CHECK(result.out.empty());
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("options also take the --option=value form") {
    SimFixture fx;
    const auto path = fx.file("equals.h5");
    fx.sim_ok({"--file=" + path, "--quiet", "--scan-shape=2x3", "--frame-shape=scalar"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(2,3) maxshape=(None,3) dtype=<u2 chunks=(1,1)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(2,3) maxshape=(None,3) dtype=<i4 chunks=(2,3)\n");
}

TEST_CASE("summary line on stdout unless quiet") {
    SimFixture fx;
    const auto path = fx.file("summary.h5");
    const auto loud = fx.sim_ok({"--file", path, "--scan-shape", "2"});
    CHECK(loud.out.starts_with("swmr-sim: wrote 2 frames of <u2 to " + path));
    const auto quiet = fx.sim_ok({"--file", path, "--scan-shape", "2", "--quiet"});
    CHECK(quiet.out.empty());
}

TEST_CASE("an uncreatable file exits 1 naming the path") {
    SimFixture fx;
    const auto path = fx.file("missing/dir/x.h5");
    const auto result = fx.sim({"--file", path});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find(path) != std::string::npos);
    CHECK(result.err.find("creating the file") != std::string::npos);
}

TEST_CASE("a missing filter plugin exits 1 naming the filter") {
    SimFixture fx;
    const auto empty = fx.file("no-plugins");
    std::filesystem::create_directory(empty);
    const auto path = fx.file("lz4.h5");
    const auto result =
        fx.sim({"--file", path, "--compression", "lz4"}, {"HDF5_PLUGIN_PATH=" + empty});
    CAPTURE(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("--compression lz4 needs HDF5 filter 32004") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a key-times file that cannot be opened exits 1") {
    SimFixture fx;
    const auto result =
        fx.sim({"--file", fx.file("kt.h5"), "--key-times", fx.file("missing/dir/times.txt")});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("--key-times") != std::string::npos);
}
