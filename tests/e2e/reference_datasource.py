"""What swmr_tools' DataSource yields for a complete (no longer written) HDF5 file.

A small pure-Python model of swmr_tools' DataSource rules (docs/protocol.md, "When a frame
is readable"), written from those rules, for the differential test: it reads the whole file
with h5py and returns every frame the DataSource loop would give and why the loop ends. It
knows no timing: for a complete file every readable frame comes out first, then the end.
"""

from dataclasses import dataclass, field

import h5py
import numpy as np


@dataclass
class Outcome:
    frames: list = field(default_factory=list)  # [(index, [[start, stop], …], {name: array})]
    reason: str = "timeout"  # finished, complete, timeout or error
    started: bool = True  # False: refused before the start message (seq 0)
    error: str = None  # with reason "error": what went wrong
    scan_rank: int = None
    scan_shape: list = None  # [int or None]
    readable: int = 0  # leading run of the merged keys


def scan_rank_of(maxshape):
    rank = len(maxshape)
    while rank > 0 and maxshape[rank - 1] == 1:
        rank -= 1
    return rank


def readable_count(keys):
    """Index of the first zero of the merged keys (swmr_tools' product of the flattened keys)."""
    flat = [np.asarray(k).reshape(-1) for k in keys]
    if len(flat) == 1:
        merged = flat[0]
    else:
        size = max(k.size for k in flat)
        merged = np.zeros(size, dtype=np.float64)
        merged[: flat[0].size] += flat[0]
        for k in flat[1:]:
            padded = np.zeros(size, dtype=np.float64)
            padded[: k.size] = k
            with np.errstate(all="ignore"):
                merged = merged * padded
    if merged.size == 0:
        return 0
    with np.errstate(all="ignore"):
        zeros = np.flatnonzero(merged == 0)
    return int(zeros[0]) if zeros.size else int(merged.size)


def _position(index, extent):
    """np.unravel_index over `extent`, or None when `index` lies past it."""
    points = int(np.prod(extent, dtype=np.int64)) if extent else 1
    if index >= points:
        return None
    return tuple(int(p) for p in np.unravel_index(index, extent)) if extent else ()


def _block(dataset, position):
    selection = tuple(slice(p, p + 1) for p in position)
    block = np.asarray(dataset[selection] if selection else dataset[()])
    # h5py gives a scalar dataset's value in native byte order; frames carry the dtype as
    # stored, which holds the same values.
    return block.astype(dataset.dtype, copy=False)


def reference_frames(path, keys, datasets=(), interleaved=None, finished=None, timeout=None):
    """The frames and end of swmr_tools' DataSource over the complete file at `path`.

    `interleaved` is {name: [dataset paths]} in the order given; frames carry the plain
    datasets first, then the groups. `timeout` changes nothing: a complete file has every
    readable frame at once, and a run that is neither finished nor complete times out.
    """
    interleaved = dict(interleaved or {})
    outcome = Outcome()
    with h5py.File(path, "r") as f:
        # Refused at start: a missing dataset, keys of different scan rank, data of rank
        # below the scan rank.
        names = list(keys) + list(datasets) + [p for ps in interleaved.values() for p in ps]
        names += [finished] if finished else []
        for name in names:
            if name not in f or not isinstance(f[name], h5py.Dataset):
                return Outcome(reason="error", started=False, error=f"{name} is missing")
        ranks = [scan_rank_of(f[k].maxshape) for k in keys]
        if len(set(ranks)) != 1:
            return Outcome(reason="error", started=False,
                           error=f"keys of different scan ranks {ranks}")
        scan_rank = ranks[0]
        scan_shape = list(f[keys[0]].maxshape[:scan_rank])
        outcome.scan_rank, outcome.scan_shape = scan_rank, scan_shape
        for name in list(datasets) + [p for ps in interleaved.values() for p in ps]:
            if f[name].ndim < scan_rank:
                return Outcome(reason="error", started=False, scan_rank=scan_rank,
                               scan_shape=scan_shape,
                               error=f"{name} has rank {f[name].ndim} < scan rank {scan_rank}")

        n = readable_count([f[k][()] for k in keys])
        outcome.readable = n
        for index in range(n):
            data, slice_metadata = {}, None
            for name in datasets:
                ds = f[name]
                position = _position(index, ds.shape[:scan_rank])
                if position is None:
                    outcome.reason = "error"
                    outcome.error = f"frame {index} lies past the extent of {name}"
                    return outcome
                data[name] = _block(ds, position)
                if slice_metadata is None:
                    slice_metadata = [[p, p + 1] for p in position]
            for group, members in interleaved.items():
                ds = f[members[index % len(members)]]
                local = index // len(members)
                position = _position(local, ds.shape[:scan_rank])
                if position is None:
                    outcome.reason = "error"
                    outcome.error = f"frame {local} lies past the extent of {ds.name}"
                    return outcome
                data[group] = _block(ds, position)
                if slice_metadata is None:
                    # swmr_tools: an interleaved stack stands for the whole scan in its first
                    # dimension, so the frame's own index goes there, also for N == 1 and
                    # scan rank 0 (then the slice has one entry though the scan has none).
                    slice_metadata = [[p, p + 1] for p in position]
                    slice_metadata[:1] = [[index, index + 1]]
            outcome.frames.append((index, slice_metadata, data))

        total = None
        if all(size is not None for size in scan_shape):
            total = int(np.prod(scan_shape, dtype=np.int64)) if scan_shape else 1
        if total is not None and n >= total:
            # swmrd checks `complete` as soon as the readable count reaches the total,
            # before the finished flag's confirming poll.
            outcome.reason = "complete"
        elif finished is not None and f[finished].size == 1:
            value = np.asarray(f[finished][()]).reshape(-1)[0]
            with np.errstate(all="ignore"):
                set_ = bool(value != 0)
            outcome.reason = "finished" if set_ else "timeout"
        else:
            outcome.reason = "timeout"
    return outcome
