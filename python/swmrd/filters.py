"""Decoding of ``encoding: chunk`` payloads: one HDF5 chunk, byte for byte as stored, still
encoded by the dataset's filter pipeline.

Filters are undone in the reverse of the order HDF5 applied them (the order of ``filters``).
Each filter is decoded in Python where a decoder is importable (zlib, NumPy, python3-lz4,
python3-blosc; Bitshuffle with the ``bitshuffle`` module of Debian's bitshuffle package, or
NumPy and python3-lz4 without it); a pipeline with any other filter is handed whole to
HDF5 itself through h5py (an in-memory file, the chunk written with ``write_direct_chunk``),
which decodes whatever filter plugin HDF5 can load. Where neither works, FilterUnavailable
names the filter.
"""

import itertools
import threading
import zlib

import numpy as np

from .errors import FilterUnavailable, ProtocolError

FILTER_NAMES = {
    1: "deflate",
    2: "shuffle",
    3: "fletcher32",
    4: "szip",
    5: "nbit",
    6: "scaleoffset",
    307: "BZip2",
    32001: "Blosc",
    32004: "LZ4",
    32008: "Bitshuffle",
    32013: "ZFP",
    32015: "Zstandard",
    32017: "SZ",
}

# What to install for the filters users meet most, in the error message.
_HINTS = {
    32001: "install python3-blosc",
    32004: "install python3-lz4",
    32008: "install python3-lz4 (or Debian's bitshuffle package, faster)",
}


def filter_name(filter_id):
    return FILTER_NAMES.get(filter_id, "unregistered")


def _be(buffer, start, size):
    return int.from_bytes(buffer[start:start + size], "big")


def _deflate(data, cd_values, itemsize):
    return zlib.decompress(data)


def _shuffle(data, cd_values, itemsize):
    # HDF5's byte shuffle: byte k of every element, for k = 0..size-1; a tail shorter than
    # one element is stored as is.
    size = cd_values[0] if cd_values else itemsize
    count = len(data) // size
    if size <= 1 or count <= 1:
        return data
    body = np.frombuffer(data, dtype=np.uint8, count=count * size)
    return body.reshape(size, count).T.tobytes() + bytes(data[count * size:])


def _fletcher32(data, cd_values, itemsize):
    # The checksum is the chunk's last 4 bytes; the transport is checked by TCP already.
    return data[:-4]


def _lz4(data, cd_values, itemsize):
    import lz4.block

    # HDF5's LZ4 framing (H5Zlz4.c): big-endian total size (8 bytes) and block size (4),
    # then per block its compressed size (4) and bytes; a block that did not shrink is
    # stored uncompressed.
    data = memoryview(data)
    total = _be(data, 0, 8)
    block = _be(data, 8, 4)
    out = bytearray(total)
    position, done = 12, 0
    while done < total:
        expected = min(block, total - done)
        stored = _be(data, position, 4)
        position += 4
        if stored == expected:
            out[done:done + expected] = data[position:position + stored]
        else:
            out[done:done + expected] = lz4.block.decompress(
                data[position:position + stored], uncompressed_size=expected)
        position += stored
        done += expected
    return out


def _blosc(data, cd_values, itemsize):
    import blosc

    # The HDF5 Blosc filter stores one Blosc frame, header included.
    return blosc.decompress(bytes(data))


def _bitshuffle_settings(cd_values, itemsize):
    # cd_values: major, minor, element size, block size (elements, 0: default), compression
    # (0 none, 2 LZ4, 3 Zstandard).
    elem_size = cd_values[2] if len(cd_values) > 2 and cd_values[2] else itemsize
    block_size = cd_values[3] if len(cd_values) > 3 else 0
    compression = cd_values[4] if len(cd_values) > 4 else 0
    return elem_size, block_size, compression


def _bitshuffle_module(data, cd_values, itemsize):
    import bitshuffle

    elem_size, block_size, compression = _bitshuffle_settings(cd_values, itemsize)
    element = np.dtype(f"u{elem_size}") if elem_size in (1, 2, 4, 8) else np.dtype(
        f"V{elem_size}")
    if compression == 0:
        return bitshuffle.bitunshuffle(np.frombuffer(data, dtype=element), block_size).tobytes()
    # Compressed: a 12-byte header with the decoded size and the block size in bytes.
    total = _be(data, 0, 8)
    block_size = _be(data, 8, 4) // elem_size
    body = np.frombuffer(data, dtype=np.uint8, offset=12)
    if compression == 2:
        decoded = bitshuffle.decompress_lz4(body, (total // elem_size,), element, block_size)
    elif compression == 3:
        decoded = bitshuffle.decompress_zstd(body, (total // elem_size,), element, block_size)
    else:
        raise FilterUnavailable(32008, f"Bitshuffle compression {compression} is unknown")
    return decoded.tobytes()


def _bit_untranspose(block, count, elem_size):
    """Undoes Bitshuffle's transform of one block of ``count`` elements (a multiple of 8):
    row 8*b + k holds bit k of byte b of every element, least significant bit first."""
    rows = np.frombuffer(block, dtype=np.uint8).reshape(elem_size * 8, count // 8)
    bits = np.unpackbits(rows, axis=1, bitorder="little")
    return np.packbits(bits.T, axis=1, bitorder="little").tobytes()


def _bitshuffle_numpy(data, cd_values, itemsize):
    """Bitshuffle (32008) with NumPy, and python3-lz4 for its LZ4 mode: slower than the
    bitshuffle module, for where that is not installed."""
    elem_size, block_size, compression = _bitshuffle_settings(cd_values, itemsize)
    data = memoryview(data)
    if compression == 0:
        total = len(data)
        if not block_size:
            # bitshuffle's default: about 8 KiB, a multiple of 8 elements, at least 128.
            block_size = max(8192 // elem_size // 8 * 8, 128)
    elif compression == 2:
        import lz4.block

        total = _be(data, 0, 8)
        block_size = _be(data, 8, 4) // elem_size
        data = data[12:]
    else:
        raise FilterUnavailable(32008, f"Bitshuffle compression {compression}: only LZ4 is "
                                       "decoded without the bitshuffle module")
    count = total // elem_size
    out = bytearray()
    position = 0
    blocks = [block_size] * (count // block_size)
    if count % block_size >= 8:
        blocks.append(count % block_size // 8 * 8)
    for elements in blocks:
        size = elements * elem_size
        if compression == 2:
            stored = _be(data, position, 4)
            block = lz4.block.decompress(data[position + 4:position + 4 + stored],
                                         uncompressed_size=size)
            position += 4 + stored
        else:
            block = data[position:position + size]
            position += size
        out += _bit_untranspose(block, elements, elem_size)
    # The last count % 8 elements are stored as they are.
    out += data[position:position + (count % 8) * elem_size]
    return out


def _bitshuffle(data, cd_values, itemsize):
    if _module_available("bitshuffle"):
        return _bitshuffle_module(data, cd_values, itemsize)
    return _bitshuffle_numpy(data, cd_values, itemsize)


# Each filter's decoder and the module it cannot do without (None: NumPy and zlib suffice).
# Bitshuffle uses the bitshuffle module where installed, NumPy and python3-lz4 otherwise.
_PYTHON_DECODERS = {
    1: (_deflate, None),
    2: (_shuffle, None),
    3: (_fletcher32, None),
    32001: (_blosc, "blosc"),
    32004: (_lz4, "lz4.block"),
    32008: (_bitshuffle, "lz4.block"),
}

_available = {}


def _module_available(module):
    if module not in _available:
        try:
            __import__(module)
            _available[module] = True
        except ImportError:
            _available[module] = False
    return _available[module]


def _python_decoder(filter_id):
    """The decoder of a filter if the modules it needs import, else None."""
    if filter_id not in _PYTHON_DECODERS:
        return None
    decoder, module = _PYTHON_DECODERS[filter_id]
    return decoder if module is None or _module_available(module) else None


class _Hdf5Decoder:
    """Decodes a pipeline with HDF5's own filters: an in-memory file per pipeline, dtype and
    shape, reused for every chunk of that kind."""

    _names = itertools.count()

    def __init__(self):
        self._datasets = {}
        self._lock = threading.Lock()

    def decode(self, chunk, filters, dtype, shape):
        try:
            import h5py
        except ImportError:
            return None
        try:
            import hdf5plugin  # noqa: F401  registers the plugins it ships, where it has any
        except ImportError:
            pass
        key = (tuple((f, tuple(cd)) for f, cd in filters), dtype.str, tuple(shape))
        with self._lock:
            dataset = self._datasets.get(key)
            if dataset is None:
                dataset = self._create(h5py, filters, dtype, shape)
                self._datasets[key] = dataset
            try:
                dataset.id.write_direct_chunk((0,) * len(shape), bytes(chunk))
                return dataset[...]
            except Exception as error:  # HDF5 names the filter it could not apply
                del self._datasets[key]
                missing = [f for f, _ in filters if not h5py.h5z.filter_avail(f)]
                filter_id = missing[0] if missing else filters[-1][0]
                raise FilterUnavailable(filter_id, _explain(filter_id, f"HDF5: {error}"))

    @classmethod
    def _create(cls, h5py, filters, dtype, shape):
        name = f"swmrd-chunk-decoder-{next(cls._names)}"
        file = h5py.File(name, "w", driver="core", backing_store=False)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk(tuple(shape))
        for filter_id, cd_values in filters:
            dcpl.set_filter(filter_id, h5py.h5z.FLAG_OPTIONAL, tuple(cd_values))
        space = h5py.h5s.create_simple(tuple(shape))
        type_id = h5py.h5t.py_create(dtype)
        dataset_id = h5py.h5d.create(file.id, b"chunk", type_id, space, dcpl=dcpl)
        return h5py.Dataset(dataset_id)


_hdf5 = _Hdf5Decoder()


def _explain(filter_id, detail):
    text = f"{filter_name(filter_id)}"
    if filter_id in _HINTS:
        text += f"; {_HINTS[filter_id]}"
    return f"{text} ({detail})"


def decode_chunk(chunk, filters, dtype, shape, nbytes=None):
    """The array held by one HDF5 chunk (a new, writable array).

    ``chunk`` is the payload (bytes-like), ``filters`` the part's ``[[filter_id, [cd…]], …]``
    in the order HDF5 applied them, ``dtype`` and ``shape`` the part's. Raises
    FilterUnavailable naming the first filter that cannot be decoded.
    """
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    if nbytes is None:
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    filters = [(int(f), [int(v) for v in cd]) for f, cd in filters]
    decoders = [_python_decoder(f) for f, _ in filters]
    if all(decoders):
        data = chunk
        for (filter_id, cd_values), decoder in zip(reversed(filters), reversed(decoders)):
            try:
                data = decoder(data, cd_values, dtype.itemsize)
            except FilterUnavailable:
                raise
            except Exception as error:
                raise ProtocolError(f"chunk does not decode with filter {filter_id} "
                                    f"({filter_name(filter_id)}): {error}") from error
        if len(data) != nbytes:
            raise ProtocolError(f"chunk decoded to {len(data)} bytes, expected {nbytes}")
        array = np.frombuffer(data, dtype=dtype).reshape(shape)
        # Decoders returning bytes give a read-only view: arrays are always writable.
        return array if array.flags.writeable else array.copy()
    array = _hdf5.decode(chunk, filters, dtype, shape)
    if array is None:
        filter_id = next(f for (f, _), d in zip(filters, decoders) if d is None)
        raise FilterUnavailable(filter_id, _explain(
            filter_id, "no Python decoder, and h5py is not installed to let HDF5 decode it"))
    return array
