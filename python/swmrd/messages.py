"""docs/protocol.md's data channel as Python values: a multipart message into a Message, a frame
into a SliceDict of NumPy arrays."""

import msgpack
import numpy as np

from .errors import ProtocolError
from .filters import decode_chunk

PROTOCOL_VERSION = 1
KINDS = ("start", "frame", "end", "heartbeat")


class SliceDict(dict):
    """One frame: ``data_map[path]`` is the frame of each dataset as a NumPy array, like
    swmr_tools' SliceDict, with the frame's position in the scan.

    ``slice_metadata``: a tuple of slices, one per scan dimension, e.g.
    ``(slice(0, 1, None), slice(1, 2, None))``; ``maxshape``: the scan's max shape, None
    where unlimited; ``index``: the flat index of the scan point. ``header`` is the frame's
    whole header (``seq``, ``run``, ``file``, ``time``…).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slice_metadata = None
        self.maxshape = None
        self.index = None
        self.header = None

    @property
    def seq(self):
        return self.header["seq"] if self.header else None

    @property
    def file(self):
        return self.header["file"] if self.header else None


class Message:
    """One message of the data channel: ``topic``, ``header`` (a dict) and ``payload`` (the
    remaining parts, zmq.Frame or bytes)."""

    __slots__ = ("topic", "header", "payload")

    def __init__(self, topic, header, payload):
        self.topic = topic
        self.header = header
        self.payload = payload

    @property
    def kind(self):
        return self.header["kind"]

    @property
    def watch(self):
        return self.header["watch"]

    def __repr__(self):
        return f"<Message {self.topic} seq={self.header.get('seq')}>"


def _bytes_of(part):
    # zmq.Frame (received with copy=False) exposes its buffer without a copy.
    return part.buffer if hasattr(part, "buffer") else part


def unpack_header(data):
    try:
        header = msgpack.unpackb(bytes(data), raw=False, strict_map_key=True)
    except Exception as error:
        raise ProtocolError(f"header is not MessagePack: {error}") from error
    if not isinstance(header, dict):
        raise ProtocolError(f"header is a {type(header).__name__}, not a map")
    return header


def parse_message(parts):
    """A received multipart message (a list of zmq.Frame or bytes) as a Message."""
    if len(parts) < 2:
        raise ProtocolError(f"a message has a topic and a header; got {len(parts)} part(s)")
    topic = bytes(_bytes_of(parts[0])).decode("utf-8", "replace")
    header = unpack_header(_bytes_of(parts[1]))
    version = header.get("v")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"{topic}: protocol version {version!r}; this client speaks "
                            f"version {PROTOCOL_VERSION}")
    for key in ("kind", "watch", "seq"):
        if key not in header:
            raise ProtocolError(f"{topic}: header has no {key!r}")
    return Message(topic, header, list(parts[2:]))


def slices_of(header):
    """``slice`` of a frame header as swmr_tools' slice_metadata: a tuple of slices."""
    return tuple(slice(start, stop, step) for start, stop, step in header["slice"])


def maxshape_of(header):
    """``scan_shape`` as a tuple, None where unlimited (h5py's maxshape convention)."""
    return tuple(None if n is None else int(n) for n in header["scan_shape"])


def part_array(part, payload, copy=False, decode=True):
    """The NumPy array of one payload part, described by ``part`` (an entry of ``parts``).

    A raw part is a writable view of the received message, without a copy, unless ``copy``
    (or the buffer is read-only); a chunk part is decoded into a new array, or with
    ``decode=False`` left as it is: a 1-D uint8 array of the stored chunk.
    """
    dtype = np.dtype(part["dtype"])
    shape = tuple(part["shape"])
    nbytes = part["nbytes"]
    data = _bytes_of(payload)
    encoding = part["encoding"]
    if encoding == "raw":
        if len(data) != nbytes:
            raise ProtocolError(f"{part['path']}: payload is {len(data)} bytes, header says "
                                f"{nbytes}")
        array = np.frombuffer(data, dtype=dtype).reshape(shape)
        return array.copy() if copy or not array.flags.writeable else array
    if encoding == "chunk":
        if not decode:
            array = np.frombuffer(data, dtype=np.uint8)
            return array.copy() if copy or not array.flags.writeable else array
        return decode_chunk(data, part.get("filters", []), dtype, shape, nbytes)
    raise ProtocolError(f"{part['path']}: unknown encoding {encoding!r}")


def data_map_of(message, copy=False, decode=True):
    """A frame message as a SliceDict (``copy`` and ``decode``: see part_array)."""
    header = message.header
    parts = header["parts"]
    if len(parts) != len(message.payload):
        raise ProtocolError(f"{message.topic}: header lists {len(parts)} parts, message has "
                            f"{len(message.payload)}")
    data_map = SliceDict()
    for part, payload in zip(parts, message.payload):
        data_map[part["path"]] = part_array(part, payload, copy, decode)
    data_map.slice_metadata = slices_of(header)
    data_map.maxshape = maxshape_of(header)
    data_map.index = header["index"]
    data_map.header = header
    return data_map
