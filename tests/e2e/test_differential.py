"""Randomized differential test: swmrd against a model of swmr_tools' DataSource.

Each example writes a random complete HDF5 file with h5py (keys of any numeric type and byte
order, holes, several keys of different lengths, data of any rank above the scan, interleaved
groups, a finished flag or not, broken layouts), has one long-lived daemon stream it through
a control `start`, and compares every message with reference_datasource.reference_frames.

SWMRD_DIFF_EXAMPLES sets the examples per test (default 40); the seed is fixed
(derandomize), so CI sees the same scenes every run. A failure prints the h5py code that
makes its file and the watch spec: paste both to reproduce it. SWMRD_DIFF_SHRINK=1 lets
Hypothesis shrink a failing scene (slow: every try is a real run).
"""

import itertools
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from reference_datasource import reference_frames

EXAMPLES = int(os.environ.get("SWMRD_DIFF_EXAMPLES", "40"))
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
if os.environ.get("SWMRD_DIFF_SHRINK") == "1":
    PHASES.append(Phase.shrink)
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                    phases=PHASES, print_blob=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])
WATCH_TIMEOUT = "300ms"

KEY_TYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "b1"]
DATA_TYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"]
NAN, INF = float("nan"), float("inf")
FLOAT_VALUES = {
    "f2": [1.0, -2.5, 0.5, 65504.0, 6e-08, NAN, INF, -INF],
    "f4": [1.0, -2.5, 1e-30, 3e38, NAN, INF, -INF],
    # 1e-200 squared underflows to 0 in the float64 product of several keys
    "f8": [1.0, -2.5, 1e-200, 1e300, NAN, INF, -INF],
}

_serial = itertools.count()


# ---------------------------------------------------------------------------------------
# Scenes: plain descriptions, turned into h5py code that is both run and printed


def dtype_strategy(types):
    def with_order(t):
        if t[1] == "1":
            return st.just("|" + t)
        return st.sampled_from(["<" + t, ">" + t])
    return st.sampled_from(types).flatmap(with_order)


def nonzero_values(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return [True]
    if dt.kind == "f":
        return FLOAT_VALUES["f%d" % dt.itemsize]
    info = np.iinfo(dt)
    values = [1, 7, int(info.max)]
    if dt.kind == "i":
        values += [-1, int(info.min)]
    return values


def zero_values(dtype):
    kind = np.dtype(dtype).kind
    return {"b": [False], "f": [0.0, -0.0]}.get(kind, [0])


@st.composite
def key_values(draw, dtype, size):
    """A written prefix, a hole (zero) after it, then written values and holes mixed."""
    written = size if draw(st.integers(0, 3)) else draw(st.integers(0, size))
    nonzero = st.sampled_from(nonzero_values(dtype))
    zero = st.sampled_from(zero_values(dtype))
    values = [draw(nonzero) for _ in range(written)]
    if written < size:
        values.append(draw(zero))
        for _ in range(size - written - 1):
            values.append(draw(st.one_of(nonzero, zero)))
    return values


@st.composite
def scan_dims(draw, rank):
    """[(current, max or None)] per scan dimension; the last one never of max 1."""
    dims = []
    for d in range(rank):
        if draw(st.integers(0, 4)) < 2:  # unlimited, rarely empty
            empty = draw(st.integers(0, 7)) == 0
            dims.append((0 if empty else draw(st.integers(1, 4 if rank < 3 else 3)), None))
        else:
            low = 2 if d == rank - 1 else 1
            top = max(low, 4 if rank < 3 else 3)
            maximum = draw(st.integers(low, top))
            current = maximum if draw(st.integers(0, 4)) else draw(st.integers(0, maximum))
            dims.append((current, maximum))
    return dims


@st.composite
def key_spec(draw, name, dims):
    dtype = draw(dtype_strategy(KEY_TYPES))
    trailing = draw(st.integers(0, 2))
    shape = tuple(c for c, _ in dims) + (1,) * trailing
    maxshape = tuple(m for _, m in dims) + (1,) * trailing
    size = math.prod(shape)
    chunked = shape != maxshape or (shape != () and draw(st.booleans()))
    return {"name": name, "dtype": dtype, "shape": shape, "maxshape": maxshape,
            "chunks": True if chunked else None, "values": draw(key_values(dtype, size))}


@st.composite
def other_scan_dims(draw, dims):
    """Dimensions of another key of the same scan rank: sizes and limits may differ."""
    out = []
    for d, (current, maximum) in enumerate(dims):
        if draw(st.booleans()):
            out.append((current, maximum))
            continue
        current = max(min(current, 1), current + draw(st.integers(-1, 1)))
        if draw(st.booleans()):
            out.append((current, None))
        else:
            low = 2 if d == len(dims) - 1 else 1
            out.append((current, max(current, low)))
    return out


@st.composite
def data_spec(draw, name, scan_extent, dtype=None, frame_shape=None):
    dtype = dtype or draw(dtype_strategy(DATA_TYPES))
    if frame_shape is None:
        frame_shape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    shape = tuple(scan_extent) + tuple(frame_shape)
    rank = len(scan_extent)
    layout = draw(st.sampled_from(["contiguous", "chunked", "frame_chunks", "unlimited"]))
    if shape == ():
        layout = "contiguous"
    maxshape, chunks = shape, None
    if layout == "chunked":
        chunks = True
    elif layout == "frame_chunks":
        chunks = (1,) * rank + tuple(frame_shape) if frame_shape or rank else None
    elif layout == "unlimited":
        maxshape = (None,) + shape[1:]
        chunks = True
    if chunks is None:
        maxshape = shape
    elif isinstance(chunks, tuple) and 0 in shape:
        chunks = True  # a chunk dimension may not exceed a fixed maximum of 0
    return {"name": name, "dtype": dtype, "shape": shape, "maxshape": maxshape,
            "chunks": chunks, "a": draw(st.integers(1, 50)), "b": draw(st.integers(0, 96))}


def extent_covering(shape, points):
    """`shape` with its first dimension grown until it holds `points` frames."""
    if not shape:
        return ()
    rest = math.prod(shape[1:])
    first = max(shape[0], -(-points // rest)) if rest else shape[0]
    return (first,) + tuple(shape[1:])


@st.composite
def finished_spec(draw):
    if draw(st.integers(0, 2)) == 0:
        return None
    dtype = draw(dtype_strategy(KEY_TYPES))
    shape = draw(st.sampled_from([(), (), (1,), (1, 1), (2,), (0,)]))
    size = math.prod(shape)
    pool = zero_values(dtype) + nonzero_values(dtype)[:1]
    if np.dtype(dtype).kind == "f":
        pool.append(NAN)
    return {"name": "/flag/finished", "dtype": dtype, "shape": shape,
            "values": [draw(st.sampled_from(pool)) for _ in range(size)]}


@st.composite
def scenes(draw, plain=(1, 3), groups=(0, 0), fault=False):
    rank = draw(st.integers(0, 3))
    dims = draw(scan_dims(rank))
    keys = [draw(key_spec("/keys/k0", dims))]
    for k in range(1, draw(st.integers(1, 3))):
        keys.append(draw(key_spec(f"/keys/k{k}", draw(other_scan_dims(dims)))))
    fault = draw(st.sampled_from(
        ["keys_ahead", "missing", "keys_ahead", "rank_below", "keys_ahead", "key_rank"])) \
        if fault else None
    if fault == "key_rank":
        other = rank + 1 if rank == 0 or draw(st.booleans()) else rank - 1
        keys.insert(draw(st.integers(1, len(keys))),
                    draw(key_spec("/keys/odd", draw(scan_dims(other)))))

    # Data extents: the keys' shape, the first dimension grown to hold every key's points.
    key_shape = tuple(c for c, _ in dims)
    points = max(math.prod(k["shape"]) for k in keys)
    extent = extent_covering(key_shape, points)
    datasets = []
    group_count = draw(st.integers(*groups))
    for d in range(max(draw(st.integers(*plain)), 0 if group_count else 1)):
        own = extent
        if rank and draw(st.integers(0, 6)) == 0:  # a layout of its own
            own = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
        datasets.append(draw(data_spec(f"/data/d{d}", own)))
    interleaved = {}
    for g in range(group_count):
        n = draw(st.integers(1, 3))
        dtype = draw(dtype_strategy(DATA_TYPES))
        frame_shape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
        members = []
        for m in range(n):
            share = len(range(m, points, n))
            own = extent_covering((0,) + tuple(extent[1:]), share) if rank else ()
            members.append(draw(data_spec(
                f"/stack/g{g}_m{m}", own,
                dtype=dtype if draw(st.booleans()) else None,
                frame_shape=frame_shape if draw(st.booleans()) else None)))
        interleaved[f"group{g}"] = members
    plain_paths = [d["name"] for d in datasets]
    members_all = [m for ms in interleaved.values() for m in ms]
    if fault == "missing":
        plain_paths.insert(draw(st.integers(0, len(plain_paths))), "/data/missing")
    elif fault == "rank_below":
        victims = datasets + members_all
        victim = victims[draw(st.integers(0, len(victims) - 1))]
        if rank:
            cut = draw(st.integers(0, rank - 1))
            victim.update(shape=victim["shape"][:cut], maxshape=victim["shape"][:cut],
                          chunks=None)
        else:  # scan rank 0 has nothing below it: a missing dataset instead
            plain_paths.append("/data/missing")
    elif fault == "keys_ahead":
        victims = [d for d in datasets + members_all if d["shape"][:rank] and d["shape"][0]]
        if victims:
            victim = victims[draw(st.integers(0, len(victims) - 1))]
            shape = (victim["shape"][0] - 1,) + victim["shape"][1:]
            maxshape = (None,) + shape[1:] if victim["maxshape"][0] is None else shape
            victim.update(shape=shape, maxshape=maxshape)
            if isinstance(victim["chunks"], tuple) and 0 in shape:
                victim["chunks"] = True
    return {"keys": keys, "datasets": datasets, "plain_paths": plain_paths,
            "interleaved": interleaved, "finished": draw(finished_spec())}


def literal(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return repr(value)


def scene_code(scene):
    """h5py code that writes the scene's file at PATH."""
    lines = [
        "import h5py, numpy as np",
        "nan, inf = np.nan, np.inf",
        "def fill(dtype, shape, a, b):",
        "    v = (np.arange(int(np.prod(shape)), dtype=np.int64) * a + b) % 97",
        "    dt = np.dtype(dtype)",
        "    v = v - 48 if dt.kind in 'if' else v",
        "    v = v / 4.0 if dt.kind == 'f' else v",
        "    v = v.astype(dt)",
        "    if dt.kind == 'f' and v.size and b % 3 == 0:",
        "        v[0] = nan",
        "    return v.reshape(shape)",
        "with h5py.File(PATH, 'w', libver='latest') as f:",
    ]
    for key in scene["keys"]:
        values = "[" + ", ".join(literal(v) for v in key["values"]) + "]"
        lines.append(f"    f.create_dataset({key['name']!r}, data=np.array({values}, "
                     f"dtype={key['dtype']!r}).reshape({key['shape']!r}), "
                     f"maxshape={key['maxshape']!r}, chunks={key['chunks']!r})")
    members = [m for ms in scene["interleaved"].values() for m in ms]
    for ds in scene["datasets"] + members:
        lines.append(f"    f.create_dataset({ds['name']!r}, data=fill({ds['dtype']!r}, "
                     f"{ds['shape']!r}, {ds['a']}, {ds['b']}), maxshape={ds['maxshape']!r}, "
                     f"chunks={ds['chunks']!r})")
    flag = scene["finished"]
    if flag:
        values = "[" + ", ".join(literal(v) for v in flag["values"]) + "]"
        lines.append(f"    f.create_dataset({flag['name']!r}, data=np.array({values}, "
                     f"dtype={flag['dtype']!r}).reshape({flag['shape']!r}))")
    return "\n".join(lines) + "\n"


def watch_of(scene, name, path):
    spec = {"name": name, "file": str(path), "keys": [k["name"] for k in scene["keys"]],
            "timeout": WATCH_TIMEOUT}
    if scene["plain_paths"]:
        spec["datasets"] = list(scene["plain_paths"])
    if scene["interleaved"]:
        spec["interleaved"] = {g: [m["name"] for m in ms]
                               for g, ms in scene["interleaved"].items()}
    if scene["finished"]:
        spec["finished"] = scene["finished"]["name"]
    return spec


# ---------------------------------------------------------------------------------------
# One example: write, stream, compare


class Session:
    """One daemon and one subscriber for every example of a test function."""

    def __init__(self, start_daemon, tmp_path):
        self.folder = tmp_path / "scenes"
        self.folder.mkdir(exist_ok=True)
        self.daemon = start_daemon(allowed_roots=[str(tmp_path)])
        self.sub = self.daemon.subscriber("")
        self.sub.wait_ready()

    def check(self, scene):
        serial = next(_serial)
        name = f"diff{serial}"
        path = self.folder / f"scene{serial}.h5"
        code = scene_code(scene)
        exec(compile(code, "<scene>", "exec"), {"PATH": str(path)})
        spec = watch_of(scene, name, path)
        described = f"\n--- scene (h5py) ---\nPATH = {str(path)!r}\n{code}--- watch ---\n{spec}\n"
        reference = reference_frames(str(path), spec["keys"], spec.get("datasets", ()),
                                     spec.get("interleaved"), spec.get("finished"))
        reply = self.daemon.request("start", watch=spec)
        assert reply.get("ok") is True, f"start refused: {reply}{described}"
        try:
            messages = self.sub.run(name)
        finally:
            reply = self.daemon.request("stop", watch=name)
            assert reply.get("ok") is True, f"stop refused: {reply}{described}"
        compare(messages, reference, described)


def compare(messages, ref, described):
    def fail(what):
        return f"{what}{described}--- reference ---\n{summary(ref)}\n"

    end = messages[-1].header
    if not ref.started:
        assert [m.kind for m in messages] == ["end"], fail(f"expected a refusal, got {messages}")
        assert end["reason"] == "error" and end["seq"] == 0, fail(f"expected a refusal: {end}")
        assert end["frames"] == 0 and end["last_index"] == -1, fail(f"refusal: {end}")
        assert isinstance(end.get("error"), str) and end["error"], fail(f"no error: {end}")
        return
    if messages[0].kind != "start":
        raise AssertionError(fail(f"daemon refused the run: {end.get('reason')}: "
                                  f"{end.get('error')}"))
    start, *frames, _ = messages
    header = start.header
    assert header["seq"] == 0 and header["first_index"] == 0, fail(f"start: {header}")
    assert header["scan_rank"] == ref.scan_rank, fail(f"scan_rank {header['scan_rank']}")
    assert header["scan_shape"] == ref.scan_shape, fail(f"scan_shape {header['scan_shape']}")

    got = [m.header.get("index") for m in frames]
    want = [index for index, _, _ in ref.frames]
    assert got == want, fail(f"frame indices {got} (end: {end.get('reason')} "
                             f"{end.get('error')}), expected {want}")
    for number, (message, (index, slices, data)) in enumerate(zip(frames, ref.frames), 1):
        h = message.header
        assert message.kind == "frame" and h["seq"] == number, fail(f"frame {index} seq {h}")
        assert [s[:2] for s in h["slice"]] == slices and all(len(s) == 3 and s[2] is None
                                                             for s in h["slice"]), \
            fail(f"frame {index}: slice {h['slice']}, expected {slices}")
        assert h["scan_shape"] == ref.scan_shape, fail(f"frame {index}: {h['scan_shape']}")
        names = [p["path"] for p in h["parts"]]
        assert names == list(data), fail(f"frame {index}: parts {names}")
        for k, (part_name, expected) in enumerate(data.items()):
            part = h["parts"][k]
            assert part["dtype"] == expected.dtype.str and part["shape"] == list(
                expected.shape), fail(f"frame {index} {part_name}: {part['dtype']} "
                                      f"{part['shape']}, expected {expected.dtype.str} "
                                      f"{list(expected.shape)}")
            try:
                np.testing.assert_array_equal(message.array(k), expected)
            except AssertionError as error:
                raise AssertionError(fail(f"frame {index} {part_name}: {error}")) from None

    assert end["reason"] == ref.reason, fail(f"end reason {end['reason']} "
                                             f"({end.get('error')}), expected {ref.reason}")
    assert end["seq"] == len(frames) + 1, fail(f"end seq {end['seq']}")
    assert end["frames"] == len(frames), fail(f"end frames {end['frames']}")
    assert end["last_index"] == (want[-1] if want else -1), fail(f"end {end}")
    assert ("error" in end and isinstance(end["error"], str)) == (ref.reason == "error"), \
        fail(f"end error field: {end}")


def summary(ref):
    frames = ", ".join(f"{i}:{s}" for i, s, _ in ref.frames[:12])
    more = " …" if len(ref.frames) > 12 else ""
    return (f"started={ref.started} readable={ref.readable} scan_rank={ref.scan_rank} "
            f"scan_shape={ref.scan_shape} reason={ref.reason} error={ref.error}\n"
            f"frames [{frames}{more}]")


# ---------------------------------------------------------------------------------------
# The tests: one daemon each, many scenes


@pytest.fixture
def session(start_daemon, tmp_path):
    """Function-scoped: Hypothesis runs every example of a test in the same one."""
    return Session(start_daemon, tmp_path)


@SETTINGS
@given(scene=scenes(plain=(1, 3)))
def test_plain_datasets_match_reference(session, scene):
    session.check(scene)


@SETTINGS
@given(scene=scenes(plain=(0, 2), groups=(1, 2)))
def test_interleaved_match_reference(session, scene):
    session.check(scene)


@SETTINGS
@given(scene=scenes(plain=(0, 2), groups=(0, 1), fault=True))
def test_broken_layouts_match_reference(session, scene):
    session.check(scene)
