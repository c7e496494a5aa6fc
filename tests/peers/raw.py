#!/usr/bin/python3
"""Raw-socket handshake probes for wsserve (standard library only).

  raw.py accept KEY
      print the Sec-WebSocket-Accept value for KEY (RFC 6455 4.2.2).

  raw.py request PORT [--split] [--no-end] [--pad N] [--frame TEXT] [--close]
      send the request head read from stdin (lines end in LF and are sent
      with CRLF; the blank line ending the head is added unless --no-end)
      and print the response: its head with CRLF as LF, a blank line,
      then "BODY <repr>" and "BODY-LENGTH n" for what follows the head
      and "EOF" once the server closes the connection ("NO-EOF" if it
      has not within --timeout).  --pad N adds a header of N bytes;
      --frame TEXT sends a masked text frame in the same send() as the
      head; --split sends the whole request one byte per send().
      After a 101, --close sends a masked close (1000) and prints each
      frame the server sends as "FRAME opcode hex-payload" then
      EOF/NO-EOF; without --close the head is all that is read.

  raw.py idle PORT SECONDS
      connect, send nothing, and print "EOF after T" (T in seconds, one
      decimal) when the server closes, or "NO-EOF" after SECONDS.

  raw.py idle-open PORT SECONDS
      complete the opening handshake, then read nothing and answer
      nothing for SECONDS (a peer that never answers a close).
"""

import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def masked_frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    else:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_until_eof(sock, buf, deadline):
    """Reads into buf until EOF (True) or the deadline (False)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            d = sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if not d:
            return True
        buf += d


def parse_frames(data):
    frames = []
    while len(data) >= 2:
        b0, b1 = data[0], data[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            n, off = struct.unpack("!H", data[2:4])[0], 4
        elif n == 127:
            n, off = struct.unpack("!Q", data[2:10])[0], 10
        if len(data) < off + n:
            break
        frames.append((b0 & 0x0F, data[off:off + n]))
        data = data[off + n:]
    return frames


def request(a):
    lines = sys.stdin.read().splitlines()
    if a.pad:
        lines.append("X-Pad: " + "a" * a.pad)
    head = "".join(line + "\r\n" for line in lines)
    if not a.no_end:
        head += "\r\n"
    data = head.encode()
    if a.frame is not None:
        data += masked_frame(1, a.frame.encode())
    sock = socket.create_connection(("127.0.0.1", a.port))
    if a.split:
        for i in range(len(data)):
            sock.sendall(data[i:i + 1])
    else:
        sock.sendall(data)
    deadline = time.monotonic() + a.timeout
    buf = bytearray()
    eof = False
    while b"\r\n\r\n" not in buf and not eof:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            d = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            d = b""
        eof = not d
        buf += d
    resp_head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    print(resp_head.decode("latin-1").replace("\r\n", "\n"))
    print()
    if resp_head.startswith(b"HTTP/1.1 101 "):
        if a.close:
            sock.sendall(masked_frame(8, struct.pack("!H", 1000)))
            rest = bytearray(rest)
            eof = read_until_eof(sock, rest, deadline)
            for op, payload in parse_frames(bytes(rest)):
                print("FRAME", op, payload.hex())
            print("EOF" if eof else "NO-EOF")
        return 0
    rest = bytearray(rest)
    if not eof:
        eof = read_until_eof(sock, rest, deadline)
    print("BODY", repr(bytes(rest)))
    print("BODY-LENGTH", len(rest))
    print("EOF" if eof else "NO-EOF")
    return 0


def idle(a):
    sock = socket.create_connection(("127.0.0.1", a.port))
    start = time.monotonic()
    if read_until_eof(sock, bytearray(), start + a.seconds):
        print("EOF after %.1f" % (time.monotonic() - start))
        return 0
    print("NO-EOF")
    return 1


def idle_open(a):
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection(("127.0.0.1", a.port))
    sock.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                  "\r\n" % key).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(4096)
        if not d:
            return 1
        buf += d
    time.sleep(a.seconds)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("accept")
    s.add_argument("key")
    s = sub.add_parser("request")
    s.add_argument("port", type=int)
    s.add_argument("--split", action="store_true")
    s.add_argument("--no-end", action="store_true")
    s.add_argument("--pad", type=int, default=0)
    s.add_argument("--frame")
    s.add_argument("--close", action="store_true")
    s.add_argument("--timeout", type=float, default=3)
    s = sub.add_parser("idle")
    s.add_argument("port", type=int)
    s.add_argument("seconds", type=float)
    s = sub.add_parser("idle-open")
    s.add_argument("port", type=int)
    s.add_argument("seconds", type=float)
    a = p.parse_args()
    if a.cmd == "accept":
        print(accept(a.key))
        return 0
    if a.cmd == "idle-open":
        return idle_open(a)
    return request(a) if a.cmd == "request" else idle(a)


if __name__ == "__main__":
    sys.exit(main())
