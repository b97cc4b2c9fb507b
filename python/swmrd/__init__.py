"""Python client of swmrd, the service that streams the frames of live SWMR HDF5 files over
ZeroMQ (docs/protocol.md).

    import swmrd

    ds = swmrd.DataSource("tcp://127.0.0.1:5556", watch="det1")
    for data_map in ds:
        print(data_map.slice_metadata, data_map["/entry/data/data"].shape)
    print(ds.end_reason)

    control = swmrd.Control("tcp://127.0.0.1:5555")
    control.ping()

A DataSource repairs gaps through the daemon's fetch endpoint (``repair=True``), can take a
run in progress with its history (``history=True``); PullSource reads a run through the
fetch endpoint alone; Fetcher is the fetch channel itself.
"""

from .control import Control
from .datasource import DataSource, runs
from .errors import (ControlError, ControlTimeout, FetchError, FilterUnavailable,
                     MissedFrames, ProtocolError, RunError, RunInterrupted, SwmrdError, Timeout)
from .fetch import FetchAnswer, Fetcher, resolve_fetch_endpoint
from .filters import decode_chunk
from .messages import Message, SliceDict, data_map_of, parse_message
from .pull import PullSource, fetch_endpoint_of
from .writing import append_data, create_dataset

__version__ = "0.1.0"
PROTOCOL_VERSION = 1

__all__ = [
    "Control", "ControlError", "ControlTimeout", "DataSource", "FetchAnswer", "FetchError",
    "Fetcher", "FilterUnavailable", "Message", "MissedFrames", "ProtocolError", "PullSource",
    "RunError", "RunInterrupted", "SliceDict", "SwmrdError", "Timeout", "append_data",
    "create_dataset", "data_map_of", "decode_chunk", "fetch_endpoint_of", "parse_message",
    "resolve_fetch_endpoint", "runs",
]
