#!/usr/bin/python3
"""Byte-level RFC 6455 conformance cases for wsserve --echo and wscat --echo.

The peer is played with raw sockets (standard library only).  The cases
follow the Autobahn TestSuite categories 1-7, 9 and 10; every expected value
comes from RFC 6455, never from running the tools.

  conform.py list [server|client] [CATEGORY|CASE...]
      print the case names (one a line) that apply to that role.

  conform.py server PORT CATEGORY|CASE... [--tls CAFILE]
      the tool is the server (wsserve --echo on 127.0.0.1:PORT); this
      script is the client and sends masked frames.  Every case runs on
      a fresh connection.  A CATEGORY ("1", "7", ...) means all its cases.
      One line per case: "ok NAME", "ok NAME (non-strict: ...)" or
      "FAIL NAME: what differed, with the hex received".  Exit status 1
      if a case failed.
        e.g.  conform.py server 9000 1          (all of category 1)
              conform.py server 9000 7.code-1012

  conform.py client CASE [--tls CERTFILE KEYFILE]
      the tool is the client: listen on 127.0.0.1 (a port the kernel
      picks), print "PORT n" and wait (10 s) for one wscat --echo
      ws://127.0.0.1:n/ (wss:// with --tls); play the server, sending
      unmasked frames.  Prints the case line as above, then
      "WSCAT-EXIT S..." - the exit statuses wscat may end with by its
      contract (0: close 1000/1001/no code; 1: wscat failed the
      connection; 7: the server closed with another code), or
      "WSCAT-EXIT -" when the case failed before that was known.
        e.g.  conform.py client 7.code-1012 & wscat --echo ws://127.0.0.1:n/

What every case checks, besides its own expectations:
  - each frame the tool sends: RSV bits 0, a known opcode, the minimal
    length encoding, mask bit clear (server) or set (client), control
    frames unfragmented and <= 125 bytes, data frames in a valid
    fragmentation sequence, a close payload that is empty or a sendable
    code plus UTF-8, nothing at all after the tool's close frame;
  - the close handshake: the tool answers our close or sends its own with
    the expected code (an empty close where 1002 is wanted is accepted and
    reported as non-strict, as Autobahn does: RFC 6455 7.1.7 only says
    MAY send a close frame with a code);
  - who closes TCP first (RFC 6455 7.1.1): as server the tool must send
    its FIN within 1 s after the close handshake without waiting for us;
    as client it must neither close nor reset within 0.5 s, and must
    close once we have.  A reset is always a failure.  Over TLS a
    close_notify is not a TCP close: TCP is then watched below TLS.

Every wait is bounded (5 s per read; CONFORM_TIMEOUT=seconds changes it),
everything is on 127.0.0.1.
"""

import base64
import os
import socket
import ssl
import struct
import sys
import time

from wsframe import (BINARY, CLOSE, CONT, PING, PONG, TEXT, accept_key,
                     build_frame, close_payload, mask, new_key,
                     switching_protocols, upgrade_request)

OPNAMES = {CONT: "continuation", TEXT: "text", BINARY: "binary",
           CLOSE: "close", PING: "ping", PONG: "pong"}

TIMEOUT = float(os.environ.get("CONFORM_TIMEOUT", "5"))  # one wait
HOLD = 0.5           # client role: wscat must not close TCP within this
FIN_LIMIT = 1.0      # server role: wsserve must send its FIN within this
MIB = 1024 * 1024
MAX_MESSAGE = 16 * MIB   # both tools' default --max-message

# ---------------------------------------------------------------- frames


def hexcut(b, limit=48):
    b = bytes(b)
    if len(b) <= limit:
        return b.hex() or "(empty)"
    return "%s... (%d bytes)" % (b[:limit].hex(), len(b))


def valid_utf8(b):
    try:
        bytes(b).decode("utf-8", "strict")
        return True
    except UnicodeDecodeError:
        return False


def sendable_code(code):
    """RFC 6455 7.4.1/7.4.2 and the IANA registry: codes a peer may send."""
    return (1000 <= code <= 1003 or 1007 <= code <= 1014 or
            3000 <= code <= 4999)


class Frame:
    def __init__(self, b0, b1, head, payload, nonminimal):
        self.fin = bool(b0 & 0x80)
        self.rsv = (b0 >> 4) & 7
        self.opcode = b0 & 0x0F
        self.masked = bool(b1 & 0x80)
        self.head = head
        self.payload = payload
        self.nonminimal = nonminimal

    def describe(self):
        return "%s frame FIN=%d RSV=%d len=%d [head %s payload %s]" % (
            OPNAMES.get(self.opcode, "opcode-0x%x" % self.opcode),
            self.fin, self.rsv, len(self.payload), self.head.hex(),
            hexcut(self.payload))


class CaseFail(Exception):
    pass


# ----------------------------------------------------------- connection


class Conn:
    """A socket with an input buffer; reads are bounded by deadlines."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0
        self.ended = None        # "EOF", "RST" or "TLS-CLOSE" once seen
        self.tls = isinstance(sock, ssl.SSLSocket)

    def avail(self):
        return len(self.buf) - self.pos

    def fill(self, deadline):
        if self.ended:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError):
            self.ended = "RST"
            return False
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
            d = b""
        if not d:
            self.ended = "EOF"
            if self.tls:
                # close_notify and TCP FIN both read as b"": look at TCP.
                self.ended = "TLS-CLOSE"
                if self.raw_end(0.01) == "EOF":
                    self.ended = "EOF"
            return False
        if self.pos > MIB and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += d
        return True

    def raw_end(self, timeout):
        """After a TLS close_notify: what TCP does within timeout, read
        below TLS: "EOF", "RST", "TIMEOUT" or "DATA ..."."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            d = socket.socket.recv(self.sock, 65536)
        except socket.timeout:
            return "TIMEOUT"
        except (ConnectionResetError, ConnectionAbortedError):
            return "RST"
        return "DATA %s after close_notify" % hexcut(d) if d else "EOF"

    def need(self, n, deadline):
        while self.avail() < n:
            if not self.fill(deadline):
                return False
        return True

    def next_frame(self, timeout):
        """A Frame, or "EOF", "RST" or "TIMEOUT"."""
        deadline = time.monotonic() + timeout
        if not self.need(2, deadline):
            return self.stop()
        p = self.pos
        b0, b1 = self.buf[p], self.buf[p + 1]
        n, off, nonminimal = b1 & 0x7F, 2, False
        if n == 126:
            if not self.need(4, deadline):
                return self.stop()
            n, off = struct.unpack_from("!H", self.buf, p + 2)[0], 4
            nonminimal = n < 126
        elif n == 127:
            if not self.need(10, deadline):
                return self.stop()
            n, off = struct.unpack_from("!Q", self.buf, p + 2)[0], 10
            nonminimal = n < 65536 or n >> 63
            if n >> 40:
                raise CaseFail("absurd 64-bit length %d [head %s]" %
                               (n, bytes(self.buf[p:p + 10]).hex()))
        key = None
        if b1 & 0x80:
            if not self.need(off + 4, deadline):
                return self.stop()
            key = bytes(self.buf[p + off:p + off + 4])
            off += 4
        if not self.need(off + n, deadline):
            return self.stop()
        head = bytes(self.buf[p:p + off])
        payload = bytes(self.buf[p + off:p + off + n])
        if key is not None:
            payload = mask(payload, key)
        self.pos = p + off + n
        return Frame(b0, b1, head, payload, nonminimal)

    def stop(self):
        if self.ended:
            if self.avail():
                return self.ended + " (after a partial frame %s)" % \
                    hexcut(self.buf[self.pos:])
            return self.ended
        return "TIMEOUT"


# ------------------------------------------------------------------ peer


class Peer:
    """One case on one connection.  role is the tool's role."""

    def __init__(self, conn, role):
        self.c = conn
        self.role = role
        self.tool = "wsserve" if role == "server" else "wscat"
        self.notes = []
        self.partial = None        # (opcode, [payloads]) of the tool
        self.got_close = False     # the tool's close frame was read
        self.sent_close = False
        self.done = False
        self.want_exit = None      # client role: wscat exit statuses
        self.received = []         # descriptions, for failure messages

    # -- sending (frames are masked when we are the client)
    def frame(self, opcode, payload=b"", fin=True, rsv=0, enc=None,
              masked=None):
        if masked is None:
            masked = self.role == "server"
        return build_frame(opcode, payload, fin, rsv, masked, enc)

    def close_frame(self, code=1000, reason=b"", **kw):
        return self.frame(CLOSE, close_payload(code, reason), **kw)

    def send(self, *parts):
        self.c.sock.settimeout(TIMEOUT)
        self.c.sock.sendall(b"".join(parts))

    def send_frames(self, frames, mode):
        """frames in one write ("one-write"), one write each with a pause
        after it ("writes"), or in 1-byte writes ("chopped")."""
        if mode == "one-write":
            self.send(*frames)
        elif mode == "writes":
            for f in frames:
                self.send(f)
                time.sleep(0.02)
        else:
            self.send_chopped(b"".join(frames))

    def send_chopped(self, data, size=1, delay=0.001):
        """data in writes of size bytes with a pause after each (the
        sockets have TCP_NODELAY, so each becomes its own segment)."""
        self.c.sock.settimeout(TIMEOUT)
        for i in range(0, len(data), size):
            self.c.sock.sendall(data[i:i + size])
            if delay:
                time.sleep(delay)

    def send_tolerant(self, data):
        """Sends data; the tool may stop reading or reset once it failed
        the connection, which is not itself an error."""
        try:
            self.send(data)
        except (BrokenPipeError, ConnectionResetError, socket.timeout,
                ssl.SSLError) as e:
            self.notes.append("send stopped: %s" % e.__class__.__name__)

    # -- receiving
    def frame_in(self, timeout=TIMEOUT):
        f = self.c.next_frame(timeout)
        if isinstance(f, str):
            return f
        self.received.append(f.describe())
        self.check_frame(f)
        return f

    def check_frame(self, f):
        why = None
        if self.got_close:
            why = "a frame after its close frame"
        elif f.rsv:
            why = "RSV bits set without an extension (RFC 6455 5.2)"
        elif f.nonminimal:
            why = "a non-minimal payload length encoding (RFC 6455 5.2)"
        elif self.role == "server" and f.masked:
            why = "a masked frame from the server (RFC 6455 5.1)"
        elif self.role == "client" and not f.masked:
            why = "an unmasked frame from the client (RFC 6455 5.1)"
        elif f.opcode not in OPNAMES:
            why = "a reserved opcode (RFC 6455 5.2)"
        elif f.opcode >= 8 and (not f.fin or len(f.payload) > 125):
            why = "a fragmented or > 125-byte control frame (RFC 6455 5.5)"
        elif f.opcode == CONT and self.partial is None:
            why = "a continuation frame without a started message"
        elif f.opcode in (TEXT, BINARY) and self.partial is not None:
            why = "a new data frame inside a fragmented message"
        elif f.opcode == CLOSE:
            p = f.payload
            if len(p) == 1:
                why = "a 1-byte close payload (RFC 6455 5.5.1)"
            elif len(p) >= 2 and not sendable_code(
                    struct.unpack("!H", p[:2])[0]):
                why = "a close code that must not be sent (RFC 6455 7.4)"
            elif len(p) > 2 and not valid_utf8(p[2:]):
                why = "a close reason that is not UTF-8 (RFC 6455 5.5.1)"
        if why:
            raise CaseFail("%s sent %s: %s" % (self.tool, why, f.describe()))

    def item(self, timeout=TIMEOUT):
        """The next thing the tool did: ("msg", opcode, payload),
        ("ping", p), ("pong", p), ("close", code|None, reason, frame),
        or ("EOF",), ("RST",), ("TIMEOUT",)."""
        while True:
            f = self.frame_in(timeout)
            if isinstance(f, str):
                return (f,)
            if f.opcode == PING:
                return ("ping", f.payload)
            if f.opcode == PONG:
                return ("pong", f.payload)
            if f.opcode == CLOSE:
                self.got_close = True
                code = None
                if len(f.payload) >= 2:
                    code = struct.unpack("!H", f.payload[:2])[0]
                return ("close", code, f.payload[2:], f)
            if f.opcode in (TEXT, BINARY):
                self.partial = (f.opcode, [f.payload])
            else:
                self.partial[1].append(f.payload)
            if f.fin:
                op, parts = self.partial
                self.partial = None
                return ("msg", op, b"".join(parts))

    def describe(self, it):
        k = it[0]
        if k == "msg":
            return "a %s message of %d bytes %s" % (
                OPNAMES[it[1]], len(it[2]), hexcut(it[2]))
        if k in ("ping", "pong"):
            return "a %s with payload %s" % (k, hexcut(it[1]))
        if k == "close":
            return "a close %s reason %r [%s]" % (
                "without code" if it[1] is None else it[1], it[2],
                it[3].describe())
        if k.startswith("EOF"):
            return "TCP FIN (%s closed the connection) %s" % (self.tool, k)
        if k.startswith("TLS-CLOSE"):
            return "a TLS close_notify (TCP still open) %s" % k
        if k.startswith("DATA"):
            return "TCP data %s" % k
        if k.startswith("RST"):
            return "TCP RST (%s reset the connection) %s" % (self.tool, k)
        return "nothing within the timeout"

    def fail(self, want, it):
        raise CaseFail("want %s; got %s" % (want, self.describe(it)))

    # -- expectations
    def expect_msg(self, opcode, payload):
        it = self.item()
        want = "the echo: a %s message of %d bytes %s" % (
            OPNAMES[opcode], len(payload), hexcut(payload))
        if it[0] != "msg":
            self.fail(want, it)
        if it[1] != opcode:
            self.fail(want + " (wrong opcode)", it)
        if it[2] != payload:
            got = it[2]
            i = next((k for k in range(min(len(got), len(payload)))
                      if got[k] != payload[k]), min(len(got), len(payload)))
            raise CaseFail(
                "%s: echo differs at byte %d: got %d bytes, want %d; "
                "got %s at %d, want %s" % (
                    OPNAMES[opcode], i, len(got), len(payload),
                    hexcut(got[i:i + 16]), i, hexcut(payload[i:i + 16])))

    def expect_pong(self, payload):
        it = self.item()
        if it[0] != "pong" or it[1] != payload:
            self.fail("a pong with payload %s" % hexcut(payload), it)

    def expect_silence(self, seconds):
        it = self.item(seconds)
        if it[0] != "TIMEOUT":
            self.fail("nothing for %g s" % seconds, it)

    def expect_close(self, codes, empty_ok=False, what="a close", it=None):
        """The tool's close frame with a code in codes (None: no code);
        it: the item if already read."""
        if it is None:
            it = self.item()
        names = "/".join("no code" if c is None else str(c) for c in codes)
        if it[0] != "close":
            self.fail("%s with code %s" % (what, names), it)
        if it[1] not in codes:
            if it[1] is None and empty_ok:
                self.notes.append("empty close where %s is wanted" % names)
            else:
                self.fail("%s with code %s" % (what, names), it)
        return it

    def close_normal(self, code=1000, reason=b"", accept=None, then=b"",
                     frame=None):
        """We start the close handshake; the tool must answer with a close
        (RFC 6455 5.5.1), echoing our code or 1000 (no code: empty or
        1000), and then TCP ends."""
        if accept is None:
            accept = {code, 1000}
        self.send(frame if frame is not None else
                  self.close_frame(code, reason))
        self.sent_close = True
        self.expect_close(accept, what="a close reply")
        if self.want_exit is None:
            self.want_exit = {0} if code in (None, 1000, 1001) else {7}
        if then:
            self.send_tolerant(then)
        self.end_tcp()

    def expect_fail(self, codes=(1002,), empty_ok=True, it=None):
        """The tool fails the connection: its close with a code in codes,
        nothing before it; we answer with the same code; TCP ends."""
        it = self.expect_close(set(codes), empty_ok=empty_ok,
                               what="%s to fail the connection with a close"
                               % self.tool, it=it)
        code = it[1]
        if self.want_exit is None:
            self.want_exit = {1}
        self.send_tolerant(self.close_frame(code))
        self.sent_close = True
        self.end_tcp()

    def end_tcp(self):
        """Who closes TCP first (RFC 6455 7.1.1).  Over TLS a close_notify
        is not a TCP close: TCP is then watched below TLS."""
        if self.role == "server":
            t0 = time.monotonic()
            it = self.item(FIN_LIMIT + 1.5)
            if it[0] == "TLS-CLOSE":
                it = (self.c.raw_end(t0 + FIN_LIMIT + 1.5 -
                                     time.monotonic()),)
            dt = time.monotonic() - t0
            if it[0] != "EOF":
                self.fail("wsserve's FIN after the close handshake", it)
            if dt > FIN_LIMIT:
                raise CaseFail("wsserve sent its FIN only %.2f s after the "
                               "close handshake: it waited for the client "
                               "(RFC 6455 7.1.1)" % dt)
        else:
            t0 = time.monotonic()
            it = self.item(HOLD)
            if it[0] == "TLS-CLOSE":
                it = (self.c.raw_end(t0 + HOLD - time.monotonic()),)
            if it[0] != "TIMEOUT":
                self.fail("wscat to wait for the server's FIN for %g s "
                          "after the close handshake (RFC 6455 7.1.1)"
                          % HOLD, it)
            try:
                # Our FIN; with TLS the plain socket's shutdown (the
                # SSLSocket one would drop the TLS layer we still read).
                socket.socket.shutdown(self.c.sock, socket.SHUT_WR)
            except OSError:
                pass
            it = self.item(TIMEOUT)
            if it[0] == "TLS-CLOSE":
                it = (self.c.raw_end(TIMEOUT),)
            if it[0] != "EOF":
                self.fail("wscat to close TCP after our FIN", it)
        self.done = True


# ----------------------------------------------------------- the cases

CASES = {}       # name -> (function, roles)
BOTH = ("server", "client")


def case(name, roles=BOTH):
    def deco(fn):
        assert name not in CASES, name
        CASES[name] = (fn, roles)
        return fn
    return deco


def opname(op):
    return OPNAMES[op]


def text_of(n):
    pat = bytes(range(0x20, 0x7F))
    return (pat * (n // len(pat) + 1))[:n]


def binary_of(n):
    return os.urandom(n)


def payload_of(op, n):
    return text_of(n) if op == TEXT else binary_of(n)


# 1 framing -------------------------------------------------------------

def _echo_one(op, n):
    def fn(p):
        data = payload_of(op, n)
        p.send(p.frame(op, data))
        p.expect_msg(op, data)
        p.close_normal()
    return fn


for _op in (TEXT, BINARY):
    for _n in (0, 125, 126, 127, 128, 65535, 65536, 16 * MIB):
        case("1.%s-%d" % (opname(_op), _n))(_echo_one(_op, _n))


@case("1.text-then-binary-all-encodings")
def _(p):
    msgs = [(TEXT, text_of(125)), (BINARY, binary_of(126)),
            (TEXT, text_of(65536)), (BINARY, b""), (TEXT, text_of(1))]
    p.send(*[p.frame(op, d) for op, d in msgs])
    for op, d in msgs:
        p.expect_msg(op, d)
    p.close_normal()


@case("1.wrong-masking")
def _(p):
    # RFC 6455 5.1: a server closes on an unmasked client frame; a client
    # closes on a masked server frame.
    p.send(p.frame(TEXT, b"Hello", masked=p.role == "client"))
    p.expect_fail()


@case("1.nonminimal-length-16")
def _(p):
    # RFC 6455 5.2: "the minimal number of bytes MUST be used".
    p.send(p.frame(TEXT, b"Hello", enc=16))
    p.expect_fail()


@case("1.length-64-msb-set")
def _(p):
    # RFC 6455 5.2: "the most significant bit MUST be 0".
    f = bytearray(p.frame(BINARY, b"x" * 65536))
    f[2] |= 0x80
    p.send(bytes(f))
    p.expect_fail()


# 2 ping/pong -----------------------------------------------------------

def _ping(payload, chopped=False):
    def fn(p):
        f = p.frame(PING, payload)
        if chopped:
            p.send_chopped(f)
        else:
            p.send(f)
        p.expect_pong(payload)
        p.close_normal()
    return fn


case("2.ping-empty")(_ping(b""))
case("2.ping-text")(_ping(b"Hello, world!"))
case("2.ping-binary")(_ping(bytes([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb,
                                   0x00, 0xff])))
case("2.ping-125")(_ping(binary_of(125)))
case("2.ping-125-chopped")(_ping(binary_of(125), chopped=True))


@case("2.ping-126")
def _(p):
    # RFC 6455 5.5: control frames have payloads of 125 bytes or less.
    p.send(p.frame(PING, b"\xfe" * 126))
    p.expect_fail()


@case("2.unsolicited-pong-empty")
def _(p):
    # RFC 6455 5.5.3: "A response to an unsolicited Pong frame is not
    # expected."  The connection stays usable.
    p.send(p.frame(PONG))
    p.expect_silence(0.2)
    p.send(p.frame(TEXT, b"still here"))
    p.expect_msg(TEXT, b"still here")
    p.close_normal()


@case("2.unsolicited-pong-payload")
def _(p):
    p.send(p.frame(PONG, b"unsolicited pong payload"),
           p.frame(TEXT, b"after the pong"))
    p.expect_msg(TEXT, b"after the pong")
    p.close_normal()


@case("2.unsolicited-pong-then-ping")
def _(p):
    p.send(p.frame(PONG, b"unsolicited"), p.frame(PING, b"solicited"))
    p.expect_pong(b"solicited")
    p.close_normal()


@case("2.ten-pings")
def _(p):
    # RFC 6455 5.5.3: an endpoint MAY answer only the most recent of
    # several pings; the pongs must match pings, in order, and the last
    # ping must be answered.
    pings = [b"ping-%d" % i for i in range(10)]
    p.send(*[p.frame(PING, x) for x in pings])
    nxt = 0
    while True:
        it = p.item()
        if it[0] != "pong" or it[1] not in pings[nxt:]:
            p.fail("pongs for %s in order" % pings[nxt:], it)
        nxt = pings.index(it[1]) + 1
        if nxt == len(pings):
            break
    p.send(p.frame(TEXT, b"done"))
    p.expect_msg(TEXT, b"done")
    p.close_normal()


@case("2.ping-inside-fragmented")
def _(p):
    p.send(p.frame(TEXT, b"fragment1", fin=False), p.frame(PING, b"ping!"))
    p.expect_pong(b"ping!")
    p.send(p.frame(CONT, b"fragment2"))
    p.expect_msg(TEXT, b"fragment1fragment2")
    p.close_normal()


# 3 reserved bits -------------------------------------------------------

def _rsv(rsv, opcode, payload, valid_before=False, ping_after=False,
         chopped=False):
    def fn(p):
        parts = []
        if valid_before:
            parts.append(p.frame(TEXT, b"Hello, world!"))
        parts.append(p.frame(opcode, payload, rsv=rsv))
        if ping_after:
            parts.append(p.frame(PING, b"after the bad frame"))
        data = b"".join(parts)
        if chopped:
            p.send_chopped(data)
        else:
            p.send(data)
        if valid_before:    # strict: the echo before the close
            p.expect_msg(TEXT, b"Hello, world!")
        p.expect_fail()
    return fn


# The RSV field as a 3-bit number, as Autobahn numbers them (4 = RSV1).
case("3.rsv-1-text")(_rsv(1, TEXT, b"Hello, world!"))
case("3.rsv-2-text-after-valid")(_rsv(2, TEXT, b"Hello, world!", True))
case("3.rsv-3-text-after-valid-then-ping")(
    _rsv(3, TEXT, b"Hello, world!", True, True))
case("3.rsv-4-text-after-valid-chopped")(
    _rsv(4, TEXT, b"Hello, world!", True, True, chopped=True))
case("3.rsv-5-binary")(_rsv(5, BINARY, b"\x00\xff\xfe\xfd"))
case("3.rsv-6-ping")(_rsv(6, PING, b"Hello, world!"))
case("3.rsv-7-close")(_rsv(7, CLOSE, close_payload(1000)))
case("3.rsv-1-empty-text")(_rsv(1, TEXT, b""))

# 4 opcodes -------------------------------------------------------------


def _opcode(op, valid_before=False):
    def fn(p):
        parts = []
        if valid_before:
            parts.append(p.frame(TEXT, b"Hello, world!"))
        parts.append(p.frame(op, b"reserved opcode"))
        if valid_before:
            parts.append(p.frame(PING, b"after the bad frame"))
        p.send(*parts)
        if valid_before:
            p.expect_msg(TEXT, b"Hello, world!")
        p.expect_fail()
    return fn


for _op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
    case("4.opcode-%d" % _op)(_opcode(_op))
for _op in (3, 7, 0xB, 0xF):
    case("4.opcode-%d-after-valid" % _op)(_opcode(_op, True))


# 5 fragmentation -------------------------------------------------------

def _fragments(data, n):
    step = max(1, -(-len(data) // n))
    return [data[i * step:(i + 1) * step] for i in range(n)]


def _fragmented(op, data, n, mode="one-write"):
    def fn(p):
        parts = _fragments(data, n)
        frames = [p.frame(op if i == 0 else CONT, x, fin=i == n - 1)
                  for i, x in enumerate(parts)]
        p.send_frames(frames, mode)
        p.expect_msg(op, data)
        p.close_normal()
    return fn


for _n in (2, 3, 10, 100):
    case("5.text-%d-fragments" % _n)(
        _fragmented(TEXT, b"fragmented text message, " * 8, _n))
case("5.binary-2-fragments")(_fragmented(BINARY, binary_of(300), 2))
case("5.text-2-fragments-separate-writes")(
    _fragmented(TEXT, b"fragment1fragment2", 2, "writes"))
case("5.text-2-fragments-chopped")(
    _fragmented(TEXT, b"fragment1fragment2", 2, "chopped"))


@case("5.empty-fragments")
def _(p):
    p.send(p.frame(TEXT, b"", fin=False), p.frame(CONT, b"", fin=False),
           p.frame(CONT, b"", fin=True))
    p.expect_msg(TEXT, b"")
    p.close_normal()


def _ping_between(mode):
    def fn(p):
        frames = [p.frame(TEXT, b"fragment1", fin=False),
                  p.frame(PING, b"pongme!"),
                  p.frame(CONT, b"fragment2")]
        p.send_frames(frames, mode)
        # RFC 6455 5.4: control frames MAY be injected in the middle of a
        # fragmented message; the ping is answered, the message whole.
        p.expect_pong(b"pongme!")
        p.expect_msg(TEXT, b"fragment1fragment2")
        p.close_normal()
    return fn


case("5.ping-between-fragments")(_ping_between("one-write"))
case("5.ping-between-fragments-separate-writes")(_ping_between("writes"))
case("5.ping-between-fragments-chopped")(_ping_between("chopped"))


@case("5.pings-between-5-fragments")
def _(p):
    for i in range(5):
        p.send(p.frame(TEXT if i == 0 else CONT, b"fragment%d" % (i + 1),
                       fin=i == 4))
        if i < 4:
            p.send(p.frame(PING, b"ping%d" % i))
            p.expect_pong(b"ping%d" % i)
    p.expect_msg(TEXT, b"fragment1fragment2fragment3fragment4fragment5")
    p.close_normal()


@case("5.ping-fragmented")
def _(p):
    # RFC 6455 5.5: "Control frames MUST NOT be fragmented."
    p.send(p.frame(PING, b"fragment1", fin=False),
           p.frame(CONT, b"fragment2"))
    p.expect_fail()


@case("5.pong-fragmented")
def _(p):
    p.send(p.frame(PONG, b"fragment1", fin=False),
           p.frame(CONT, b"fragment2"))
    p.expect_fail()


def _bad_sequence(frames, echo=None):
    def fn(p):
        p.send(*[p.frame(op, d, fin=fin) for op, d, fin in frames])
        if echo is not None:
            p.expect_msg(TEXT, echo)
        p.expect_fail()
    return fn


# RFC 6455 5.4: a continuation needs a started message; a new data frame
# cannot start while one is open.
case("5.continuation-without-start")(_bad_sequence(
    [(CONT, b"non-continuation payload", True),
     (TEXT, b"Hello, world!", True)]))
case("5.continuation-fin0-without-start")(_bad_sequence(
    [(CONT, b"non-continuation payload", False),
     (TEXT, b"Hello, world!", True)]))
case("5.continuation-fin0-text-continuation")(_bad_sequence(
    [(CONT, b"fragment1", False), (TEXT, b"fragment2", False),
     (CONT, b"fragment3", True)]))
case("5.continuation-after-complete-message")(_bad_sequence(
    [(TEXT, b"fragment1", False), (CONT, b"fragment2", True),
     (CONT, b"fragment3", False), (TEXT, b"fragment4", True)],
    echo=b"fragment1fragment2"))
case("5.text-while-fragmented-open")(_bad_sequence(
    [(TEXT, b"fragment1", False), (TEXT, b"fragment2", True)]))
case("5.binary-while-text-open")(_bad_sequence(
    [(TEXT, b"fragment1", False), (BINARY, b"fragment2", True)]))


# 6 UTF-8 ---------------------------------------------------------------

VALID_TEXTS = {
    "hello-mu": "Hello-µ@ßöäüàá-UTF-8!!".encode(),
    "kosme": "κόσμε".encode(),
    "boundaries": "\u0080\u07ff\u0800\ud7ff\ue000\ufffd\uffff"
                  "\U00010000\U0010ffff".encode(),
    "bom-and-noncharacter": "\ufeff\ufffe\U0001fffe".encode(),
    "four-byte": "𝄞 music 🎵".encode(),
}


def _valid_text(data):
    def fn(p):
        p.send(p.frame(TEXT, data))
        p.expect_msg(TEXT, data)
        p.close_normal()
    return fn


for _k, _v in VALID_TEXTS.items():
    case("6.valid-%s" % _k)(_valid_text(_v))


@case("6.valid-split-in-every-position")
def _(p):
    # A 4-byte and a 2-byte character split across two fragments at each
    # byte: each message is valid as a whole (RFC 6455 8.1).
    data = "a𝄞é".encode()
    for i in range(1, len(data)):
        p.send(p.frame(TEXT, data[:i], fin=False), p.frame(CONT, data[i:]))
        p.expect_msg(TEXT, data)
    p.close_normal()


@case("6.valid-one-byte-per-fragment")
def _(p):
    data = VALID_TEXTS["kosme"]
    p.send(*[p.frame(TEXT if i == 0 else CONT, data[i:i + 1],
                     fin=i == len(data) - 1) for i in range(len(data))])
    p.expect_msg(TEXT, data)
    p.close_normal()


@case("6.valid-chopped")
def _(p):
    data = VALID_TEXTS["hello-mu"]
    p.send_chopped(p.frame(TEXT, data))
    p.expect_msg(TEXT, data)
    p.close_normal()


INVALID_TEXTS = {
    "bare-continuation-80": b"\x80",
    "continuation-bf-inside": b"ab\xbfcd",
    "overlong-c0af": b"\xc0\xaf",
    "overlong-e080af": b"\xe0\x80\xaf",
    "overlong-f08080af": b"\xf0\x80\x80\xaf",
    "surrogate-eda080": b"\xed\xa0\x80",
    "surrogate-edbfbf": b"\xed\xbf\xbf",
    "above-10ffff-f4908080": b"\xf4\x90\x80\x80",
    "byte-ff": b"\xff",
    "byte-fe": b"a\xfe",
    "truncated-at-end": "κόσμ".encode() + b"\xce",
    "kosme-then-surrogate": "κόσμε".encode() + b"\xed\xa0\x80edited",
}


def _invalid_text(data):
    def fn(p):
        # RFC 6455 8.1: invalid UTF-8 in a text message fails the
        # connection; 7.4.1: the code is 1007.
        p.send(p.frame(TEXT, data))
        p.expect_fail((1007,), empty_ok=False)
    return fn


for _k, _v in INVALID_TEXTS.items():
    case("6.invalid-%s" % _k)(_invalid_text(_v))


@case("6.invalid-split-across-fragments")
def _(p):
    # ce is a lead byte; 41 cannot continue it.
    p.send(p.frame(TEXT, b"ok\xce", fin=False), p.frame(CONT, b"A"))
    p.expect_fail((1007,), empty_ok=False)


@case("6.invalid-above-10ffff-split-across-fragments")
def _(p):
    p.send(p.frame(TEXT, b"\xf4", fin=False),
           p.frame(CONT, b"\x90", fin=False), p.frame(CONT, b"\x80\x80"))
    p.expect_fail((1007,), empty_ok=False)


@case("6.invalid-chopped-reads")
def _(p):
    p.send_chopped(p.frame(TEXT, INVALID_TEXTS["kosme-then-surrogate"]),
                   delay=0.002)
    p.expect_fail((1007,), empty_ok=False)


def _failfast(p, rest):
    """The tool should fail at the first invalid byte, before the rest is
    sent (Autobahn 6.4.x); failing only at the end is non-strict."""
    it = p.item(1.0)
    if it[0] == "TIMEOUT":
        p.notes.append("not fail-fast: no close 1 s after the invalid "
                       "byte")
        p.send_tolerant(rest)
        it = None
    p.expect_fail((1007,), empty_ok=False, it=it)


@case("6.failfast-fragment")
def _(p):
    p.send(p.frame(TEXT, "κόσμε".encode(), fin=False))
    time.sleep(0.05)
    p.send(p.frame(CONT, b"\xed\xa0\x80", fin=False))
    _failfast(p, p.frame(CONT, b"edited"))


@case("6.failfast-inside-frame")
def _(p):
    data = "κόσμε".encode() + b"\xf4\x90\x80\x80" + b"edited" * 10
    f = p.frame(TEXT, data)
    cut = len(f) - 60          # up to and including the bad sequence
    p.send_chopped(f[:cut], delay=0.002)
    _failfast(p, f[cut:])


# 7 close ---------------------------------------------------------------

@case("7.echo-then-close")
def _(p):
    p.send(p.frame(TEXT, b"Hello World!"), p.close_frame(1000))
    p.sent_close = True
    p.expect_msg(TEXT, b"Hello World!")
    p.expect_close({1000}, what="a close reply")
    p.want_exit = {0}
    p.end_tcp()


def _after_close(extra):
    def fn(p):
        # RFC 6455 5.5.1: after the close frame the peer sends nothing;
        # what follows it is discarded, the tool answers the close only.
        p.close_normal(frame=p.close_frame(1000) + extra(p))
    return fn


case("7.close-twice")(_after_close(lambda p: p.close_frame(1000)))
case("7.ping-after-close")(_after_close(lambda p: p.frame(PING, b"ping")))
case("7.text-after-close")(_after_close(
    lambda p: p.frame(TEXT, b"after close")))


@case("7.text-after-close-handshake")
def _(p):
    p.close_normal(then=p.frame(TEXT, b"after the close handshake"))


@case("7.close-inside-fragmented")
def _(p):
    p.send(p.frame(TEXT, b"fragment1", fin=False))
    p.close_normal(frame=p.close_frame(1000) + p.frame(CONT, b"fragment2"))


@case("7.close-empty")
def _(p):
    p.close_normal(code=None, accept={None, 1000})


@case("7.close-1-byte")
def _(p):
    # A 1-byte close payload cannot hold a code (RFC 6455 5.5.1); Autobahn
    # 7.3.2 accepts an empty close or 1002 in reply.
    p.send(p.frame(CLOSE, b"\x03"))
    p.sent_close = True
    it = p.expect_close({None, 1002}, what="a close reply")
    p.want_exit = {0} if it[1] is None else {1}
    p.end_tcp()


@case("7.close-reason")
def _(p):
    p.close_normal(reason=b"Hello World!")


@case("7.close-reason-utf8")
def _(p):
    p.close_normal(reason="Hello-µ@ßöäüàá-UTF-8!!".encode())


@case("7.close-reason-123")
def _(p):
    p.close_normal(reason=b"*" * 123)


@case("7.close-reason-124")
def _(p):
    # 2 + 124 = 126 bytes: too long for a control frame (RFC 6455 5.5).
    p.send(p.close_frame(1000, b"*" * 124))
    p.expect_fail()


@case("7.close-reason-invalid-utf8")
def _(p):
    p.send(p.close_frame(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce"
                         b"\xb5\xed\xa0\x80edited"))
    p.expect_fail((1007,), empty_ok=False)


@case("7.close-reason-utf8-split-reads")
def _(p):
    # wslay bug B1: the close reason is validated per read chunk.
    f = p.close_frame(1000, "é".encode())
    cut = len(f) - 1       # between c3 and a9
    p.send(f[:cut])
    time.sleep(0.05)
    p.close_normal(frame=f[cut:])


@case("7.close-reason-invalid-utf8-chopped")
def _(p):
    # wslay bug B1, other half: an invalid reason fed 1 byte per read.
    f = p.close_frame(1000, b"ok\xc0\xafok")
    p.send_chopped(f, delay=0.005)
    p.expect_fail((1007,), empty_ok=False)


def _valid_code(code):
    def fn(p):
        p.close_normal(code=code)
    return fn


def _invalid_code(code):
    def fn(p):
        # RFC 6455 7.4: codes below 1000, 1004-1006, 1015, unassigned
        # 1016-2999 and above 4999 are invalid on the wire: protocol error.
        p.send(p.close_frame(code))
        p.expect_fail()
    return fn


# 1012-1014 are assigned by IANA (RFC 6455 7.4.2: 1000-2999 "defined by
# this protocol, its future revisions, and extensions"), as Autobahn 7.7.x.
for _c in (1000, 1001, 1002, 1003, 1007, 1008, 1011, 1012, 1013, 1014,
           3000, 3999, 4000, 4999):
    case("7.code-%d" % _c)(_valid_code(_c))
for _c in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
           65535):
    case("7.code-%d-invalid" % _c)(_invalid_code(_c))


# 9 limits --------------------------------------------------------------

@case("9.burst-10000x16")
def _(p):
    msgs = [b"message-%08d" % i for i in range(10000)]
    p.send(*[p.frame(TEXT, m) for m in msgs])
    for m in msgs:
        p.expect_msg(TEXT, m)
    p.close_normal()


def _large(op, total, frag, data=None):
    def fn(p):
        d = data if data is not None else payload_of(op, total)
        parts = [d[i:i + frag] for i in range(0, len(d), frag)]
        p.send(*[p.frame(op if i == 0 else CONT, x, fin=i == len(parts) - 1)
                 for i, x in enumerate(parts)])
        p.expect_msg(op, d)
        p.close_normal()
    return fn


case("9.binary-1MiB-64KiB-fragments")(_large(BINARY, MIB, 65536))
case("9.text-4MiB-64KiB-fragments")(_large(TEXT, 4 * MIB, 65536))
# 65535-byte fragments cut the 2-byte characters in two.
case("9.text-utf8-4MiB-odd-fragments")(
    _large(TEXT, 0, 65535, ("é" * (2 * MIB)).encode()))
case("9.binary-16MiB-64KiB-fragments")(_large(BINARY, 16 * MIB, 65536))


@case("9.too-big-16MiB+1")
def _(p):
    # Over both tools' documented --max-message default: 1009 (7.4.1).
    p.send_tolerant(p.frame(BINARY, binary_of(16 * MIB + 1)))
    p.expect_fail((1009,), empty_ok=False)


@case("9.too-big-fragmented")
def _(p):
    d = binary_of(16 * MIB + 1)
    h = 8 * MIB
    p.send_tolerant(p.frame(BINARY, d[:h], fin=False) +
                    p.frame(CONT, d[h:2 * h], fin=False) +
                    p.frame(CONT, d[2 * h:]))
    p.expect_fail((1009,), empty_ok=False)


# 10 misc ---------------------------------------------------------------

@case("10.chopped-frames")
def _(p):
    # Every frame, headers of all three length encodings included, in
    # 1-byte writes: the tool reassembles across reads.
    small, mid = text_of(100), binary_of(300)
    big = binary_of(65536)
    p.send_chopped(p.frame(TEXT, small) + p.frame(BINARY, mid) +
                   p.frame(PING, b"chopped ping"), delay=0.0005)
    fb = p.frame(BINARY, big)
    p.send_chopped(fb[:20], delay=0.002)
    p.send_chopped(fb[20:], size=997, delay=0)
    p.expect_msg(TEXT, small)
    p.expect_msg(BINARY, mid)
    p.expect_pong(b"chopped ping")
    p.expect_msg(BINARY, big)
    p.send_chopped(p.close_frame(1000, b"bye"), delay=0.002)
    p.sent_close = True
    p.expect_close({1000}, what="a close reply")
    p.want_exit = {0}
    p.end_tcp()


@case("10.text-then-close-chopped")
def _(p):
    data = VALID_TEXTS["kosme"] * 20
    p.send_chopped(p.frame(TEXT, data) + p.close_frame(1001), delay=0.001)
    p.sent_close = True
    p.expect_msg(TEXT, data)
    p.expect_close({1001, 1000}, what="a close reply")
    p.want_exit = {0}
    p.end_tcp()


# ---------------------------------------------------------------- driver

def read_head(conn, deadline):
    while b"\r\n\r\n" not in conn.buf:
        if not conn.fill(deadline):
            raise CaseFail("no complete HTTP head (%s): %s" % (
                conn.ended or "timeout", hexcut(conn.buf, 200)))
    head, _, rest = bytes(conn.buf).partition(b"\r\n\r\n")
    conn.buf = bytearray(rest)
    conn.pos = 0
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], {k: ", ".join(v) for k, v in headers.items()}


def tokens(v):
    return [t.strip().lower() for t in v.split(",")]


def connect_server_role(port, cafile):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if cafile:
        ctx = ssl.create_default_context(cafile=cafile)
        sock = ctx.wrap_socket(sock, server_hostname="127.0.0.1")
    key = new_key()
    sock.sendall(upgrade_request(key, "127.0.0.1:%d" % port))
    conn = Conn(sock)
    status, h = read_head(conn, time.monotonic() + TIMEOUT)
    if not status.startswith("HTTP/1.1 101 "):
        raise CaseFail("handshake refused: %s" % status)
    if h.get("sec-websocket-accept") != accept_key(key):
        raise CaseFail("bad Sec-WebSocket-Accept %r" %
                       h.get("sec-websocket-accept"))
    return conn


def serve_client_role(listener, cert):
    listener.settimeout(10)
    sock, _ = listener.accept()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(TIMEOUT)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert[0], cert[1])
        sock = ctx.wrap_socket(sock, server_side=True)
    conn = Conn(sock)
    req, h = read_head(conn, time.monotonic() + TIMEOUT)
    parts = req.split(" ")
    key = h.get("sec-websocket-key", "")
    try:
        key_ok = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        key_ok = False
    if (len(parts) != 3 or parts[0] != "GET" or parts[2] != "HTTP/1.1" or
            "host" not in h or
            "websocket" not in tokens(h.get("upgrade", "")) or
            "upgrade" not in tokens(h.get("connection", "")) or
            h.get("sec-websocket-version") != "13" or not key_ok):
        raise CaseFail("bad upgrade request from wscat: %r %r" % (req, h))
    sock.sendall(switching_protocols(key))
    return conn


def run_case(name, role, connect):
    fn, _ = CASES[name]
    p = None
    try:
        p = Peer(connect(), role)
        fn(p)
        if not p.done:
            raise CaseFail("internal: the case did not end the connection")
        line = "ok " + name
        if p.notes:
            line += " (non-strict: %s)" % "; ".join(p.notes)
        return True, line, p.want_exit
    except CaseFail as e:
        line = "FAIL %s: %s" % (name, e)
    except (OSError, ValueError) as e:
        line = "FAIL %s: %s: %s" % (name, e.__class__.__name__, e)
    finally:
        if p is not None:
            p.c.sock.close()
    if p is not None and p.received:
        line += "\n    last frames received:\n      " + \
            "\n      ".join(p.received[-6:])
    if p is not None and p.notes:
        line += "\n    notes: " + "; ".join(p.notes)
    return False, line, None


def select(role, args):
    names = [n for n, (_, roles) in CASES.items() if role in roles]
    if not args:
        return names
    out = []
    for a in args:
        if a in CASES:
            out.append(a)
            continue
        sel = [n for n in names if n.split(".", 1)[0] == a]
        if not sel:
            raise SystemExit("conform.py: no case or category %r" % a)
        out.extend(sel)
    return out


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "list":
        role = "server"
        if args and args[0] in BOTH:
            role, args = args[0], args[1:]
        for n in select(role, args):
            print(n)
        return 0
    if cmd == "server":
        cafile = None
        if "--tls" in args:
            i = args.index("--tls")
            cafile = args[i + 1]
            args = args[:i] + args[i + 2:]
        port = int(args[0])
        failed = 0
        for name in select("server", args[1:]):
            t0 = time.monotonic()
            ok, line, _ = run_case(
                name, "server", lambda: connect_server_role(port, cafile))
            print(line + ("" if ok else "  [%.2f s]" %
                          (time.monotonic() - t0)), flush=True)
            failed += not ok
        return 1 if failed else 0
    if cmd == "client":
        cert = None
        if "--tls" in args:
            i = args.index("--tls")
            cert = (args[i + 1], args[i + 2])
            args = args[:i] + args[i + 3:]
        name = args[0]
        if name not in CASES or "client" not in CASES[name][1]:
            raise SystemExit("conform.py: no client case %r" % name)
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        print("PORT %d" % ls.getsockname()[1], flush=True)
        ok, line, want = run_case(name, "client",
                                  lambda: serve_client_role(ls, cert))
        print(line)
        print("WSCAT-EXIT " + (" ".join(str(s) for s in sorted(want))
                               if want else "-"), flush=True)
        return 0 if ok else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
