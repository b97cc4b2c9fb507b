"""A subscriber in a process of its own that a test stops with SIGSTOP: subscribes to
everything, prints "ready" once a heartbeat proves its subscription reached the daemon, then
reads and discards until it is stopped or killed. A small receive buffer makes its stall
reach the daemon after a few KiB rather than several MiB, as it would on a busy host.

    stalled_subscriber.py PUBLISH_ENDPOINT
"""

import sys

import zmq

socket = zmq.Context.instance().socket(zmq.SUB)
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
