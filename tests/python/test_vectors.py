"""The client against the protocol test vectors (tests/data/proto): every data-channel header
decodes and builds the data map it describes; every control reply maps to a result or a
ControlError; every control request the client sends is the vector, byte for byte."""

import json
import threading

import msgpack
import numpy as np
import pytest
import zmq

import swmrd
from swmrd.messages import parse_message
from support import VECTORS, expected_frame

# Chunk payloads need encoding first: tested one by one below.
FILTERED = {"frame_chunk", "frame_chunk_two_filters"}


def vector(name):
    packed = (VECTORS / f"{name}.msgpack").read_bytes()
    twin = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return packed, twin


def names(prefix):
    found = sorted(p.stem for p in VECTORS.glob(f"{prefix}*.msgpack"))
    assert found, f"no {prefix}* vectors in {VECTORS}"
    return found


def message_of(name, payload=()):
    packed, _ = vector(name)
    head = msgpack.unpackb(packed)
    topic = f"{head['watch']}/{head['kind']}".encode()
    return parse_message([topic, packed, *payload])


def pattern_payload(part, dataset):
    """A payload for a raw part: the simulator's pattern in the part's dtype and shape."""
    frame = expected_frame(dataset, 3, part["shape"], part["dtype"])
    assert frame.nbytes == part["nbytes"]
    return frame


@pytest.mark.parametrize("name", [n for n in names("frame_") if n not in FILTERED])
def test_raw_frame_vectors_build_their_data_map(name):
    _, head = vector(name)
    arrays = [pattern_payload(part, d) for d, part in enumerate(head["parts"])]
    data_map = swmrd.data_map_of(message_of(name, [a.tobytes() for a in arrays]))
    assert isinstance(data_map, swmrd.SliceDict)
    assert list(data_map) == [part["path"] for part in head["parts"]]
    assert data_map.index == head["index"]
    assert data_map.slice_metadata == tuple(slice(a, b, c) for a, b, c in head["slice"])
    assert all(isinstance(s, slice) for s in data_map.slice_metadata)
    assert data_map.maxshape == tuple(head["scan_shape"])
    assert data_map.seq == head["seq"] and data_map.file == head["file"]
    for part, expected in zip(head["parts"], arrays):
        array = data_map[part["path"]]
        assert array.dtype == np.dtype(part["dtype"]) and array.shape == tuple(part["shape"])
        np.testing.assert_array_equal(array, expected)


def test_frame_raw_vector_in_detail():
    _, head = vector("frame_raw")
    data_map = swmrd.data_map_of(message_of("frame_raw", [
        expected_frame(0, 7, (1, 1, 5, 10), "<u2").tobytes(), np.float64(2.5).tobytes()]))
    assert data_map.slice_metadata == (slice(1, 2, None), slice(3, 4, None))
    assert data_map.maxshape == (3, 4)
    assert data_map["/entry/data/data"].shape == (1, 1, 5, 10)
    assert data_map["/entry/data/total"].shape == (1, 1)
    assert data_map["/entry/data/total"][0, 0] == 2.5


def test_scalar_bool_vector():
    data_map = swmrd.data_map_of(message_of("frame_scalar", [b"\x01"]))
    array = data_map["/entry/counts"]
    assert array.dtype == np.bool_ and array.shape == (1,) and array[0]
    assert data_map.maxshape == (None,)


def lz4_hdf5(raw, block=1 << 16):
    """Encodes like HDF5's LZ4 filter (32004), for building chunk payloads."""
    import lz4.block

    out = bytearray(len(raw).to_bytes(8, "big") + block.to_bytes(4, "big"))
    for start in range(0, len(raw), block):
        piece = raw[start:start + block]
        packed = lz4.block.compress(piece, store_size=False)
        if len(packed) >= len(piece):
            packed = piece
        out += len(packed).to_bytes(4, "big") + packed
    return bytes(out)


def test_chunk_vector_with_two_filters():
    blosc = pytest.importorskip("blosc")
    _, head = vector("frame_chunk_two_filters")
    part = head["parts"][0]
    assert [f for f, _ in part["filters"]] == [32001, 32004]
    raw = expected_frame(0, 2, part["shape"], part["dtype"])
    # HDF5 applied Blosc, then LZ4: the client undoes LZ4, then Blosc.
    payload = lz4_hdf5(blosc.compress(raw.tobytes(), typesize=4))
    data_map = swmrd.data_map_of(message_of("frame_chunk_two_filters", [payload]))
    np.testing.assert_array_equal(data_map["/entry/data/data"], raw)
    assert data_map["/entry/data/data"].flags.writeable


def bitshuffle_lz4(array, block=2048):
    """Encodes like the Bitshuffle filter in LZ4 mode (32008), for building chunk payloads."""
    import lz4.block

    count, size = array.size, array.itemsize
    raw = np.frombuffer(array.tobytes(), dtype=np.uint8).reshape(count, size)
    out = bytearray((count * size).to_bytes(8, "big") + (block * size).to_bytes(4, "big"))
    for start in range(0, count - count % 8, block):
        elements = raw[start:min(start + block, count - count % 8)]
        bits = np.unpackbits(elements, axis=1, bitorder="little")
        shuffled = np.packbits(bits.T, axis=1, bitorder="little").tobytes()
        packed = lz4.block.compress(shuffled, store_size=False)
        out += len(packed).to_bytes(4, "big") + packed
    out += raw[count - count % 8:].tobytes()
    return bytes(out)


def test_chunk_vector_bitshuffle():
    _, head = vector("frame_chunk")
    part = head["parts"][0]
    assert part["filters"] == [[32008, [0, 3, 4, 0, 2]]]
    values = (np.arange(512 * 1028, dtype=np.uint32) * 2654435761 % 1000).astype("<u4")
    values = values.reshape(part["shape"])
    message = message_of("frame_chunk", [bitshuffle_lz4(values), np.float64(0.1).tobytes()])
    data_map = swmrd.data_map_of(message)
    np.testing.assert_array_equal(data_map["/entry/instrument/detector/data"], values)
    assert data_map["/entry/instrument/detector/count_time"][0] == 0.1
    assert data_map.maxshape == (None,) and data_map.index == 17


@pytest.mark.parametrize("name", names("start_"))
def test_start_vectors(name):
    _, head = vector(name)
    message = message_of(name)
    assert message.kind == "start" and message.topic == f"{head['watch']}/start"
    assert message.header == head
    assert swmrd.messages.maxshape_of(message.header) == tuple(head["scan_shape"])


@pytest.mark.parametrize("name", names("end_") + ["heartbeat"])
def test_end_and_heartbeat_vectors(name):
    _, head = vector(name)
    message = message_of(name)
    assert message.header == head and message.payload == []
    if name.startswith("end_"):
        assert head["reason"] in swmrd.datasource.END_REASONS
        if head["reason"] == "error":
            error = swmrd.RunError(head["watch"], head)
            assert head["error"] in str(error) and error.message == head["error"]


# -- control vectors, through a fake control endpoint --------------------------------------


class FakeControl:
    """A REP socket in a thread: records each request and answers with the next reply."""

    def __init__(self, replies):
        self.socket = zmq.Context.instance().socket(zmq.REP)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind("tcp://127.0.0.1:*")
        self.endpoint = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self.replies = list(replies)
        self.requests = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        for reply in self.replies:
            if not self.socket.poll(10000):
                return
            self.requests.append(self.socket.recv())
            self.socket.send(reply)

    def close(self):
        self.thread.join(timeout=15)
        self.socket.close()


def call(replies, action):
    fake = FakeControl([vector(name)[0] for name in replies])
    control = swmrd.Control(fake.endpoint, timeout=10)
    try:
        return action(control), fake.requests
    finally:
        control.close()
        fake.close()


class Pairs(list):
    pass


def ordered(packed):
    return msgpack.unpackb(packed, object_pairs_hook=Pairs)


REQUESTS = {
    "request_ping": lambda c: c.ping(),
    "request_list": lambda c: c.list(),
    "request_status": lambda c: c.status("det1"),
    "request_stop": lambda c: c.stop("det1"),
    "request_start": lambda c: c.start(
        "det1", "/data/scan-*.h5", keys=["/entry/keys/uid"],
        datasets=["/entry/data/data", "/entry/data/total"], finished="/entry/finished",
        timeout="10s", encoding="chunk", from_="latest"),
    "request_start_interleaved": lambda c: c.start(
        "odin", "/data/odin/run_7.h5",
        keys=["/entry/odin1/uid", "/entry/odin2/uid", "/entry/odin3/uid"],
        interleaved={"data": ["/entry/odin1/data", "/entry/odin2/data", "/entry/odin3/data"]},
        timeout=30, encoding="raw", from_="start"),
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_requests_match_their_vectors(name):
    reply = "reply_start" if name.startswith("request_start") else "reply_" + name[8:]
    _, requests = call([reply], REQUESTS[name])
    packed, _ = vector(name)
    assert ordered(requests[0]) == ordered(packed)  # same keys, order and values


def test_replies_become_results():
    _, ping = vector("reply_ping")
    assert call(["reply_ping"], lambda c: c.ping())[0] == {
        k: v for k, v in ping.items() if k != "ok"}
    _, listed = vector("reply_list")
    assert call(["reply_list"], lambda c: c.list())[0] == listed["watches"]
    assert call(["reply_list_empty"], lambda c: c.list())[0] == []
    _, status = vector("reply_status")
    assert call(["reply_status"], lambda c: c.status("det1"))[0] == status["watch"]
    assert call(["reply_stop"], lambda c: c.stop("det1"))[0] == {"watch": "det1", "frames": 7}
    assert call(["reply_start"], REQUESTS["request_start"])[0] == "det1"


@pytest.mark.parametrize("name", names("reply_error_"))
def test_error_replies_raise_control_error(name):
    _, reply = vector(name)
    with pytest.raises(swmrd.ControlError) as caught:
        call([name], lambda c: c.status("det1"))
    error = caught.value
    assert error.code == reply["error"]["code"] == name[len("reply_error_"):]
    assert error.message == reply["error"]["message"]
    assert error.command == "status" and error.message in str(error)


@pytest.mark.parametrize("name", ["fetched_ok", "fetched_gone"])
def test_fetched_vectors(name):
    packed, twin = vector(name)
    message = message_of(name)
    assert message.kind == "fetched" and message.header == twin
    assert message.topic == f"{twin['watch']}/fetched"
    assert ("error" in twin) == (twin["ok"] is False)


def test_fetch_request_vector_has_the_fields_the_client_sends():
    packed, twin = vector("fetch_request")
    assert msgpack.unpackb(packed, raw=False) == twin
    assert {"cmd", "id", "watch", "run", "from", "count"} <= set(twin) and twin["cmd"] == "fetch"
