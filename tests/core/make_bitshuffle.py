"""Writes /entry/data/data with Bitshuffle (HDF5 filter 32008) in its filter pipeline, as
Eiger and odin-data files have it, and the stored chunks byte for byte beside it.

Usage: make_bitshuffle.py FILE.h5 CHUNKS.bin
CHUNKS.bin holds, per frame, the chunk's size (8 bytes, little-endian) then its bytes.

Where h5py can load the Bitshuffle plugin (hdf5plugin built with it), HDF5 encodes the
chunks itself. Where it cannot (Debian's hdf5plugin does not ship it), the pipeline entry is
set optional and each chunk is written with write_direct_chunk, holding the Bitshuffle
transform of the frame (the filter's format with compression off: cd_values[4] == 0).
Either way the core's HDF5, without the plugin, cannot decode the data.
"""
import sys

import h5py
import numpy as np

try:
    import hdf5plugin  # noqa: F401  (registers the plugins it was built with)
except ImportError:
    hdf5plugin = None

BITSHUFFLE = 32008
FRAMES, SHAPE, DTYPE = 4, (8, 16), np.dtype("<u2")


def bitshuffle(frame):
    """Bit transpose of one block: for each bit of each byte of an element, that bit of
    every element, eight elements per output byte, least significant bit first."""
    elements = np.frombuffer(frame.tobytes(), np.uint8).reshape(frame.size, frame.itemsize)
    bits = np.unpackbits(elements, axis=1, bitorder="little")
    return np.packbits(bits.T, axis=1, bitorder="little").tobytes()


def main(path, chunks_path):
    frames = (np.arange(FRAMES * SHAPE[0] * SHAPE[1]) * 7 % 32749).astype(DTYPE)
    frames = frames.reshape((FRAMES,) + SHAPE)
    with h5py.File(path, "w", libver="latest") as f:
        if h5py.h5z.filter_avail(BITSHUFFLE) and hdf5plugin is not None:
            dset = f.create_dataset("entry/data/data", data=frames, chunks=(1,) + SHAPE,
                                    **hdf5plugin.Bitshuffle(nelems=0))
        else:
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_chunk((1,) + SHAPE)
            dcpl.set_filter(BITSHUFFLE, h5py.h5z.FLAG_OPTIONAL, (0, 3, DTYPE.itemsize, 0, 0))
            space = h5py.h5s.create_simple((FRAMES,) + SHAPE)
            f.require_group("entry/data")
            dsid = h5py.h5d.create(f.id, b"entry/data/data", h5py.h5t.STD_U16LE, space,
                                   dcpl=dcpl)
            dset = h5py.Dataset(dsid)
            for i in range(FRAMES):
                dset.id.write_direct_chunk((i, 0, 0), bitshuffle(frames[i]))
        keys = f.create_dataset("entry/keys/uid", data=np.arange(1, FRAMES + 1, dtype="<i4"))
        assert keys.shape == (FRAMES,)
        with open(chunks_path, "wb") as out:
            for i in range(FRAMES):
                _, chunk = dset.id.read_direct_chunk((i, 0, 0))
                out.write(len(chunk).to_bytes(8, "little"))
                out.write(chunk)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
