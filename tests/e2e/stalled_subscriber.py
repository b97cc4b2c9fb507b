"""A subscriber in a process of its own that a test stops with SIGSTOP: subscribes to
everything, prints "ready" once a heartbeat proves its subscription reached the daemon, then
reads and discards until it is stopped or killed. A small receive buffer makes its stall
reach the daemon after a few KiB rather than several MiB, as it would on a busy host.

    stalled_subscriber.py PUBLISH_ENDPOINT [LAG_SECONDS]

With LAG_SECONDS it never stalls but lags: it sleeps that long after each message.
"""

import sys
import time

import zmq

lag = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
socket = zmq.Context.instance().socket(zmq.SUB)
if not lag:  # a lagging one has the usual buffers: it takes bytes all along, slowly
    socket.setsockopt(zmq.RCVBUF, 4096)
socket.setsockopt(zmq.RCVHWM, 16)
socket.setsockopt(zmq.LINGER, 0)
socket.connect(sys.argv[1])
socket.setsockopt(zmq.SUBSCRIBE, b"")
while b"heartbeat" not in socket.recv_multipart()[0]:
    pass
print("ready", flush=True)
while True:
    socket.recv_multipart(copy=False)
    if lag:
        time.sleep(lag)
