"""Writes bitshuffle_chunks.msgpack: HDF5 chunks encoded by the real Bitshuffle filter (32008),
so the client's own decoder is checked against the reference implementation on machines
without it.

Made with the serial HDF5 plugin of Debian bookworm's `bitshuffle` package (0.3.5):
    HDF5_PLUGIN_PATH=<dir of libh5bshuf.so> /usr/bin/python3 make_bitshuffle_chunks.py OUT

Each entry: dtype, shape (the chunk's), filters (as HDF5 reports the pipeline), chunk (the
stored bytes), values (the decoded array's bytes, C order).
"""
import sys

import h5py
import msgpack
import numpy as np

CASES = [  # dtype, frame shape, block size (0: default), compression (0 none, 2 LZ4)
    ("<u2", (32, 40), 0, 2),
    ("<u4", (64, 50), 0, 2),
    ("<i4", (7, 13), 0, 2),  # 91 elements: 3 past the last multiple of 8, stored as they are
    ("<u1", (40, 41), 64, 2),  # several blocks, the last one shorter
    (">u4", (16, 16), 0, 2),
    ("<f8", (5, 9), 0, 0),
    ("<u2", (100, 90), 0, 0),  # uncompressed with the default block size: several blocks
    ("<u2", (30, 30), 256, 0),
]


def main(out_path):
    if not h5py.h5z.filter_avail(32008):
        sys.exit("HDF5 cannot load the Bitshuffle plugin: set HDF5_PLUGIN_PATH")
    rng = np.random.default_rng(2024)
    entries = []
    with h5py.File("bitshuffle.h5", "w", driver="core", backing_store=False) as f:
        for number, (dtype, shape, block, compression) in enumerate(CASES):
            values = (rng.poisson(3, size=(1, *shape)) * 37 % 2000).astype(dtype)
            dataset = f.create_dataset(str(number), data=values, chunks=values.shape,
                                       compression=32008, compression_opts=(block, compression))
            plist = dataset.id.get_create_plist()
            filters = [[plist.get_filter(i)[0], list(plist.get_filter(i)[2])]
                       for i in range(plist.get_nfilters())]
            _, chunk = dataset.id.read_direct_chunk((0,) * values.ndim)
            entries.append({"dtype": np.dtype(dtype).str, "shape": list(values.shape),
                            "filters": filters, "chunk": bytes(chunk),
                            "values": values.tobytes()})
    with open(out_path, "wb") as out:
        out.write(msgpack.packb(entries, use_bin_type=True))


if __name__ == "__main__":
    main(sys.argv[1])
