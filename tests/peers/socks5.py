#!/usr/bin/python3
"""A small SOCKS5 proxy for the tests of wscat --proxy (standard library
only): RFC 1928 CONNECT with IPv4 (ATYP 1), name (3) and IPv6 (4)
addresses, and RFC 1929 user name and password when asked for.

  socks5.py [--listen ADDR] [--port N] [--auth USER:PASS] [--reply REP]
            [--resolve NAME=ADDR]... [--silent]

Listens on ADDR (127.0.0.1) port N (0: a free one) and prints "PORT n"
when ready.  It logs on stdout, one line each, what every client sent:

  METHODS 0,2                    the methods the greeting offered
  AUTH USER PASS                 an RFC 1929 request (the user's bytes)
  CONNECT ATYP HOST PORT         the request: HOST as it came, a name
                                 unresolved (ATYP 3) or an address
  TUNNEL ADDR PORT               connected to the target, relaying
  SILENT                         a connection accepted with --silent
  ERROR WHAT                     a client that hung up or went quiet

With --auth it takes only method 2 and those credentials (a wrong pair
gets status 1 and the connection is closed); otherwise only method 0.
With --reply REP (1-8) it answers every CONNECT with that code instead
of connecting.  It resolves names itself, --resolve NAME=ADDR first,
so a name the client cannot resolve still works through it.  With
--silent it accepts connections and reads them but never answers (a
proxy that hangs, for the timeout tests).  Every read is bounded by
10 s before the tunnel opens; runs until killed.
"""

import argparse
import ipaddress
import select
import socket
import sys
import threading

LOG = threading.Lock()


def log(*words):
    with LOG:
        print(*words, flush=True)


def recv_exact(sock, n):
    """n bytes, or raises EOFError."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def relay(a, b):
    """Copies bytes both ways until both sides have ended."""
    a.settimeout(None)
    b.settimeout(None)
    open_ = {a: b, b: a}
    while open_:
        for s in select.select(list(open_), [], [])[0]:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                open_[s].sendall(data)
                continue
            try:
                open_[s].shutdown(socket.SHUT_WR)
            except OSError:
                pass
            del open_[s]


def serve(conn, a):
    with conn:
        conn.settimeout(10)
        if a.silent:
            log("SILENT")
            while conn.recv(4096):
                pass
            return
        # Greeting: VER NMETHODS METHODS.
        ver, n = recv_exact(conn, 2)
        methods = recv_exact(conn, n)
        log("METHODS", ",".join(str(m) for m in methods))
        want = 2 if a.auth else 0
        if ver != 5 or want not in methods:
            conn.sendall(bytes([5, 0xFF]))
            return
        conn.sendall(bytes([5, want]))
        if a.auth:
            # RFC 1929: VER ULEN UNAME PLEN PASSWD.
            recv_exact(conn, 1)
            user = recv_exact(conn, recv_exact(conn, 1)[0])
            pw = recv_exact(conn, recv_exact(conn, 1)[0])
            log("AUTH", user.decode(errors="replace"),
                pw.decode(errors="replace"))
            if user + b":" + pw != a.auth.encode():
                conn.sendall(bytes([1, 1]))
                return
            conn.sendall(bytes([1, 0]))
        # Request: VER CMD RSV ATYP DST.ADDR DST.PORT.
        ver, cmd, _, atyp = recv_exact(conn, 4)
        if atyp == 1:
            host = str(ipaddress.IPv4Address(recv_exact(conn, 4)))
        elif atyp == 4:
            host = str(ipaddress.IPv6Address(recv_exact(conn, 16)))
        elif atyp == 3:
            host = recv_exact(conn, recv_exact(conn, 1)[0]).decode(
                errors="replace")
        else:
            conn.sendall(bytes([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]))
            return
        port = int.from_bytes(recv_exact(conn, 2), "big")
        log("CONNECT", atyp, host, port)
        rep = a.reply
        if ver != 5 or cmd != 1:
            rep = 7
        target = None
        if rep == 0:
            try:
                target = socket.create_connection(
                    (a.resolve.get(host, host), port), timeout=10)
            except OSError:
                rep = 5
        conn.sendall(bytes([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]))
        if target is None:
            return
        with target:
            peer = target.getpeername()
            log("TUNNEL", peer[0], peer[1])
            relay(conn, target)


def serve_logged(conn, a):
    try:
        serve(conn, a)
    except (EOFError, OSError) as e:
        log("ERROR", type(e).__name__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--auth")
    ap.add_argument("--reply", type=int, default=0)
    ap.add_argument("--resolve", action="append", default=[])
    ap.add_argument("--silent", action="store_true")
    a = ap.parse_args()
    a.resolve = dict(r.split("=", 1) for r in a.resolve)
    family = socket.AF_INET6 if ":" in a.listen else socket.AF_INET
    srv = socket.socket(family)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.listen, a.port))
    srv.listen(16)
    print("PORT", srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve_logged, args=(conn, a),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
