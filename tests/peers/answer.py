#!/usr/bin/python3
"""A server that answers every connection with fixed bytes (standard
library only), for the tests of what wscat makes of answers other than
a 101: redirects, refusals with a body, TLS records on a ws:// port.

  answer.py ANSWER [--no-read]

Listens on 127.0.0.1, a free port, and prints "PORT n" when ready.  For
each connection it reads the request head (up to CRLFCRLF, 5 s at
most; not with --no-read), sends ANSWER, in which Python escapes
(\\r, \\n, \\xNN) stand for their bytes, then shuts down its side and
reads to the client's EOF before closing, so that no RST cuts the
answer short.  Runs until killed.
"""

import argparse
import codecs
import socket
import sys
import threading
import time


def serve(conn, answer, read_first):
    with conn:
        conn.settimeout(5)
        buf = b""
        try:
            deadline = time.monotonic() + 5
            while read_first and b"\r\n\r\n" not in buf:
                if time.monotonic() > deadline:
                    break
                d = conn.recv(4096)
                if not d:
                    break
                buf += d
            conn.sendall(answer)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(4096):
                pass
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("answer")
    ap.add_argument("--no-read", action="store_true")
    a = ap.parse_args()
    answer = codecs.escape_decode(a.answer.encode())[0]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("PORT", srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, answer, not a.no_read),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
