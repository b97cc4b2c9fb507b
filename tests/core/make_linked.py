"""A file whose datasets lead out of it: an external link, a soft link to one, and a
virtual dataset, beside one dataset that stays inside. Used by test_errors.cpp."""

import sys

import h5py
import numpy as np

outside, linked = sys.argv[1], sys.argv[2]
with h5py.File(outside, "w", libver="latest") as f:
    f["d"] = np.arange(12).reshape(4, 3)
with h5py.File(linked, "w", libver="latest") as f:
    f["inside"] = np.arange(12).reshape(4, 3)
    f["group/soft_inside"] = h5py.SoftLink("/inside")
    f["external"] = h5py.ExternalLink(outside, "/d")
    f["ext"] = h5py.ExternalLink(outside, "/")
    f["group/soft"] = h5py.SoftLink("/ext/d")
    f["soft_relative"] = h5py.SoftLink("ext/d")  # from the root group
    layout = h5py.VirtualLayout(shape=(4, 3), dtype="i8")
    layout[...] = h5py.VirtualSource(outside, "/d", shape=(4, 3))
    f.create_virtual_dataset("virtual", layout)
    # A virtual dataset over this same file's own data: nothing outside it is read.
    own = h5py.VirtualLayout(shape=(4, 3), dtype="i8")
    own[...] = h5py.VirtualSource(".", "/inside", shape=(4, 3))
    f.create_virtual_dataset("virtual_self", own)
    # Values stored in another file, raw (HDF5 external storage), by absolute path.
    raw = outside + ".raw"
    with open(raw, "wb") as out:
        out.write(np.arange(12, dtype="<i8").tobytes())
    f.create_dataset("external_storage", shape=(4, 3), dtype="<i8",
                     external=[(raw, 0, 12 * 8)])
