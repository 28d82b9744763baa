# SPDX-License-Identifier: MIT
"""A hostile HTTP server for client fault tests: hostile_http.py MODE PORT_FILE

Listens on a free loopback port (written to PORT_FILE) and answers every request with MODE:
  huge      200, Content-Length 1 GiB, a JSON-looking body streamed until the client leaves
  endless   200, no length (ends at close), a body streamed until the client leaves (1 GiB)
  chunked   200, Transfer-Encoding: chunked, chunks until the client leaves (1 GiB)
  headers   200, then header lines without end
  truncate  200, Content-Length 100000, 20 bytes, then close
  garbage   200, an HTML page
  badstatus a status line that is no HTTP
  close     close the connection without a byte
  stall     answer {} after 2 s
  hang      read the request, never answer (until killed)
  headhang  200 and its headers (Content-Length 2), then nothing (until killed)
Records the number of requests and bytes sent in PORT_FILE.log.
"""
import socket
import sys
import threading
import time

GIB = 1 << 30

def send_forever(c, head, chunk, limit=GIB, wrap=None):
    sent = 0
    c.sendall(head)
    while sent < limit:
        c.sendall(wrap(chunk) if wrap else chunk)
        sent += len(chunk)
    return sent

def handle(c, mode, log):
    sent = 0
    try:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            more = c.recv(4096)
            if not more:
                return
            data += more
        filler = b'{"id":"xxxxxxxx","display_name":"' + b"x" * 65400 + b'"},'
        if mode == "huge":
            sent = send_forever(c, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                b"Content-Length: %d\r\n\r\n{\"experiments\":[" % GIB, filler)
        elif mode == "endless":
            sent = send_forever(c, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                b"Connection: close\r\n\r\n{\"experiments\":[", filler)
        elif mode == "chunked":
            sent = send_forever(c, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                b"Transfer-Encoding: chunked\r\n\r\n", filler,
                                wrap=lambda b: b"%x\r\n%s\r\n" % (len(b), b))
        elif mode == "headers":
            sent = send_forever(c, b"HTTP/1.1 200 OK\r\n", b"X-Filler: " + b"y" * 1000 + b"\r\n")
        elif mode == "truncate":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n{\"experiments\":[{\"id\"")
        elif mode == "garbage":
            body = b"<html><body>502 Bad Gateway</body></html>"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                      % (len(body), body))
        elif mode == "badstatus":
            c.sendall(b"HTTX/9 banana\r\n\r\n")
        elif mode == "hang":
            time.sleep(3600)
        elif mode == "headhang":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 2\r\n\r\n")
            time.sleep(3600)
        elif mode == "stall":
            time.sleep(2)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 2\r\n\r\n{}")
    except OSError:
        pass
    finally:
        c.close()
        with open(log, "a") as f:
            f.write("request sent>=%d\n" % sent)

def main():
    mode, port_file = sys.argv[1], sys.argv[2]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c, mode, port_file + ".log"), daemon=True).start()

main()
