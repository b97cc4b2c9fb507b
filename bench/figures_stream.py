"""Throughput figures: large and small frames, several subscribers (figures 1, 2, 6)."""

from benchkit import Daemon, pump, result_of, sim, spec, subscribe


def large_file(tools, work, name, frames):
    """A fixed scan of 2 MiB frames already on disk: it ends `complete` with its last frame
    (the finished flag's grace, timeout/20, would count in the elapsed time)."""
    path = work / f"{name}.h5"
    if not path.exists():
        sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
            "--flush-every", 50, "--fixed")
    return path


def stream_files(tools, work, paths, **settings):
    """One daemon, a watch and a `bench_subscriber` per file, all started at once: each
    subscriber's result (frames, bytes, seconds, first, last)."""
    daemon = Daemon(tools, work, **settings)
    names = [f"w{i}" for i in range(len(paths))]
    subs = [subscribe(tools, daemon, name, work) for name in names]
    for name, path in zip(names, paths):
        daemon.request("start", watch=spec(name, path))
    results = [result_of(sub) for sub in subs]
    daemon.stop()
    return results


def mb_per_s(result):
    return result["bytes"] / result["seconds"] / 1e6


def bench_large(tools, work, table, frames, pairs=5):
    """The daemon and the bare pump, alternated (A B A B ...) in one run: the ratio of each
    pair, then their median and spread, so one disturbed run does not decide the figure."""
    path = large_file(tools, work, "large", frames)
    ours, pumps, ratios = [], [], []
    for _ in range(pairs):
        got = stream_files(tools, work, [path])[0]
        assert got["frames"] == frames, got
        ceiling = pump(tools, frames, 1024 * 1024 * 2)
        ours.append(mb_per_s(got))
        pumps.append(ceiling["bytes"] / ceiling["seconds"] / 1e6)
        ratios.append(ours[-1] / pumps[-1])
    table.add(f"1. large frames ({frames} x 2 MiB)", median(ours), "MB/s", median(pumps),
              "bare ZeroMQ pump", ">= 0.9 of the pump", ratio=median(ratios))
    table.note(f"figure 1, {pairs} pairs daemon/pump alternated: ratios "
               + " ".join(f"{r:.2f}" for r in ratios)
               + f" (median {median(ratios):.2f}, spread {min(ratios):.2f}-{max(ratios):.2f})")


def bench_watches(tools, work, table, frames, watches=4):
    """Several watches at once, each on its own file: aggregate MB/s and each one's share,
    next to one watch alone. HDF5 runs one call at a time in a process, so the watches take
    turns on its lock; the figure says what that costs."""
    paths = [large_file(tools, work, f"large-{i}", frames) for i in range(watches)]
    alone = mb_per_s(stream_files(tools, work, paths[:1])[0])
    results = stream_files(tools, work, paths)
    for result in results:
        assert result["frames"] == frames, result
    elapsed = max(r["last"] for r in results) - min(r["first"] for r in results)
    aggregate = sum(r["bytes"] for r in results) / elapsed / 1e6
    table.add(f"10. {watches} watches, aggregate", aggregate, "MB/s", alone, "one watch alone",
              "reported")
    for i, result in enumerate(sorted(results, key=mb_per_s)):
        table.add(f"   watch share ({i + 1} of {watches})", mb_per_s(result), "MB/s",
                  aggregate / watches, "an equal share", "reported")


def bench_bitshuffle(tools, work, table, frames):
    """Eiger-style Bitshuffle/LZ4 2 MiB frames: decoded by the daemon (a raw read through the
    plugin) next to the stored chunks passed through (`encoding: chunk`) from the same file."""
    path = work / "bitshuffle.h5"
    sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
        "--compression", "bitshuffle", "--flush-every", 50, "--fixed")
    decoded = stream_files(tools, work, [path])[0]
    daemon = Daemon(tools, work)
    sub = subscribe(tools, daemon, "chunks", work)
    daemon.request("start", watch=spec("chunks", path, encoding="chunk"))
    passed = result_of(sub)
    daemon.stop()
    assert decoded["frames"] == passed["frames"] == frames, (decoded, passed)
    frame_mb = 1024 * 1024 * 2 / 1e6
    table.add(f"11. Bitshuffle/LZ4 raw ({frames} x 2 MiB)", frames * frame_mb / decoded["seconds"],
              "MB/s", frames * frame_mb / passed["seconds"], "chunk pass-through, same frames",
              "reported (decoded MB/s)")
    table.add("   stored bytes per frame", passed["bytes"] / frames / 1e3, "kB", frame_mb * 1e3,
              "the decoded frame", "(compression)")


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def bench_small(tools, work, table, frames):
    """Small frames, in chunks of 1000 frames as writers of small frames make them, and in
    one chunk per frame (where HDF5 reads every 64-byte chunk on its own)."""
    for chunk_frames in (1000, 1):
        path = work / f"small-{chunk_frames}.h5"
        sim(tools, path, "--scan-shape", frames, "--frame-shape", 8, "--dtype", "f8",
            "--flush-every", 5000, "--chunk-frames", chunk_frames, "--fixed")
        daemon = Daemon(tools, work)
        sub = subscribe(tools, daemon, "small", work)
        daemon.request("start", watch=spec("small", path))
        got = result_of(sub)
        daemon.stop()
        assert got["frames"] == frames, got
        rate = got["frames"] / got["seconds"]
        if chunk_frames == 1000:
            ceiling = pump(tools, frames, 64)
            table.add(f"2. small frames ({frames} x 8 f8)", rate, "f/s",
                      ceiling["frames"] / ceiling["seconds"], "bare ZeroMQ pump",
                      ">= 500000 frames/s")
            table.add("   small frames vs target", rate, "f/s", 500000, "the target",
                      "ratio >= 1")
        else:
            table.add("   small frames, 1 frame per chunk", rate, "f/s", 500000, "the target",
                      "(reported)")


def bench_fanout(tools, work, table, frames, subscribers=4):
    path = work / "fanout.h5"
    sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
        "--flush-every", 50, "--fixed")
    daemon = Daemon(tools, work)
    subs = [subscribe(tools, daemon, "fanout", work) for _ in range(subscribers)]
    daemon.request("start", watch=spec("fanout", path))
    results = [result_of(s) for s in subs]
    daemon.stop()
    aggregate = sum(r["bytes"] for r in results) / max(r["seconds"] for r in results) / 1e6
    ceiling = pump(tools, frames, 1024 * 1024 * 2, subscribers)
    ref = ceiling["bytes"] * subscribers / ceiling["seconds"] / 1e6
    table.add(f"6. fan-out, {subscribers} subscribers", aggregate, "MB/s", ref,
              f"bare pump, {subscribers} subscribers", "(reported)")
    shares = [r["bytes"] / r["seconds"] / 1e6 for r in results]
    for n, share in enumerate(shares):
        table.add(f"   subscriber {n + 1} share", share, "MB/s", aggregate / subscribers,
                  "an equal share", "(reported)")
    path.unlink()
