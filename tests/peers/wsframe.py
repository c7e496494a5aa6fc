"""RFC 6455 bytes for the raw-socket test peers (standard library only).

Shared by raw.py, hostile.py and conform.py: the opening handshake (the
client's request, the accept value, the server's 101), masking, building
and parsing frames, close payloads, and bounded reads.  Nothing here
checks what the tools send: the peers do that, each in its own way.
"""

import base64
import hashlib
import os
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0, 1, 2, 8, 9, 10

# ------------------------------------------------------------ handshake


def new_key():
    """A fresh Sec-WebSocket-Key: 16 random bytes in base64."""
    return base64.b64encode(os.urandom(16)).decode()


def accept_key(key):
    """The Sec-WebSocket-Accept value for key (RFC 6455 4.2.2)."""
    if isinstance(key, str):
        key = key.encode()
    return base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()


def upgrade_request(key, host="127.0.0.1"):
    """A valid opening request head (GET /, CRLF line ends)."""
    return ("GET / HTTP/1.1\r\nHost: %s\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
            "\r\n" % (host, key)).encode()


def switching_protocols(key):
    """The server's 101 response head accepting key."""
    return ("HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: %s\r\n\r\n" % accept_key(key)).encode()


def recv_head(sock):
    """Reads up to the end of an HTTP head (blocking, with the socket's own
    timeout); returns (head, rest) without the blank line, or None when
    the connection ends first."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(4096)
        if not d:
            return None
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


def header(head, name):
    """The value of header name (any case) in head (bytes), or None."""
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None

# --------------------------------------------------------------- frames


def mask(data, key):
    """data XOR the 4-byte masking key, repeated (RFC 6455 5.3)."""
    n = len(data)
    if n == 0:
        return b""
    rep = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^
            int.from_bytes(rep, "little")).to_bytes(n, "little")


def build_frame(opcode, payload, fin=True, rsv=0, masked=False, enc=None):
    """One frame, masked with a random key if masked.  enc forces the
    length encoding: 7, 16 or 64 (bits); by default the minimal one."""
    n = len(payload)
    if enc is None:
        enc = 7 if n < 126 else 16 if n < 65536 else 64
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if masked else 0
    if enc == 7:
        head = struct.pack("!BB", b0, mbit | n)
    elif enc == 16:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + mask(payload, key)


def masked_frame(opcode, payload):
    """A final, masked frame: what a client sends."""
    return build_frame(opcode, payload, masked=True)


def close_payload(code, reason=b""):
    """A close frame's payload: the code and the reason (str is encoded
    as UTF-8); empty when code is None."""
    if isinstance(reason, str):
        reason = reason.encode()
    return b"" if code is None else struct.pack("!H", code) + reason


def close_code(payload):
    """The status code in a close payload, or None if it has none."""
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


def parse_frame(buf):
    """(fin, opcode, payload, size) of the first frame in buf, unmasked
    if it was masked, or None while buf does not hold a whole frame."""
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
    return bool(b0 & 0x80), b0 & 0x0F, payload, off + n


def parse_frames(data):
    """[(opcode, payload)] of the whole frames in data."""
    frames = []
    buf = bytearray(data)
    while True:
        f = parse_frame(buf)
        if f is None:
            return frames
        del buf[:f[3]]
        frames.append((f[1], f[2]))

# ---------------------------------------------------------------- reads


def recv_by(sock, deadline, size=65536):
    """One recv that gives up at deadline (time.monotonic()): the bytes,
    b"" once the peer has closed or reset the connection, or None when
    the deadline passed first."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(size)
    except socket.timeout:
        return None
    except ConnectionResetError:
        return b""


def read_until_eof(sock, buf, deadline, on_data=None):
    """Appends what comes to buf (a bytearray) until EOF (True) or the
    deadline (False); on_data(buf) is called after each read."""
    while True:
        d = recv_by(sock, deadline)
        if d is None:
            return False
        if not d:
            return True
        buf += d
        if on_data is not None:
            on_data(buf)
