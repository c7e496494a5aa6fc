#!/usr/bin/python3
"""Hostile and broken peers for the bounds tests (standard library only).

All of them talk to 127.0.0.1 only.

  hostile.py slowloris PORT N SECONDS [--send TEXT]
      open N connections (TEXT, default "GET / HTTP/1.1\\r\\n", is sent on
      each and the request never finished), print "OPEN n" once all are
      open, then wait up to SECONDS for the server to close them and print
      "EOF k" (how many it closed) and "AFTER min max": the least and the
      most time, in seconds with one decimal, from a connection's opening
      to its EOF.  Exits 0 if all N saw EOF.

  hostile.py flood PORT N SECONDS
      open N connections that send nothing, print "OPEN n", then for
      SECONDS count those the server closes at once, and print
      "CLOSED k"; then close them all and print "DONE".

  hostile.py drop PORT KIND
      break a connection on purpose, then print "DONE":
        mid-frame      handshake, a frame header promising 1000 bytes, 10
                       of them, then close
        mid-handshake  half a request head, then close
        mid-close      handshake, a close frame (1000), then reset (RST,
                       SO_LINGER 0) without reading the reply

  hostile.py close PORT CODE [REASON]
      handshake, send a masked close frame with CODE and REASON, and print
      each frame the server sends as "FRAME opcode code" (the status code
      of a close frame, or the payload length of another frame), then
      "EOF" or "NO-EOF" after 5 s.

  hostile.py linger PORT SECONDS
      handshake, send a close (1000), read the server's close reply and
      print "REPLY code", then keep the TCP connection open for SECONDS
      (reading nothing, sending no FIN), close it and print "CLOSED".

  hostile.py close-server CODE [REASON]
      a WebSocket server on a free port (prints "PORT n") that accepts one
      client, completes the handshake, sends a close frame with CODE and
      REASON, and prints the frames the client sends as "close" does,
      then "EOF" or "NO-EOF" (the client did not close within 5 s).

  hostile.py server GOFILE [--close CODE]
      a WebSocket server on a free port (prints "PORT n") that accepts one
      client, completes the handshake and then reads nothing and answers
      nothing, until the file GOFILE exists.  Then it reads everything:
      it answers the client's close with a close (1000) and prints
      "MESSAGES n", "BYTES b" and "MD5 hex", the md5 of each text
      payload followed by a newline (what the client's input was).
      With --close it instead sends a close with CODE as soon as GOFILE
      exists, then reads up to the client's close reply, printed first
      as "REPLY code".  Without GOFILE ever appearing it just sits there
      for 60 s.
"""

import argparse
import hashlib
import os
import selectors
import socket
import struct
import sys
import time

from wsframe import (BINARY, CLOSE, CONT, PING, PONG, TEXT, build_frame,
                     close_code, close_payload, header, masked_frame,
                     new_key, parse_frame, read_until_eof, recv_head,
                     switching_protocols, upgrade_request)

HOST = "127.0.0.1"


def connect(port):
    return socket.create_connection((HOST, port), timeout=10)


def handshake(sock):
    """Sends a valid opening request and reads the 101 response head;
    returns the bytes that came after the head."""
    sock.sendall(upgrade_request(new_key()))
    got = recv_head(sock)
    if got is None:
        sys.exit("hostile.py: EOF during the handshake")
    head, rest = got
    if not head.startswith(b"HTTP/1.1 101 "):
        sys.exit("hostile.py: not upgraded: %r" % head.split(b"\r\n")[0])
    return rest


def show_frame(op, payload):
    """Prints a frame as "FRAME opcode code" (a close frame's status code)
    or "FRAME opcode length" (the payload length of another frame)."""
    print("FRAME", op, close_code(payload) if op == CLOSE else len(payload),
          flush=True)


def slowloris(a):
    sel = selectors.DefaultSelector()
    opened = {}
    text = a.send.encode().decode("unicode_escape").encode("latin-1")
    for _ in range(a.n):
        s = connect(a.port)
        if text:
            s.sendall(text)
        s.setblocking(False)
        opened[s] = time.monotonic()
        sel.register(s, selectors.EVENT_READ)
    print("OPEN", len(opened), flush=True)
    after = []
    deadline = time.monotonic() + a.seconds
    while opened and time.monotonic() < deadline:
        for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                d = s.recv(65536)
            except (ConnectionResetError, BlockingIOError) as e:
                if isinstance(e, BlockingIOError):
                    continue
                d = b""
            if d:
                continue	# an answer: keep reading to EOF
            after.append(time.monotonic() - opened.pop(s))
            sel.unregister(s)
            s.close()
    print("EOF", len(after))
    if after:
        print("AFTER %.1f %.1f" % (min(after), max(after)))
    return 0 if not opened else 1


def flood(a):
    socks = []
    for _ in range(a.n):
        s = connect(a.port)
        s.setblocking(False)
        socks.append(s)
    print("OPEN", len(socks), flush=True)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed = set()
    deadline = time.monotonic() + a.seconds
    while time.monotonic() < deadline:
        for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                d = s.recv(4096)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                d = b""
            if not d:
                closed.add(s)
                sel.unregister(s)
    print("CLOSED", len(closed), flush=True)
    for s in socks:
        s.close()
    print("DONE", flush=True)
    return 0


def drop(a):
    s = connect(a.port)
    if a.kind == "mid-frame":
        handshake(s)
        whole = masked_frame(BINARY, b"x" * 1000)
        s.sendall(whole[:8 + 10])	# 2 + 2 length + 4 mask, then 10 bytes
        time.sleep(0.2)
        s.close()
    elif a.kind == "mid-handshake":
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr")
        time.sleep(0.2)
        s.close()
    elif a.kind == "mid-close":
        handshake(s)
        s.sendall(masked_frame(CLOSE, close_payload(1000)))
        time.sleep(0.2)		# the server's reply arrives, unread
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()		# RST
    else:
        sys.exit("hostile.py: unknown kind " + a.kind)
    print("DONE")
    return 0


def read_frames(s, buf, seconds, on_frame):
    """Calls on_frame(opcode, payload) for each frame until EOF (True) or
    seconds pass (False)."""
    def frames(buf):
        while True:
            f = parse_frame(buf)
            if f is None:
                return
            del buf[:f[3]]
            on_frame(f[1], f[2])
    buf = bytearray(buf)
    frames(buf)
    return read_until_eof(s, buf, time.monotonic() + seconds, frames)


def close(a):
    s = connect(a.port)
    rest = handshake(s)
    s.sendall(masked_frame(CLOSE, close_payload(a.code, a.reason)))
    print("EOF" if read_frames(s, rest, 5, show_frame) else "NO-EOF")
    return 0


def linger(a):
    s = connect(a.port)
    buf = bytearray(handshake(s))
    s.sendall(masked_frame(CLOSE, close_payload(1000)))
    s.settimeout(5)
    while True:
        f = parse_frame(buf)
        if f is not None:
            del buf[:f[3]]
            if f[1] == CLOSE:
                break
            continue
        d = s.recv(65536)
        if not d:
            print("EOF before the close reply")
            return 1
        buf += d
    print("REPLY", close_code(f[2]), flush=True)
    time.sleep(a.seconds)	# the server's FIN is in; ours is not sent
    s.close()
    print("CLOSED", flush=True)
    return 0


def accept_one():
    """Listens on a free port, prints it, accepts one client and answers
    its opening handshake; returns the socket and the bytes after the
    request head."""
    ls = socket.socket()
    ls.bind((HOST, 0))
    ls.listen(1)
    print("PORT", ls.getsockname()[1], flush=True)
    s, _ = ls.accept()
    ls.close()
    got = recv_head(s)
    if got is None:
        sys.exit("hostile.py: EOF before the request head")
    head, rest = got
    s.sendall(switching_protocols(header(head, b"sec-websocket-key")))
    return s, rest


def close_server(a):
    s, rest = accept_one()
    s.sendall(build_frame(CLOSE, close_payload(a.code, a.reason)))
    eof = read_frames(s, rest, 5, show_frame)
    s.close()
    print("EOF" if eof else "NO-EOF", flush=True)
    return 0


def server(a):
    s, rest = accept_one()
    deadline = time.monotonic() + 60
    while not os.path.exists(a.gofile):
        if time.monotonic() > deadline:
            return 1
        time.sleep(0.05)
    if a.close is not None:
        s.sendall(build_frame(CLOSE, close_payload(a.close)))
    md5 = hashlib.md5()
    count = nbytes = 0
    buf = bytearray(rest)
    s.settimeout(30)
    while True:
        f = parse_frame(buf)
        if f is None:
            d = s.recv(1 << 20)
            if not d:
                print("EOF before a close frame")
                break
            buf += d
            continue
        del buf[:f[3]]
        fin, op, payload = f[0], f[1], f[2]
        if op == CLOSE:
            if a.close is None:
                s.sendall(build_frame(CLOSE, close_payload(1000)))
            else:
                print("REPLY", close_code(payload))
            break
        if op in (TEXT, BINARY, CONT):
            if op != CONT:
                count += 1
            md5.update(payload)
            nbytes += len(payload)
            if fin:
                md5.update(b"\n")
        elif op == PING and a.close is None:
            s.sendall(build_frame(PONG, payload))
    print("MESSAGES", count)
    print("BYTES", nbytes)
    print("MD5", md5.hexdigest(), flush=True)
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("port", type=int)
    s.add_argument("n", type=int)
    s.add_argument("seconds", type=float)
    s.add_argument("--send", default="GET / HTTP/1.1\\r\\n")
    s = sub.add_parser("flood")
    s.add_argument("port", type=int)
    s.add_argument("n", type=int)
    s.add_argument("seconds", type=float)
    s = sub.add_parser("drop")
    s.add_argument("port", type=int)
    s.add_argument("kind")
    s = sub.add_parser("close")
    s.add_argument("port", type=int)
    s.add_argument("code", type=int)
    s.add_argument("reason", nargs="?", default="")
    s = sub.add_parser("linger")
    s.add_argument("port", type=int)
    s.add_argument("seconds", type=float)
    s = sub.add_parser("close-server")
    s.add_argument("code", type=int)
    s.add_argument("reason", nargs="?", default="")
    s = sub.add_parser("server")
    s.add_argument("gofile")
    s.add_argument("--close", type=int, metavar="CODE")
    a = p.parse_args()
    return {"slowloris": slowloris, "flood": flood, "drop": drop,
            "close": close, "linger": linger, "close-server": close_server,
            "server": server}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
