"""Independent reader for the swmr-sim tests: h5py and NumPy only, no code shared with the
simulator except the pattern formula written out again below.

    describe FILE...                      one line per dataset: path, shape, maxshape, dtype,
                                          chunks, filter ids, value of scalars
    frames --frames N [--data P,..] [--keys P,..] [--interleave] FILE...
                                          keys are i+1 for i < N and 0 after; data frames
                                          equal the pattern for i < N and are fill (0) after
    chunks --frames N [--scan-rank R] --data P FILE
                                          raw stored chunk bytes equal the pattern's bytes,
                                          filter mask 0; prints the pipeline with cd_values
    pattern D I J ITEMSIZE [D I J ITEMSIZE...]
                                          the Python twin of pattern_value(), one per line
    watch --ready PATH --frames N --data P --keys P --finished P FILE
                                          opens FILE in SWMR read mode while it is written
                                          and follows it until finished

Prints "ok ..." lines; on any mismatch prints what differs and exits 1.
"""

import argparse
import sys
import time

import h5py
import numpy as np


def pattern(dataset, index, element, itemsize):
    modulus = {1: 127, 2: 32749}.get(itemsize, 16777213)
    return (dataset * 1000003 + index * 1009 + element) % modulus


def expected_frame(dataset, index, shape, dtype):
    count = int(np.prod(shape, dtype=np.int64))
    values = (dataset * 1000003 + index * 1009 + np.arange(count, dtype=np.int64)) % {
        1: 127, 2: 32749}.get(dtype.itemsize, 16777213)
    return values.astype(dtype).reshape(shape)


def open_file(name):
    # SWMR read mode, as readers do: it also opens the file of a writer that died.
    return h5py.File(name, "r", libver="latest", swmr=True)


def fail(message):
    print("FAIL " + message)
    sys.exit(1)


def shape_text(shape):
    return "(" + ",".join("None" if s is None else str(s) for s in shape) + ")"


def filter_ids(dataset):
    plist = dataset.id.get_create_plist()
    return [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]


def describe(args):
    for name in args.files:
        with open_file(name) as f:
            lines = []

            def visit(path, obj):
                if not isinstance(obj, h5py.Dataset):
                    return
                text = "/%s shape=%s maxshape=%s dtype=%s" % (
                    path, shape_text(obj.shape), shape_text(obj.maxshape), obj.dtype.str)
                if obj.chunks is not None:
                    text += " chunks=%s" % shape_text(obj.chunks)
                ids = filter_ids(obj)
                if ids:
                    text += " filters=%s" % ",".join(str(i) for i in ids)
                if obj.shape == ():
                    text += " value=%s" % obj[()]
                lines.append(text)

            f.visititems(visit)
            for line in sorted(lines):
                print(line)


def scan_rank_of(key):
    rank = len(key.maxshape)
    while rank > 0 and key.maxshape[rank - 1] == 1:
        rank -= 1
    return rank


def check_keys(f, paths, frames):
    scan_shape = None
    for path in paths:
        key = f[path]
        if key.dtype != np.dtype("<i4"):
            fail("%s has dtype %s, expected <i4" % (path, key.dtype.str))
        flat = key[()].reshape(-1)
        if flat.size < frames:
            fail("%s has %d points, fewer than %d frames" % (path, flat.size, frames))
        want = np.arange(1, frames + 1, dtype=np.int32)
        if not np.array_equal(flat[:frames], want):
            bad = int(np.nonzero(flat[:frames] != want)[0][0])
            fail("%s[%d] (flat) is %d, expected %d" % (path, bad, flat[bad], bad + 1))
        if np.any(flat[frames:] != 0):
            bad = frames + int(np.nonzero(flat[frames:])[0][0])
            fail("%s[%d] (flat) is %d past the last frame, expected 0" % (path, bad, flat[bad]))
        print("ok keys %s set=%d" % (path, frames))
        scan_shape = key.shape[:scan_rank_of(key)]
    return scan_shape


def check_data(dataset, dataset_number, frame_indices, scan_shape):
    """frame_indices: the global index of each local frame written to this dataset."""
    scan_rank = len(scan_shape)
    frame_shape = dataset.shape[scan_rank:]
    data = dataset[()]
    local_scan = dataset.shape[:scan_rank]
    written = len(frame_indices)
    for local in range(int(np.prod(local_scan, dtype=np.int64))):
        position = np.unravel_index(local, local_scan)
        block = data[tuple(position)]
        if local < written:
            want = expected_frame(dataset_number, frame_indices[local], frame_shape,
                                  dataset.dtype)
            what = "the pattern of frame %d" % frame_indices[local]
        else:
            want = np.zeros(frame_shape, dataset.dtype)
            what = "fill (0), the frame was never written"
        if not np.array_equal(block, want):
            fail("%s at %s differs from %s: %s vs %s" % (
                dataset.name, tuple(int(p) for p in position), what,
                np.ravel(block)[:6], np.ravel(want)[:6]))
    if int(np.prod(local_scan, dtype=np.int64)) < written:
        fail("%s holds %s scan points, fewer than the %d frames written" % (
            dataset.name, local_scan, written))
    print("ok data %s frames=%d" % (dataset.name, written))


def frames(args):
    data_paths = args.data.split(",") if args.data else []
    key_paths = args.keys.split(",") if args.keys else []
    for name in args.files:
        with open_file(name) as f:
            scan_shape = check_keys(f, key_paths, args.frames)
            if args.interleave:
                n = len(data_paths)
                for d, path in enumerate(data_paths):
                    indices = list(range(d, args.frames, n))
                    check_data(f[path], d, indices, f[path].shape[:1])
            else:
                if scan_shape is None and data_paths:
                    scan_shape = f[data_paths[0]].shape[:1]
                for d, path in enumerate(data_paths):
                    check_data(f[path], d, list(range(args.frames)), scan_shape)


def chunks(args):
    for name in args.files:
        with open_file(name) as f:
            dataset = f[args.data]
            plist = dataset.id.get_create_plist()
            for i in range(plist.get_nfilters()):
                code, flags, values, _ = plist.get_filter(i)
                print("filter %d flags=%d cd_values=%s" % (
                    code, flags, ",".join(str(v) for v in values)))
            scan_rank = args.scan_rank
            frame_shape = dataset.shape[scan_rank:]
            scan_shape = dataset.shape[:scan_rank]
            for index in range(args.frames):
                position = np.unravel_index(index, scan_shape)
                offset = tuple(int(p) for p in position) + (0,) * len(frame_shape)
                mask, raw = dataset.id.read_direct_chunk(offset)
                want = expected_frame(0, index, frame_shape, dataset.dtype).tobytes()
                if mask != 0:
                    fail("chunk %s has filter mask %d, expected 0" % (offset, mask))
                if raw != want:
                    fail("chunk %s holds %d bytes that differ from frame %d's %d bytes" % (
                        offset, len(raw), index, len(want)))
            print("ok chunks %s frames=%d" % (args.data, args.frames))


def watch(args):
    """Follows a file being written, as a swmr_tools reader does, and checks it grows."""
    with open(args.ready, "w") as ready:
        ready.write("ready\n")
    deadline = time.monotonic() + args.timeout
    f = None
    while f is None:
        try:
            f = h5py.File(args.file, "r", libver="latest", swmr=True)
        except (OSError, KeyError, RuntimeError):
            if time.monotonic() > deadline:
                fail("could not open %s for SWMR reading" % args.file)
            time.sleep(0.01)
    with f:
        key = f[args.keys]
        data = f[args.data]
        finished = f[args.finished]
        seen_counts = set()
        seen_extents = set()
        checked = 0
        done = False
        while True:
            finished.refresh()
            is_finished = finished[()] != 0
            key.refresh()
            flat = key[()].reshape(-1)
            ready_count = 0
            while ready_count < flat.size and flat[ready_count] == ready_count + 1:
                ready_count += 1
            if np.any(flat[ready_count:] != 0):
                fail("keys past the leading run are not 0: %s" % flat)
            seen_counts.add(ready_count)
            if ready_count > checked:
                data.refresh()
                seen_extents.add(data.shape[0])
                for index in range(checked, ready_count):
                    block = data[index]
                    want = expected_frame(0, index, data.shape[1:], data.dtype)
                    if not np.array_equal(block, want):
                        fail("frame %d read while writing differs from the pattern: %s vs %s"
                             % (index, np.ravel(block)[:6], np.ravel(want)[:6]))
                checked = ready_count
            if done:
                break
            # One more poll after the flag: the last keys may land just after it.
            done = is_finished
            if time.monotonic() > deadline:
                fail("timed out with %d of %d frames readable" % (checked, args.frames))
            time.sleep(0.005)
        if checked != args.frames:
            fail("finished with %d frames readable, expected %d" % (checked, args.frames))
        # Growth seen means the reader followed the writer, not just read the end result.
        growth = len([c for c in seen_counts if 0 < c < args.frames])
        print("ok watch frames=%d" % checked)
        print("keys grew while read=%s" % ("yes" if growth >= 2 else "no (%d)" % growth))
        print("data grew while read=%s" % ("yes" if len(seen_extents) >= 2 else "no"))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("describe")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("frames")
    p.add_argument("--frames", type=int, required=True)
    p.add_argument("--data", default="")
    p.add_argument("--keys", default="")
    p.add_argument("--interleave", action="store_true")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("chunks")
    p.add_argument("--frames", type=int, required=True)
    p.add_argument("--scan-rank", type=int, default=1)
    p.add_argument("--data", required=True)
    p.add_argument("files", nargs="+")
    p = sub.add_parser("pattern")
    p.add_argument("values", type=int, nargs="+")
    p = sub.add_parser("watch")
    p.add_argument("--ready", required=True)
    p.add_argument("--frames", type=int, required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--keys", required=True)
    p.add_argument("--finished", required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("file")
    args = parser.parse_args()
    if args.command == "pattern":
        for at in range(0, len(args.values) - 3, 4):
            print(pattern(*args.values[at:at + 4]))
        return
    {"describe": describe, "frames": frames, "chunks": chunks, "watch": watch}[args.command](args)


if __name__ == "__main__":
    main()
