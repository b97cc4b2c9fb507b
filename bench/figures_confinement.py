"""What reading in confined reader processes costs and gives (figure 12): large frames next
to an earlier swmrd that read in-process (`--baseline BUILD`), and four watches of
Bitshuffle data, which now decode in parallel, next to one watch alone."""

from benchkit import sim
from figures_stream import large_file, mb_per_s, median, stream_files


def bitshuffle_file(tools, work, name, frames):
    path = work / f"{name}.h5"
    if not path.exists():
        sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
            "--compression", "bitshuffle", "--flush-every", 50, "--fixed")
    return path


def aggregate_mb_per_s(results):
    elapsed = max(r["last"] for r in results) - min(r["first"] for r in results)
    return sum(r["bytes"] for r in results) / elapsed / 1e6


def bench_confinement(tools, baseline, work, table, frames, pairs=6, watches=4):
    """`baseline`: Tools whose swmrd reads in-process, or None (the comparisons with it are
    then left out)."""
    if baseline is not None:
        path = large_file(tools, work, "large", frames)
        ours, before, ratios = [], [], []
        for pair in range(pairs):
            # A B, then B A: whichever runs second in a pair is not always the same one.
            if pair % 2:
                then = stream_files(baseline, work, [path])[0]
                now = stream_files(tools, work, [path])[0]
            else:
                now = stream_files(tools, work, [path])[0]
                then = stream_files(baseline, work, [path])[0]
            assert now["frames"] == then["frames"] == frames, (now, then)
            ours.append(mb_per_s(now))
            before.append(mb_per_s(then))
            ratios.append(ours[-1] / before[-1])
        table.add("12. large, reader processes", median(ours), "MB/s", median(before),
                  "in-process reads (--baseline)", ">= 0.9 of in-process",
                  ratio=median(ratios))
        table.note(f"figure 12, {pairs} pairs reader processes/in-process, ABBA: ratios "
                   + " ".join(f"{r:.2f}" for r in ratios))
    paths = [bitshuffle_file(tools, work, f"bitshuffle-{i}", frames // 2)
             for i in range(watches)]
    alone = mb_per_s(stream_files(tools, work, paths[:1])[0])
    together = stream_files(tools, work, paths)
    for result in together:
        assert result["frames"] == frames // 2, result
    table.add(f"   {watches} Bitshuffle watches", aggregate_mb_per_s(together), "MB/s", alone,
              "one Bitshuffle watch alone", "> 1: decoded in parallel")
    if baseline is not None:
        then = stream_files(baseline, work, paths)
        table.add(f"   {watches} Bitshuffle, in-process", aggregate_mb_per_s(then), "MB/s",
                  aggregate_mb_per_s(together), "reader processes",
                  "reported (HDF5's one lock)")
