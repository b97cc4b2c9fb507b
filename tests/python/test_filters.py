"""Chunk decoding against chunks HDF5 itself wrote: h5py files with the filters detectors use,
their raw chunks read with read_direct_chunk, decoded by swmrd.filters and compared with what
h5py reads through HDF5's own pipeline."""

import msgpack
import numpy as np
import pytest

import swmrd
from support import REPO
from swmrd import filters

h5py = pytest.importorskip("h5py")
hdf5plugin = pytest.importorskip("hdf5plugin")

SHAPE = (3, 64, 50)
CHUNK = (1, 64, 50)


def frames(dtype):
    rng = np.random.default_rng(5)
    data = (np.arange(np.prod(SHAPE)) // 7 % 10).reshape(SHAPE).astype(dtype)
    # Noise in the last frame: some LZ4 blocks do not shrink and are stored as they are.
    data[2, 30:] = rng.integers(0, 100, size=(34, 50)).astype(dtype)
    return data


PIPELINES = {
    "lz4": lambda: hdf5plugin.LZ4(nbytes=1000),
    "lz4-default-blocks": lambda: hdf5plugin.LZ4(),
    "blosc-lz4-shuffle": lambda: hdf5plugin.Blosc(cname="lz4", clevel=5,
                                                  shuffle=hdf5plugin.Blosc.SHUFFLE),
    "blosc-zstd-bitshuffle": lambda: hdf5plugin.Blosc(cname="zstd", clevel=3,
                                                      shuffle=hdf5plugin.Blosc.BITSHUFFLE),
    "deflate-shuffle-fletcher32": lambda: dict(compression="gzip", shuffle=True,
                                               fletcher32=True),
}


@pytest.fixture(scope="module")
def chunk_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("filters") / "chunks.h5"
    with h5py.File(path, "w") as f:
        for name, options in PIPELINES.items():
            for dtype in ("<u2", "<i4", ">f8"):
                f.create_dataset(f"{name}/{dtype}", data=frames(dtype), chunks=CHUNK,
                                 **options())
    return path


def chunks(path, name, dtype):
    with h5py.File(path, "r") as f:
        dataset = f[f"{name}/{dtype}"]
        plist = dataset.id.get_create_plist()
        pipeline = [[plist.get_filter(i)[0], list(plist.get_filter(i)[2])]
                    for i in range(plist.get_nfilters())]
        for index in range(SHAPE[0]):
            _, chunk = dataset.id.read_direct_chunk((index, 0, 0))
            yield pipeline, chunk, dataset[index:index + 1]


@pytest.mark.parametrize("dtype", ["<u2", "<i4", ">f8"])
@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_python_decoders_match_hdf5(chunk_file, name, dtype):
    for pipeline, chunk, expected in chunks(chunk_file, name, dtype):
        assert all(filters._python_decoder(f) for f, _ in pipeline), pipeline
        array = swmrd.decode_chunk(chunk, pipeline, dtype, CHUNK)
        assert array.dtype == np.dtype(dtype) and array.shape == CHUNK
        assert array.flags.writeable
        np.testing.assert_array_equal(array, expected)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_hdf5_fallback_matches(chunk_file, name, monkeypatch):
    # As if no Python decoder were installed: HDF5's own plugins decode through h5py.
    monkeypatch.setattr(filters, "_python_decoder", lambda filter_id: None)
    for pipeline, chunk, expected in chunks(chunk_file, name, "<i4"):
        np.testing.assert_array_equal(swmrd.decode_chunk(chunk, pipeline, "<i4", CHUNK),
                                      expected)


def test_no_decoder_anywhere_names_the_filter_and_what_to_install(chunk_file, monkeypatch):
    monkeypatch.setattr(filters, "_python_decoder", lambda filter_id: None)
    monkeypatch.setattr(filters._hdf5, "decode", lambda *args: None)
    pipeline, chunk, _ = next(chunks(chunk_file, "lz4", "<u2"))
    with pytest.raises(swmrd.FilterUnavailable) as caught:
        swmrd.decode_chunk(chunk, pipeline, "<u2", CHUNK)
    assert caught.value.filter_id == 32004
    assert "filter 32004: LZ4; install python3-lz4" in str(caught.value)


def test_unregistered_filter():
    with pytest.raises(swmrd.FilterUnavailable, match="filter 32999: unregistered") as caught:
        swmrd.decode_chunk(b"\0" * 16, [[32999, [1, 2]]], "<u2", (1, 8))
    assert caught.value.filter_id == 32999


def test_corrupt_chunk_is_a_protocol_error(chunk_file):
    pipeline, chunk, _ = next(chunks(chunk_file, "deflate-shuffle-fletcher32", "<u2"))
    with pytest.raises(swmrd.ProtocolError, match="filter 1 \\(deflate\\)"):
        swmrd.decode_chunk(chunk[:20], pipeline, "<u2", CHUNK)


def test_wrong_decoded_size_is_a_protocol_error(chunk_file):
    pipeline, chunk, _ = next(chunks(chunk_file, "lz4", "<u2"))
    with pytest.raises(swmrd.ProtocolError, match="decoded to 6400 bytes, expected 12800"):
        swmrd.decode_chunk(chunk, pipeline, "<u2", (1, 64, 100))


def bitshuffle_reference_chunks():
    path = REPO / "tests" / "python" / "data" / "bitshuffle_chunks.msgpack"
    return msgpack.unpackb(path.read_bytes())


@pytest.mark.parametrize("module", [False, True], ids=["numpy", "bitshuffle-module"])
def test_bitshuffle_matches_the_reference_filter(module, monkeypatch):
    # Chunks the real Bitshuffle HDF5 filter wrote (data/make_bitshuffle_chunks.py): LZ4 and
    # uncompressed modes, several block sizes, element counts not a multiple of 8.
    if module:
        pytest.importorskip("bitshuffle")
    else:
        monkeypatch.setitem(filters._available, "bitshuffle", False)
    entries = bitshuffle_reference_chunks()
    assert len(entries) == 8
    for entry in entries:
        assert entry["filters"][0][0] == 32008
        array = swmrd.decode_chunk(entry["chunk"], entry["filters"], entry["dtype"],
                                   entry["shape"])
        expected = np.frombuffer(entry["values"], dtype=entry["dtype"]).reshape(entry["shape"])
        np.testing.assert_array_equal(array, expected)
        assert array.dtype == expected.dtype


def test_bitshuffle_without_lz4_names_the_filter(monkeypatch):
    monkeypatch.setitem(filters._available, "lz4.block", False)
    monkeypatch.setattr(filters._hdf5, "decode", lambda *args: None)
    entry = bitshuffle_reference_chunks()[0]
    with pytest.raises(swmrd.FilterUnavailable, match="filter 32008: Bitshuffle; install "
                                                      "python3-lz4") as caught:
        swmrd.decode_chunk(entry["chunk"], entry["filters"], entry["dtype"], entry["shape"])
    assert caught.value.filter_id == 32008
