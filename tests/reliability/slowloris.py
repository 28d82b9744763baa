# SPDX-License-Identifier: MIT
"""Slow clients: slowloris.py PORT CONNECTIONS SECONDS

Opens CONNECTIONS to 127.0.0.1:PORT; half trickle request headers (one header line every
0.5 s, never ending them), half send headers announcing a large body and trickle it a few
bytes at a time. Writes "ready" on stdout once all are open, and after SECONDS prints how many
connections the server still held open, then closes them all.
"""
import socket
import sys
import time

def main():
    port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    conns = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        if i % 2:
            s.send(b"GET /v1/models/mnist HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        else:
            s.send(b"POST /v1/models/mnist:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"in")
        conns.append(s)
    print("ready", flush=True)
    end = time.monotonic() + secs
    k = 0
    while time.monotonic() < end:
        for i, s in enumerate(conns):
            if s is None:
                continue
            try:
                s.send(b"X-Slow-%d: %d\r\n" % (k, k) if i % 2 else b"s")
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                conns[i] = None
        k += 1
        time.sleep(0.5)
    open_ = sum(1 for s in conns if s is not None)
    for s in conns:
        if s is not None:
            s.close()
    print("open %d of %d" % (open_, n), flush=True)

main()
