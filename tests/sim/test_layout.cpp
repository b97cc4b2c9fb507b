// Paths, shapes, max shapes, chunks and the finished flag of each layout and scan kind,
// as an independent reader (h5py) sees them.

#include "sim_fixture.hpp"

using swmrd::sim::test::SimFixture;

TEST_CASE("layout generic: growing 1-D scan paths and shapes") {
    SimFixture fx;
    const auto path = fx.file("generic.h5");
    fx.sim_ok({"--file", path, "--quiet"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(10,4,4) maxshape=(None,4,4) dtype=<u2 chunks=(1,4,4)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(10) maxshape=(None) dtype=<i4 chunks=(10)\n");
    CHECK(fx.check({"frames", "--frames", "10", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=10\n"
                                                 "ok data /entry/data/data frames=10\n");
}

TEST_CASE("layout areadetector: numbered data and key datasets") {
    SimFixture fx;
    const auto path = fx.file("ad.h5");
    fx.sim_ok({"--file", path, "--quiet", "--layout", "areadetector", "--datasets", "2", "--keys",
               "2", "--scan-shape", "5", "--frame-shape", "3x2"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/instrument/NDAttributes/NDArrayUniqueId shape=(5) maxshape=(None) dtype=<i4 "
          "chunks=(5)\n"
          "/entry/instrument/NDAttributes/NDArrayUniqueId_1 shape=(5) maxshape=(None) "
          "dtype=<i4 chunks=(5)\n"
          "/entry/instrument/detector/data shape=(5,3,2) maxshape=(None,3,2) dtype=<u2 "
          "chunks=(1,3,2)\n"
          "/entry/instrument/detector/data_1 shape=(5,3,2) maxshape=(None,3,2) dtype=<u2 "
          "chunks=(1,3,2)\n");
    CHECK(fx.check({"frames", "--frames", "5", "--data",
                    "/entry/instrument/detector/data,/entry/instrument/detector/data_1", "--keys",
                    "/entry/instrument/NDAttributes/NDArrayUniqueId,"
                    "/entry/instrument/NDAttributes/NDArrayUniqueId_1",
                    path}) == "ok keys /entry/instrument/NDAttributes/NDArrayUniqueId set=5\n"
                              "ok keys /entry/instrument/NDAttributes/NDArrayUniqueId_1 set=5\n"
                              "ok data /entry/instrument/detector/data frames=5\n"
                              "ok data /entry/instrument/detector/data_1 frames=5\n");
}

TEST_CASE("layout gda: keys and finished under diamond_scan") {
    SimFixture fx;
    const auto path = fx.file("gda.h5");
    fx.sim_ok(
        {"--file", path, "--quiet", "--layout", "gda", "--scan-shape", "4", "--frame-shape", "2"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/diamond_scan/keys/uniqueKeys shape=(4) maxshape=(None) dtype=<i4 chunks=(4)\n"
          "/entry/diamond_scan/scan_finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/instrument/detector/data shape=(4,2) maxshape=(None,2) dtype=<u2 "
          "chunks=(1,2)\n");
}

TEST_CASE("no-finished writes no finished dataset") {
    SimFixture fx;
    const auto path = fx.file("nofinished.h5");
    fx.sim_ok({"--file", path, "--quiet", "--no-finished", "--scan-shape", "3"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(3,4,4) maxshape=(None,4,4) dtype=<u2 chunks=(1,4,4)\n"
          "/entry/keys/uid shape=(3) maxshape=(None) dtype=<i4 chunks=(3)\n");
}

TEST_CASE("fixed: full shape up front with unwritten frames left as fill") {
    SimFixture fx;
    const auto path = fx.file("fixed.h5");
    fx.sim_ok({"--file", path, "--quiet", "--fixed", "--frames", "6"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(10,4,4) maxshape=(10,4,4) dtype=<u2 chunks=(1,4,4)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(10) maxshape=(10) dtype=<i4 chunks=(10)\n");
    // Keys 7..10 zero and frames 6..9 all fill.
    CHECK(fx.check({"frames", "--frames", "6", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=6\n"
                                                 "ok data /entry/data/data frames=6\n");
}

TEST_CASE("grid: growing by whole rows with trailing ones on the keys") {
    SimFixture fx;
    const auto path = fx.file("grid.h5");
    fx.sim_ok({"--file", path, "--quiet", "--scan-shape", "3x4", "--frames", "7",
               "--key-trailing-ones", "2", "--frame-shape", "2x3", "--dtype", "u1"});
    // Frame 6 is the third of row 1: two rows exist, the last point of row 1 is fill.
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(2,4,2,3) maxshape=(None,4,2,3) dtype=|u1 chunks=(1,1,2,3)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(2,4,1,1) maxshape=(None,4,1,1) dtype=<i4 "
          "chunks=(3,4,1,1)\n");
    CHECK(fx.check({"frames", "--frames", "7", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=7\n"
                                                 "ok data /entry/data/data frames=7\n");
}

TEST_CASE("grid: the swmr_tools user guide example") {
    SimFixture fx;
    const auto path = fx.file("guide.h5");
    fx.sim_ok({"--file", path, "--quiet", "--fixed", "--scan-shape", "2x2", "--frame-shape", "5x10",
               "--dtype", "i8", "--datasets", "2", "--key-trailing-ones", "2"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(2,2,5,10) maxshape=(2,2,5,10) dtype=<i8 chunks=(1,1,5,10)\n"
          "/entry/data/data_1 shape=(2,2,5,10) maxshape=(2,2,5,10) dtype=<i8 "
          "chunks=(1,1,5,10)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(2,2,1,1) maxshape=(2,2,1,1) dtype=<i4 chunks=(2,2,1,1)\n");
    CHECK(fx.check({"frames", "--frames", "4", "--data", "/entry/data/data,/entry/data/data_1",
                    "--keys", "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=4\n"
                                                           "ok data /entry/data/data frames=4\n"
                                                           "ok data /entry/data/data_1 frames=4\n");
}

TEST_CASE("scalar frames: one value per scan point") {
    SimFixture fx;
    const auto path = fx.file("scalar.h5");
    fx.sim_ok({"--file", path, "--quiet", "--frame-shape", "scalar", "--scan-shape", "5", "--dtype",
               "f4"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(5) maxshape=(None) dtype=<f4 chunks=(1)\n"
          "/entry/finished shape=() maxshape=() dtype=<i4 value=1\n"
          "/entry/keys/uid shape=(5) maxshape=(None) dtype=<i4 chunks=(5)\n");
    CHECK(fx.check({"frames", "--frames", "5", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=5\n"
                                                 "ok data /entry/data/data frames=5\n");
}

TEST_CASE("interleave: frame i in dataset i mod N at index i div N") {
    SimFixture fx;
    const auto path = fx.file("interleave.h5");
    fx.sim_ok({"--file", path, "--quiet", "--interleave", "3", "--frames", "8", "--layout", "gda",
               "--frame-shape", "2x2"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data_0 shape=(3,2,2) maxshape=(None,2,2) dtype=<u2 chunks=(1,2,2)\n"
          "/entry/data/data_1 shape=(3,2,2) maxshape=(None,2,2) dtype=<u2 chunks=(1,2,2)\n"
          "/entry/data/data_2 shape=(2,2,2) maxshape=(None,2,2) dtype=<u2 chunks=(1,2,2)\n"
          "/entry/diamond_scan/keys/uniqueKeys shape=(8) maxshape=(None) dtype=<i4 "
          "chunks=(10)\n"
          "/entry/diamond_scan/scan_finished shape=() maxshape=() dtype=<i4 value=1\n");
    CHECK(fx.check({"frames", "--interleave", "--frames", "8", "--data",
                    "/entry/data/data_0,/entry/data/data_1,/entry/data/data_2", "--keys",
                    "/entry/diamond_scan/keys/uniqueKeys", path}) ==
          "ok keys /entry/diamond_scan/keys/uniqueKeys set=8\n"
          "ok data /entry/data/data_0 frames=3\n"
          "ok data /entry/data/data_1 frames=3\n"
          "ok data /entry/data/data_2 frames=2\n");
}

TEST_CASE("interleave fixed: each dataset sized for its share of the scan") {
    SimFixture fx;
    const auto path = fx.file("interleave_fixed.h5");
    fx.sim_ok({"--file", path, "--quiet", "--interleave", "4", "--scan-shape", "10", "--fixed",
               "--frame-shape", "scalar", "--no-finished"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data_0 shape=(3) maxshape=(3) dtype=<u2 chunks=(1)\n"
          "/entry/data/data_1 shape=(3) maxshape=(3) dtype=<u2 chunks=(1)\n"
          "/entry/data/data_2 shape=(2) maxshape=(2) dtype=<u2 chunks=(1)\n"
          "/entry/data/data_3 shape=(2) maxshape=(2) dtype=<u2 chunks=(1)\n"
          "/entry/keys/uid shape=(10) maxshape=(10) dtype=<i4 chunks=(10)\n");
    CHECK(fx.check({"frames", "--interleave", "--frames", "10", "--data",
                    "/entry/data/data_0,/entry/data/data_1,/entry/data/data_2,/entry/data/data_3",
                    "--keys", "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=10\n"
                                                           "ok data /entry/data/data_0 frames=3\n"
                                                           "ok data /entry/data/data_1 frames=3\n"
                                                           "ok data /entry/data/data_2 frames=2\n"
                                                           "ok data /entry/data/data_3 frames=2\n");
}

TEST_CASE("chunk-frames: data chunks hold that many frames along the last scan dimension") {
    SimFixture fx;
    const auto path = fx.file("chunked.h5");
    fx.sim_ok({"--file", path, "--quiet", "--scan-shape", "3x50", "--frame-shape", "8", "--dtype",
               "f8", "--chunk-frames", "20", "--no-finished"});
    CHECK(fx.check({"describe", path}) ==
          "/entry/data/data shape=(3,50,8) maxshape=(None,50,8) dtype=<f8 chunks=(1,20,8)\n"
          "/entry/keys/uid shape=(3,50) maxshape=(None,50) dtype=<i4 chunks=(3,50)\n");
    CHECK(fx.check({"frames", "--frames", "150", "--data", "/entry/data/data", "--keys",
                    "/entry/keys/uid", path}) == "ok keys /entry/keys/uid set=150\n"
                                                 "ok data /entry/data/data frames=150\n");
}
