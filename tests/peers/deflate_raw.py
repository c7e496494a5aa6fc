#!/usr/bin/python3
"""Raw-socket permessage-deflate (RFC 7692) peers for tests/deflate.bats.

Standard library only, 127.0.0.1 only, every wait bounded (5 s a read).
Our own deflate: zlib, raw (negative wbits); our compressor never uses a
window over what was negotiated (zlib's 9 stands for 8: it never emits a
distance over 250), our inflater uses exactly the negotiated window, so
a peer that compresses with a larger window than allowed fails here.

  deflate_raw.py offers PORT [--path P]
      one connection per stdin line, each offering that line as its
      Sec-WebSocket-Extensions ("-": no such header; " | " splits the
      offer over several header lines).  Prints "OFFER => RESPONSE" per
      line: RESPONSE is the response's extensions normalised (parameters
      sorted by name, quotes taken off, "; " and ", " between them),
      "none" without the header, "HTTP nnn" if the status is not 101.
      Each connection then closes cleanly (1000).

  deflate_raw.py client PORT [--offer OFFER] [--send SPEC]... [--count N]
      handshake offering OFFER (default "permessage-deflate"; "-": none),
      print "ext RESPONSE" and "open", send the SPECs, then print what
      comes (below).  After N data messages it closes with 1000; a close
      from the server is answered with the same code.

  deflate_raw.py server [--ext VALUE] [--send SPEC]... [--count N] [--out F]
      listen, print "PORT n", accept one client (10 s), print "offer
      OFFER" (normalised as above, or "none"), answer 101 with
      Sec-WebSocket-Extensions: VALUE (default none), send the SPECs, then
      as the client, but closing TCP first once the close frames have
      crossed.  With --out each message received is appended to F,
      payload then LF.

  What comes is printed as:
      frame OPNAME fin=F rsv1=R rsv23=X len=N     each data frame
      message TYPE rsv1=R wire=W size=S md5=HEX   each whole message
          (wire: its payload bytes on the wire; "inflate-error=..." in
          place of size and md5 when it does not inflate)
      control OPNAME rsv=X len=N                  a ping or pong
      close CODE                                  the peer's close frame
      EOF | NO-EOF                                the connection's end
  and each message sent as "sent TYPE rsv1=R wire=W size=S md5=HEX".

  A SPEC is KIND[/K]:DATA.  KIND: text, binary (RSV1 clear, as is);
  ztext, zbinary (compressed, RSV1 set; /K: split over K frames); pad
  (DATA is N:TEXT: TEXT compressed, RSV1 set, its deflate data led by N
  empty stored blocks of 5 bytes each); raw (DATA is B0:HEX: one frame,
  first byte B0 in hex, payload HEX, as is).  DATA is literal text, or
  @GEN:N for N bytes of: rep (repetitive ASCII), rand (random bytes),
  b64 (random base64 text), zeros, badutf8 (0xff 0xfe...).  @zeros is
  compressed as it is generated (a 1 GiB bomb costs no 1 GiB here).
"""

import argparse
import base64
import hashlib
import os
import socket
import sys
import time
import zlib

from wsframe import (BINARY, CLOSE, CONT, PING, PONG, TEXT, accept_key,
                     build_frame, close_code, close_payload, new_key,
                     recv_by)

TIMEOUT = 5
HOST = "127.0.0.1"
OPNAMES = {CONT: "cont", TEXT: "text", BINARY: "binary", CLOSE: "close",
           PING: "ping", PONG: "pong"}
TRAILER = b"\x00\x00\xff\xff"
EMPTY_STORED = b"\x00\x00\x00\xff\xff"   # BFINAL 0, stored, length 0
STEP = 128    # inflate output per zlib call, under the least window (256)


def out(*words):
    print(*words, flush=True)

# ------------------------------------------------------ extension headers


def split_quoted(s, sep):
    """s split at each sep outside double quotes."""
    parts, cur, quoted = [], "", False
    for ch in s:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse_extensions(values):
    """[(name, [(param, value or None)])] from header values."""
    exts = []
    for v in values:
        for e in split_quoted(v, ","):
            if not e.strip():
                continue
            items = [x.strip() for x in split_quoted(e, ";")]
            params = []
            for p in items[1:]:
                k, eq, val = p.partition("=")
                val = val.strip()
                if len(val) >= 2 and val[0] == val[-1] == '"':
                    val = val[1:-1]
                params.append((k.strip(), val if eq else None))
            exts.append((items[0], params))
    return exts


def normalise(values):
    if not values:
        return "none"
    return ", ".join(
        "; ".join([name] + sorted(k if v is None else "%s=%s" % (k, v)
                                  for k, v in params))
        for name, params in parse_extensions(values))


class Deflate:
    """One direction's permessage-deflate state, as negotiated."""

    def __init__(self, no_context_takeover=True, window_bits=15):
        self.nct = no_context_takeover
        self.bits = min(max(window_bits, 8), 15)   # (a bad value: refused)
        self.z = None

    def compress(self, data):
        if self.z is None or self.nct:
            # zlib refuses a raw window of 8; its 9 never reaches past 250.
            self.z = zlib.compressobj(6, zlib.DEFLATED, -max(self.bits, 9))
        if isinstance(data, Zeros):
            chunks = [self.z.compress(c) for c in data.chunks()]
            d = b"".join(chunks) + self.z.flush(zlib.Z_SYNC_FLUSH)
        else:
            d = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        return d[:-4] if d.endswith(TRAILER) else d

    def start(self):
        if self.z is None or self.nct:
            self.z = zlib.decompressobj(-self.bits)

    def inflate(self, data, fin):
        # At most STEP bytes out per zlib call: a distance reaches past
        # this call's output into zlib's window, which is then checked
        # ("invalid distance too far back"): strict for any window size.
        out, tail = bytearray(), data + (TRAILER if fin else b"")
        while True:
            chunk = self.z.decompress(tail, STEP)
            out += chunk
            tail = self.z.unconsumed_tail
            if not tail and len(chunk) < STEP:
                return out


def negotiated(values):
    """The deflate state a response negotiated, for each sender:
    {"server": Deflate, "client": Deflate}, or None without deflate."""
    for name, params in parse_extensions(values):
        if name != "permessage-deflate":
            continue
        p = dict(params)
        return {
            "server": Deflate("server_no_context_takeover" in p,
                              int(p.get("server_max_window_bits") or 15)),
            "client": Deflate("client_no_context_takeover" in p,
                              int(p.get("client_max_window_bits") or 15)),
        }
    return None

# ---------------------------------------------------------------- data


class Zeros:
    def __init__(self, n):
        self.n = n

    def chunks(self):
        left = self.n
        block = bytes(1 << 20)
        while left > 0:
            yield block[:min(left, len(block))]
            left -= len(block)


def generate(gen, n):
    if gen == "rep":
        unit = b"the quick brown fox jumps over the lazy dog 0123456789 "
        return (unit * (n // len(unit) + 1))[:n]
    if gen == "rand":
        return os.urandom(n)
    if gen == "b64":
        return base64.b64encode(os.urandom(n))[:n]
    if gen == "zeros":
        return Zeros(n)
    if gen == "badutf8":
        return (b"\xff\xfe" * (n // 2 + 1))[:n]
    raise SystemExit("deflate_raw.py: unknown generator " + gen)


def spec_data(data):
    if data.startswith("@"):
        gen, _, n = data[1:].partition(":")
        return generate(gen, int(n))
    return data.encode()


def digest(data):
    if isinstance(data, Zeros):
        h = hashlib.md5()
        for c in data.chunks():
            h.update(c)
        return data.n, h.hexdigest()
    return len(data), hashlib.md5(data).hexdigest()

# ---------------------------------------------------------- connection


class Peer:
    def __init__(self, sock, is_client, deflate):
        self.sock = sock
        self.masked = is_client
        # What we send, what we receive.
        self.tx = self.rx = None
        if deflate is not None:
            self.tx = deflate["client" if is_client else "server"]
            self.rx = deflate["server" if is_client else "client"]
        self.buf = bytearray()
        self.eof = False
        self.out_file = None

    def send(self, frame):
        try:
            self.sock.sendall(frame)
        except OSError as e:   # the peer may have failed us already
            out("send-error", e.__class__.__name__)

    def frame(self, op, payload, fin=True, rsv=0, b0=None):
        f = build_frame(op, payload, fin=fin, rsv=rsv, masked=self.masked)
        if b0 is not None:
            f = bytes([b0]) + f[1:]
        return f

    def send_spec(self, spec):
        kind, _, data = spec.partition(":")
        kind, _, parts = kind.partition("/")
        if kind == "raw":
            b0hex, _, hexdata = data.partition(":")
            b0 = int(b0hex, 16)
            self.send(self.frame(b0 & 15, bytes.fromhex(hexdata), b0=b0))
            out("sent raw", b0hex)
            return
        if kind == "pad":
            n, _, text = data.partition(":")
            raw = text.encode()
            z = EMPTY_STORED * int(n) + zlib_once(raw)
            self.send(self.frame(TEXT, z, rsv=4))
            size, md5 = digest(raw)
            out("sent text rsv1=1 wire=%d size=%d md5=%s" % (
                len(z), size, md5))
            return
        payload = spec_data(data)
        op = TEXT if kind in ("text", "ztext") else BINARY
        if kind in ("text", "binary"):
            if isinstance(payload, Zeros):
                payload = bytes(payload.n)
            self.send(self.frame(op, payload))
            wire, rsv1 = len(payload), 0
        elif kind in ("ztext", "zbinary"):
            if self.tx is None:
                raise SystemExit("deflate_raw.py: %s without deflate" % kind)
            z = self.tx.compress(payload)
            k = max(int(parts or 1), 1)
            step = -(-len(z) // k)
            pieces = [z[i:i + step] for i in range(0, len(z), step)] or [b""]
            for i, piece in enumerate(pieces):
                self.send(self.frame(op if i == 0 else CONT, piece,
                                     fin=i == len(pieces) - 1,
                                     rsv=4 if i == 0 else 0))
            wire, rsv1 = len(z), 1
        else:
            raise SystemExit("deflate_raw.py: unknown kind " + kind)
        size, md5 = digest(payload)
        out("sent %s rsv1=%d wire=%d size=%d md5=%s" % (
            OPNAMES[op], rsv1, wire, size, md5))

    def next_frame(self):
        """(b0, payload) of the next frame, or None at EOF or timeout."""
        while True:
            f = parse(self.buf)
            if f is not None:
                b0, payload, size = f
                del self.buf[:size]
                return b0, payload
            if self.eof:
                return None
            d = recv_by(self.sock, time.monotonic() + TIMEOUT, 1 << 20)
            if d is None:
                return None
            if not d:
                self.eof = True
            self.buf += d

    def run(self, count):
        """Prints what comes until a close, or after count messages sends
        one; then waits for EOF."""
        msgs, closing = 0, False
        op = rsv1 = wire = None
        data = bytearray()
        err = None
        if count == 0:
            self.send(self.frame(CLOSE, close_payload(1000)))
            closing = True
        while True:
            f = self.next_frame()
            if f is None:
                break
            b0, payload = f
            fin, opcode, rsv = bool(b0 & 0x80), b0 & 15, (b0 >> 4) & 7
            if opcode >= 8:
                if opcode == CLOSE:
                    code = close_code(payload)
                    out("close", code if code is not None else "none")
                    if not closing:
                        self.send(self.frame(CLOSE, payload[:2]))
                    break
                out("control", OPNAMES.get(opcode, opcode), "rsv=%d" % rsv,
                    "len=%d" % len(payload))
                if opcode == PING:
                    self.send(self.frame(PONG, payload))
                continue
            out("frame %s fin=%d rsv1=%d rsv23=%d len=%d" % (
                OPNAMES.get(opcode, opcode), fin, rsv >> 2, rsv & 3,
                len(payload)))
            if opcode != CONT:
                op, rsv1, wire, err = opcode, rsv >> 2, 0, None
                data = bytearray()
                if rsv1 and self.rx is not None:
                    self.rx.start()
            wire += len(payload)
            try:
                if rsv1 and self.rx is not None and err is None:
                    data += self.rx.inflate(payload, fin)
                elif not rsv1:
                    data += payload
            except zlib.error as e:
                err = str(e).replace(" ", "_")
            if not fin:
                continue
            msgs += 1
            if err is not None or (rsv1 and self.rx is None):
                out("message %s rsv1=%d wire=%d inflate-error=%s" % (
                    OPNAMES.get(op, op), rsv1, wire, err or "not-negotiated"))
            else:
                out("message %s rsv1=%d wire=%d size=%d md5=%s" % (
                    OPNAMES.get(op, op), rsv1, wire, len(data),
                    hashlib.md5(data).hexdigest()))
                if self.out_file is not None:
                    self.out_file.write(bytes(data) + b"\n")
                    self.out_file.flush()
            if msgs == count and not closing:
                self.send(self.frame(CLOSE, close_payload(1000)))
                closing = True
        if not self.masked:
            # The server closes TCP first (RFC 6455 7.1.1).
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        end = time.monotonic() + TIMEOUT
        while not self.eof:
            d = recv_by(self.sock, end)
            if d is None:
                break
            self.eof = not d
        out("EOF" if self.eof else "NO-EOF")


def zlib_once(data):
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    d = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    return d[:-4]


def parse(buf):
    """(b0, unmasked payload, size) of the first whole frame in buf."""
    if len(buf) < 2:
        return None
    n, off = buf[1] & 0x7F, 2
    if n >= 126:
        off = 4 if n == 126 else 10
        if len(buf) < off:
            return None
        n = int.from_bytes(buf[2:off], "big")
    key = None
    if buf[1] & 0x80:
        key, off = bytes(buf[off:off + 4]), off + 4
    if len(buf) < off + n:
        return None
    payload = bytes(buf[off:off + n])
    if key is not None and n:
        rep = (key * (n // 4 + 1))[:n]
        payload = (int.from_bytes(payload, "little") ^
                   int.from_bytes(rep, "little")).to_bytes(n, "little")
    return buf[0], payload, off + n

# ------------------------------------------------------------ handshakes


def read_head(sock):
    """(status or request line, {lower name: [values]}, rest) or None."""
    buf = bytearray()
    end = time.monotonic() + TIMEOUT
    while b"\r\n\r\n" not in buf:
        d = recv_by(sock, end)
        if not d:
            return None
        buf += d
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], headers, rest


def request(port, offer, path="/"):
    key = new_key()
    head = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
            % (path, port, key))
    if offer != "-":
        for part in offer.split(" | "):
            head += "Sec-WebSocket-Extensions: %s\r\n" % part
    sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
    sock.sendall((head + "\r\n").encode())
    got = read_head(sock)
    if got is None:
        raise SystemExit("deflate_raw.py: no response head")
    status, headers, rest = got
    if (status.split(" ")[1] == "101" and
            headers.get("sec-websocket-accept") != [accept_key(key)]):
        raise SystemExit("deflate_raw.py: bad Sec-WebSocket-Accept")
    return sock, status, headers, rest


def offers(a):
    for line in sys.stdin.read().splitlines():
        sock, status, headers, rest = request(a.port, line, a.path)
        code = status.split(" ")[1]
        if code != "101":
            out("%s => HTTP %s" % (line, code))
            sock.close()
            continue
        out("%s => %s" % (line, normalise(
            headers.get("sec-websocket-extensions"))))
        p = Peer(sock, True, None)
        p.buf += rest
        p.send(p.frame(CLOSE, close_payload(1000)))
        while p.next_frame() is not None:
            pass
        sock.close()
    return 0


def client(a):
    sock, status, headers, rest = request(a.port, a.offer)
    if status.split(" ")[1] != "101":
        out("status", status)
        return 1
    values = headers.get("sec-websocket-extensions")
    out("ext", normalise(values))
    p = Peer(sock, True, negotiated(values or []))
    p.buf += rest
    out("open")
    for s in a.send:
        p.send_spec(s)
    p.run(a.count)
    return 0


def server(a):
    ls = socket.socket()
    ls.bind((HOST, 0))
    ls.listen(1)
    out("PORT", ls.getsockname()[1])
    ls.settimeout(10)
    sock, _ = ls.accept()
    got = read_head(sock)
    if got is None:
        out("no request")
        return 1
    _, headers, rest = got
    out("offer", normalise(headers.get("sec-websocket-extensions")))
    key = headers.get("sec-websocket-key", [""])[0]
    head = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
            % accept_key(key))
    if a.ext != "-":
        head += "Sec-WebSocket-Extensions: %s\r\n" % a.ext
    sock.sendall((head + "\r\n").encode())
    p = Peer(sock, False, negotiated([a.ext] if a.ext != "-" else []))
    p.buf += rest
    if a.out:
        p.out_file = open(a.out, "ab")
    for s in a.send:
        p.send_spec(s)
    p.run(a.count)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("offers")
    s.add_argument("port", type=int)
    s.add_argument("--path", default="/")
    s = sub.add_parser("client")
    s.add_argument("port", type=int)
    s.add_argument("--offer", default="permessage-deflate")
    s.add_argument("--send", action="append", default=[])
    s.add_argument("--count", type=int, default=-1)
    s = sub.add_parser("server")
    s.add_argument("--ext", default="-")
    s.add_argument("--send", action="append", default=[])
    s.add_argument("--count", type=int, default=-1)
    s.add_argument("--out")
    a = ap.parse_args()
    return {"offers": offers, "client": client, "server": server}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
