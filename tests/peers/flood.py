#!/usr/bin/env python3
"""Flooding peers for tests/flood.bats: each mode attacks wsserve or wscat
with one kind of flood, bounded in time, and prints what it did.

  flood.py ping-client PORT SECONDS SIZE   pings, never reads
  flood.py ping-server SECONDS SIZE        the same toward wscat (prints
                                           "PORT n" once it listens)
  flood.py frag-client PORT N              one text message of N bytes in
                                           N one-byte frames, then a close
  flood.py frag-server N                   the same toward wscat
  flood.py idle PORT N SECONDS             N sockets that never send a byte
  flood.py partial PORT N SIZE SECONDS     N clients each send all but the
                                           last byte of a SIZE-byte message
  flood.py stuck PORT SECONDS              a client that never reads
"""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsframe  # noqa: E402


def connect(port, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def client_handshake(s):
    key = wsframe.new_key()
    s.sendall(wsframe.upgrade_request(key))
    got = wsframe.recv_head(s)
    if got is None or not got[0].startswith(b"HTTP/1.1 101"):
        sys.exit("handshake refused: %r" % (got,))
    return got[1]


def listen():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    ls.settimeout(10)
    s, _ = ls.accept()
    ls.close()
    s.settimeout(10)
    got = wsframe.recv_head(s)
    if got is None:
        sys.exit("no request")
    key = wsframe.header(got[0], b"Sec-WebSocket-Key").decode()
    s.sendall(wsframe.switching_protocols(key))
    return s


def send_for(s, batch, seconds):
    """Sends batch over and over for seconds (or until the peer stops
    taking it and the deadline passes); returns the batches sent."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            s.sendall(batch)
        except (socket.timeout, BlockingIOError):
            break
        except OSError:
            break
        n += 1
    return n


def ping_flood(s, seconds, size, masked):
    frame = wsframe.build_frame(wsframe.PING, b"p" * size, masked=masked)
    n = send_for(s, frame * 1000, seconds)
    print("pings %d" % (n * 1000), flush=True)


def fragments(n, masked):
    parts = [wsframe.build_frame(wsframe.TEXT, b"x", fin=False,
                                 masked=masked)]
    one = wsframe.build_frame(wsframe.CONT, b"x", fin=False, masked=masked)
    if not masked:
        parts.append(one * (n - 2))
    else:
        parts.extend(wsframe.build_frame(wsframe.CONT, b"x", fin=False,
                                         masked=True) for _ in range(n - 2))
    parts.append(wsframe.build_frame(wsframe.CONT, b"x", masked=masked))
    return b"".join(parts)


def close(s, masked):
    s.sendall(wsframe.build_frame(wsframe.CLOSE, wsframe.close_payload(1000),
                                  masked=masked))
    end = time.monotonic() + 10
    buf = bytearray()
    wsframe.read_until_eof(s, buf, end)


def partial(port, size, seconds, sent, i):
    try:
        s = connect(port)
        client_handshake(s)
        # A masked header announcing size bytes, then size - 1 of them.
        key = os.urandom(4)
        hdr = bytes([0x82, 0x80 | 127]) + size.to_bytes(8, "big") + key
        chunk = wsframe.mask(b"b" * 65536, key)  # key repeats every 4
        s.sendall(hdr)
        left = size - 1
        end = time.monotonic() + seconds
        while left > 0 and time.monotonic() < end:
            n = min(left, len(chunk))
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                s.sendall(chunk[:n])
            except OSError:
                break
            left -= n
            sent[i] += n
        time.sleep(max(0, end - time.monotonic()))
        s.close()
    except OSError as e:
        print("client %d: %s" % (i, e), file=sys.stderr)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "ping-client":
        s = connect(int(args[0]), rcvbuf=4096)
        client_handshake(s)
        ping_flood(s, float(args[1]), int(args[2]), True)
    elif mode == "ping-server":
        s = listen()
        ping_flood(s, float(args[0]), int(args[1]), False)
        time.sleep(1)
    elif mode == "frag-client":
        s = connect(int(args[0]))
        client_handshake(s)
        s.sendall(fragments(int(args[1]), True))
        close(s, True)
        print("sent", flush=True)
    elif mode == "frag-server":
        s = listen()
        s.sendall(fragments(int(args[0]), False))
        close(s, False)
        print("sent", flush=True)
    elif mode == "idle":
        socks = [connect(int(args[0])) for _ in range(int(args[1]))]
        print("idle %d" % len(socks), flush=True)
        time.sleep(float(args[2]))
    elif mode == "partial":
        port, n, size, seconds = (int(args[0]), int(args[1]), int(args[2]),
                                  float(args[3]))
        sent = [0] * n
        threads = [threading.Thread(target=partial,
                                    args=(port, size, seconds, sent, i))
                   for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("sent %d" % sum(sent), flush=True)
    elif mode == "stuck":
        s = connect(int(args[0]), rcvbuf=4096)
        client_handshake(s)
        print("stuck", flush=True)
        time.sleep(float(args[1]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
