"""Prints NumPy's str() of every array in a cases file, for tools.numpy_format's comparison.

Each line of the file: dtype, shape (comma-separated, "-" for none), data in hex ("-" for
none). Each output is followed by a line holding a single ASCII record separator.
"""

import sys

import numpy as np

with open(sys.argv[1]) as cases:
    for line in cases:
        dtype, shape, data = line.split()
        shape = tuple(int(d) for d in shape.split(",")) if shape != "-" else ()
        raw = bytes.fromhex(data) if data != "-" else b""
        array = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape)
        sys.stdout.write(str(array) + "\n\x1e\n")
