#!/usr/bin/python3
"""A client that pauses where a server may put the connection to sleep.

  napper.py PORT STEP...
  napper.py PORT --many N SECONDS

Opens a WebSocket connection to 127.0.0.1:PORT (standard library only),
prints "OPEN", then runs each STEP in order:

  text:T     a masked text frame T
  first:T    the first fragment of a text message (FIN clear)
  last:T     its final continuation frame
  head:T     the first two bytes of a masked text frame T, no more
  rest       the rest of that frame
  sleep:S    wait S seconds, reading nothing
  recv       read one data frame and print "text T" (or "binary HEX")
  close      send a close (1000), print "close CODE" for the answer

Every read is bounded by 10 s; exit status 1 on a timeout or EOF.

With --many it opens N connections, prints "OPEN N" once all are
upgraded, keeps them idle for SECONDS, then closes them (TCP only).
"""

import socket
import sys
import time

import wsframe


def upgrade(port):
    """A connection past its handshake and the bytes after the head, or
    None."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(wsframe.upgrade_request(wsframe.new_key()))
    got = wsframe.recv_head(sock)
    if got is None or b" 101 " not in got[0].split(b"\r\n")[0]:
        return None
    return sock, got[1]


def many(port, n, secs):
    socks = []
    for _ in range(n):
        c = upgrade(port)
        if c is None:
            print("OPEN", len(socks), flush=True)
            return 1
        socks.append(c[0])
    print("OPEN", n, flush=True)
    time.sleep(secs)
    for sock in socks:
        sock.close()
    return 0


def main():
    port = int(sys.argv[1])
    if sys.argv[2:3] == ["--many"]:
        return many(port, int(sys.argv[3]), float(sys.argv[4]))
    c = upgrade(port)
    if c is None:
        print("NOT UPGRADED", flush=True)
        return 1
    sock, buf = c
    print("OPEN", flush=True)
    pending = b""
    for step in sys.argv[2:]:
        verb, _, arg = step.partition(":")
        if verb == "text":
            sock.sendall(wsframe.masked_frame(wsframe.TEXT, arg.encode()))
        elif verb in ("first", "last"):
            sock.sendall(wsframe.build_frame(
                wsframe.TEXT if verb == "first" else wsframe.CONT,
                arg.encode(), fin=verb == "last", masked=True))
        elif verb == "head":
            frame = wsframe.masked_frame(wsframe.TEXT, arg.encode())
            sock.sendall(frame[:2])
            pending = frame[2:]
        elif verb == "rest":
            sock.sendall(pending)
        elif verb == "sleep":
            time.sleep(float(arg))
        elif verb in ("recv", "close"):
            if verb == "close":
                sock.sendall(wsframe.masked_frame(
                    wsframe.CLOSE, wsframe.close_payload(1000)))
            deadline = time.monotonic() + 10
            while True:
                frame = wsframe.parse_frame(buf)
                if frame is not None:
                    break
                data = wsframe.recv_by(sock, deadline)
                if not data:
                    print("EOF", flush=True)
                    return 1
                buf += data
            _fin, op, payload, used = frame
            buf = buf[used:]
            if op == wsframe.CLOSE:
                print("close", wsframe.close_code(payload), flush=True)
            elif op == wsframe.TEXT:
                print("text", payload.decode(), flush=True)
            else:
                print("binary", payload.hex(), flush=True)
        else:
            print("unknown step", step, file=sys.stderr)
            return 2
    return 0


sys.exit(main())
