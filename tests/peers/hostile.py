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

  hostile.py server GOFILE
      a WebSocket server on a free port (prints "PORT n") that accepts one
      client, completes the handshake and then reads nothing and answers
      nothing, until the file GOFILE exists.  Then it reads everything:
      it answers the client's close with a close (1000) and prints
      "MESSAGES n", "BYTES b" and "MD5 hex", the md5 of each text
      payload followed by a newline (what the client's input was).
      Without GOFILE ever appearing it just sits there for 60 s.
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
HOST = "127.0.0.1"


def connect(port):
    return socket.create_connection((HOST, port), timeout=10)


def handshake(sock):
    """Sends a valid opening request and reads the 101 response head;
    returns the bytes that came after the head."""
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                  "\r\n" % key).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(4096)
        if not d:
            sys.exit("hostile.py: EOF during the handshake")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101 "):
        sys.exit("hostile.py: not upgraded: %r" % head.split(b"\r\n")[0])
    return rest


def mask(payload, key):
    n = len(payload)
    if n == 0:
        return b""
    rep = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^
            int.from_bytes(rep, "big")).to_bytes(n, "big")


def masked_frame(opcode, payload, length=None):
    """A masked frame; length, if given, is the length announced."""
    n = len(payload) if length is None else length
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    return head + key + mask(payload, key)


def close_payload(code, reason=""):
    return struct.pack("!H", code) + reason.encode()


def parse_frame(buf):
    """(fin, opcode, payload, size) of the first frame in buf, unmasking
    it if masked, or None if buf does not hold a whole frame yet."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    n, off = b1 & 0x7F, 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, off = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, off = struct.unpack("!Q", buf[2:10])[0], 10
    key = None
    if b1 & 0x80:
        if len(buf) < off + 4:
            return None
        key, off = bytes(buf[off:off + 4]), off + 4
    if len(buf) < off + n:
        return None
    payload = bytes(buf[off:off + n])
    if key is not None:
        payload = mask(payload, key)
    return b0 & 0x80, b0 & 0x0F, payload, off + n


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
        whole = masked_frame(2, b"x" * 1000)
        s.sendall(whole[:8 + 10])	# 2 + 2 length + 4 mask, then 10 bytes
        time.sleep(0.2)
        s.close()
    elif a.kind == "mid-handshake":
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr")
        time.sleep(0.2)
        s.close()
    elif a.kind == "mid-close":
        handshake(s)
        s.sendall(masked_frame(8, close_payload(1000)))
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
    deadline = time.monotonic() + seconds
    buf = bytearray(buf)
    while True:
        while True:
            f = parse_frame(buf)
            if f is None:
                break
            del buf[:f[3]]
            on_frame(f[1], f[2])
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            d = s.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if not d:
            return True
        buf += d


def close(a):
    s = connect(a.port)
    rest = handshake(s)
    s.sendall(masked_frame(8, close_payload(a.code, a.reason)))

    def show(op, payload):
        if op == 8:
            code = struct.unpack("!H", payload[:2])[0] if payload else None
            print("FRAME", op, code)
        else:
            print("FRAME", op, len(payload))
    print("EOF" if read_frames(s, rest, 5, show) else "NO-EOF")
    return 0


def linger(a):
    s = connect(a.port)
    buf = bytearray(handshake(s))
    s.sendall(masked_frame(8, close_payload(1000)))
    s.settimeout(5)
    while True:
        f = parse_frame(buf)
        if f is not None:
            del buf[:f[3]]
            if f[1] == 8:
                break
            continue
        d = s.recv(65536)
        if not d:
            print("EOF before the close reply")
            return 1
        buf += d
    print("REPLY", struct.unpack("!H", f[2][:2])[0], flush=True)
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
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit("hostile.py: EOF before the request head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    key = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
    s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc +
              b"\r\n\r\n")
    return s, rest


def close_server(a):
    s, rest = accept_one()
    s.sendall(struct.pack("!BB", 0x88, 2 + len(a.reason.encode())) +
              close_payload(a.code, a.reason))

    def show(op, payload):
        if op == 8:
            code = struct.unpack("!H", payload[:2])[0] if payload else None
            print("FRAME", op, code)
        else:
            print("FRAME", op, len(payload))
    eof = read_frames(s, rest, 5, show)
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
        if op == 8:
            s.sendall(struct.pack("!BBH", 0x88, 2, 1000))
            break
        if op in (1, 2, 0):
            if op == 1 or op == 2:
                count += 1
            md5.update(payload)
            nbytes += len(payload)
            if fin:
                md5.update(b"\n")
        elif op == 9:
            s.sendall(struct.pack("!BB", 0x8A, len(payload)) + payload)
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
    a = p.parse_args()
    return {"slowloris": slowloris, "flood": flood, "drop": drop,
            "close": close, "linger": linger, "close-server": close_server,
            "server": server}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
