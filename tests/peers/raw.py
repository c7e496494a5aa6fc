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

  raw.py idle-open PORT SECONDS [--report]
      complete the opening handshake and print "OPEN", then read nothing
      and answer nothing for SECONDS (a peer that never answers a close).
      With --report it reads, still answering nothing: each frame the
      server sends is printed as "FRAME opcode hex-payload", then "EOF"
      when the server closes the connection or "NO-EOF" after SECONDS.
"""

import argparse
import socket
import sys
import time

from wsframe import (CLOSE, TEXT, accept_key, close_payload, masked_frame,
                     new_key, parse_frames, read_until_eof, recv_by,
                     recv_head, upgrade_request)


def request(a):
    lines = sys.stdin.read().splitlines()
    if a.pad:
        lines.append("X-Pad: " + "a" * a.pad)
    head = "".join(line + "\r\n" for line in lines)
    if not a.no_end:
        head += "\r\n"
    data = head.encode()
    if a.frame is not None:
        data += masked_frame(TEXT, a.frame.encode())
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
        d = recv_by(sock, deadline)
        if d is None:
            break
        eof = not d
        buf += d
    resp_head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    print(resp_head.decode("latin-1").replace("\r\n", "\n"))
    print()
    if resp_head.startswith(b"HTTP/1.1 101 "):
        if a.close:
            sock.sendall(masked_frame(CLOSE, close_payload(1000)))
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
    sock = socket.create_connection(("127.0.0.1", a.port))
    sock.sendall(upgrade_request(new_key()))
    got = recv_head(sock)
    if got is None:
        return 1
    print("OPEN", flush=True)
    if not a.report:
        time.sleep(a.seconds)
        return 0
    shown = [0]

    def show(buf):
        frames = parse_frames(buf)
        for op, payload in frames[shown[0]:]:
            print("FRAME", op, payload.hex(), flush=True)
        shown[0] = len(frames)
    buf = bytearray(got[1])
    show(buf)
    eof = read_until_eof(sock, buf, time.monotonic() + a.seconds, show)
    print("EOF" if eof else "NO-EOF", flush=True)
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
    s.add_argument("--report", action="store_true")
    a = p.parse_args()
    if a.cmd == "accept":
        print(accept_key(a.key))
        return 0
    if a.cmd == "idle-open":
        return idle_open(a)
    return request(a) if a.cmd == "request" else idle(a)


if __name__ == "__main__":
    sys.exit(main())
