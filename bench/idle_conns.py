#!/usr/bin/python3
"""Many idle WebSocket connections to one wsserve (bench/run, figure 5).

  idle_conns.py PORT COUNT PAYLOAD [--timeout SECONDS]

Standard library only.  Opens COUNT connections to 127.0.0.1:PORT, doing
the opening handshake by hand with a fixed valid key, and talks to its
caller over stdin/stdout, one line each way:

  -> "FIRST n"           the first connection is open (n = 1), or not (0)
  <- any line             open the others
  -> "OPEN n secs"       all handshakes done in secs (n < COUNT means some
                          failed; the reason goes to stderr)
  -> "ALL n" / "PARTIAL n"
                          every connection (or only n of them, at the
                          timeout) received a text message equal to PAYLOAD
  <- any line             send a masked close (1000) on every connection
  -> "CLOSED n"           n connections got the server's close frame and
                          then its EOF (within the timeout)

Nothing is sent on the connections between the handshake and the close, so
they are idle from the server's point of view.
"""

import argparse
import base64
import hashlib
import os
import selectors
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's sample nonce
ACCEPT = base64.b64encode(hashlib.sha1(KEY.encode() + GUID).digest()).decode()


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def handshake(port, timeout):
    """Returns (socket, bytes after the response head)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(("GET / HTTP/1.1\r\n"
               "Host: 127.0.0.1:%d\r\n"
               "Upgrade: websocket\r\n"
               "Connection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "\r\n" % (port, KEY)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise ConnectionError("EOF during the handshake")
        buf += d
        if len(buf) > 16384:
            raise ConnectionError("response head too long")
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 101"):
        raise ConnectionError("not upgraded: " + lines[0])
    acc = [ln.split(":", 1)[1].strip() for ln in lines[1:]
           if ln.lower().startswith("sec-websocket-accept:")]
    if acc != [ACCEPT]:
        raise ConnectionError("bad Sec-WebSocket-Accept: %r" % acc)
    return s, rest


def parse_frames(buf):
    """Pops whole server frames (unmasked) off buf: [(opcode, payload)]."""
    frames = []
    while len(buf) >= 2:
        b1 = buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            if len(buf) < 4:
                break
            n, off = struct.unpack("!H", buf[2:4])[0], 4
        elif n == 127:
            if len(buf) < 10:
                break
            n, off = struct.unpack("!Q", buf[2:10])[0], 10
        if b1 & 0x80:
            off += 4  # a server must not mask, but skip a mask anyway
        if len(buf) < off + n:
            break
        frames.append((buf[0] & 0x0F, bytes(buf[off:off + n])))
        del buf[:off + n]
    return frames


def close_frame():
    payload = struct.pack("!H", 1000)
    mask = os.urandom(4)
    return (struct.pack("!BB", 0x88, 0x80 | len(payload)) + mask +
            bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


class Conn:
    __slots__ = ("sock", "buf", "got", "closed", "eof")

    def __init__(self, sock, rest):
        self.sock = sock
        self.buf = bytearray(rest)
        self.got = False      # received the payload
        self.closed = False   # received a close frame
        self.eof = False


def pump(sel, conns, payload, want, deadline):
    """Reads every socket until want(counts) or the deadline; counts is
    [connections that got the payload, that got a close frame, at EOF]."""
    counts = [sum(c.got for c in conns), sum(c.closed for c in conns),
              sum(c.eof for c in conns)]
    while not want(counts) and time.monotonic() < deadline:
        for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
            c = key.data
            try:
                d = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if not d:
                c.eof = True
                counts[2] += 1
                sel.unregister(c.sock)
                continue
            c.buf += d
            for op, p in parse_frames(c.buf):
                if op == 1 and p == payload and not c.got:
                    c.got = True
                    counts[0] += 1
                elif op == 8 and not c.closed:
                    c.closed = True
                    counts[1] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("payload")
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    payload = a.payload.encode()

    conns = []

    def open_upto(count):
        while len(conns) < count:
            try:
                s, rest = handshake(a.port, 10.0)
            except OSError as e:
                print("idle_conns: connection %d: %s" % (len(conns) + 1, e),
                      file=sys.stderr)
                return
            conns.append(Conn(s, rest))

    # The first connection pays for one-time set-up in the server; the
    # caller measures memory before and after it and after the rest.
    open_upto(1)
    say("FIRST %d" % len(conns))
    sys.stdin.readline()
    t0 = time.monotonic()
    if conns:
        open_upto(a.count)
    say("OPEN %d %.3f" % (len(conns), time.monotonic() - t0))

    sel = selectors.DefaultSelector()
    for c in conns:
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)

    n = len(conns)
    pump(sel, conns, payload, lambda k: k[0] == n,
         time.monotonic() + a.timeout)
    got = sum(c.got for c in conns)
    say("%s %d" % ("ALL" if got == n else "PARTIAL", got))

    sys.stdin.readline()  # the caller says when to close
    frame = close_frame()
    for c in conns:
        if not c.eof:
            try:
                c.sock.setblocking(True)
                c.sock.sendall(frame)
                c.sock.setblocking(False)
            except OSError:
                pass
    pump(sel, conns, payload, lambda k: k[2] == n,
         time.monotonic() + a.timeout)
    say("CLOSED %d" % sum(c.closed and c.eof for c in conns))
    for c in conns:
        c.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
