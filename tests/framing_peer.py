#!/usr/bin/python3
"""python3-websockets (10.x) and raw-socket peers for tests/framing.bats.

Messages are files in a directory, taken in name order: NNN.text is a
text message (the file's bytes, which must be UTF-8), NNN.binary a binary
one.  A peer that receives writes each message the same way, numbered
from 000, so that `diff -r` compares what was sent with what arrived,
byte for byte and type for type.

  framing_peer.py server [--recv DIR [--count K]] [--send DIR] [--echo]
                         [--until-close] [--bad-utf8]
      Listens on 127.0.0.1 (a free port), prints "PORT n", serves ONE
      connection and exits.  It receives K messages into --recv DIR (K 0:
      none), then sends every message of --send DIR, then closes with
      1000.  --until-close: instead, receives into --recv DIR until the
      client closes.  --echo: instead, sends every message back until
      the client closes.  --bad-utf8: instead, sends "ok" and then a text frame that
      is not UTF-8 ("caf\\xe9") and waits for the client's close.  At the
      end it prints "close CODE REASON": the close code and reason the
      client sent (1006: none).

  framing_peer.py client URL [--send DIR] [--recv DIR] [--count K]
                         [--until-close] [--bad-utf8]
      Prints "open", sends every message of --send DIR, receives K
      messages into --recv DIR, then closes with 1000.  --until-close:
      receives into --recv DIR until the server closes (K is ignored).
      --bad-utf8: sends "ok" and a text frame that is not UTF-8, then
      waits for the server's close.  Prints "close CODE REASON" (what the
      server sent; 1006: no close frame).

  framing_peer.py slow URL
      A raw-socket client with a small receive buffer that completes the
      handshake, prints "open" and then never reads again.  Runs until
      killed.

  framing_peer.py flood URL SECONDS
      A raw-socket client with a small receive buffer that never reads
      and sends 64 KiB binary messages until the server has not taken a
      byte for 1 s (it stopped reading us), then prints "blocked BYTES"
      and sleeps until killed; gives up (exit 1) after SECONDS.

Every wait is bounded (the asyncio peers by TIMEOUT, 30 s by default).
"""

import asyncio
import os
import socket
import sys
import time
import urllib.parse

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "peers"))
import wsframe  # noqa: E402

TIMEOUT = float(os.environ.get("FRAMING_TIMEOUT", "30"))


def usage(msg):
    sys.stderr.write("framing_peer.py: %s\n" % msg)
    sys.exit(2)


def load(d):
    """The messages of directory d, in name order: str or bytes."""
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        if name.endswith(".text"):
            out.append(data.decode("utf-8"))
        elif name.endswith(".binary"):
            out.append(data)
        else:
            usage("%s: neither .text nor .binary" % name)
    return out


def store(d, i, msg):
    """Writes message i into directory d."""
    if isinstance(msg, str):
        name, data = "%03d.text" % i, msg.encode("utf-8")
    else:
        name, data = "%03d.binary" % i, msg
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def opts(argv, flags, values):
    """A tiny option parser: {name: value}; flags are True or absent."""
    a, pos = {}, []
    i = 0
    while i < len(argv):
        o = argv[i]
        if o in flags:
            a[o] = True
        elif o in values:
            if i + 1 >= len(argv):
                usage("%s needs a value" % o)
            i += 1
            a[o] = argv[i]
        elif o.startswith("--"):
            usage("unknown option %s" % o)
        else:
            pos.append(o)
        i += 1
    return a, pos


def closed_line(ws):
    return "close %s %s" % (ws.close_code, ws.close_reason)


BAD_UTF8 = b"caf\xe9"

# ---------------------------------------------------------------- server


async def serve(a):
    done = asyncio.get_running_loop().create_future()

    async def handler(ws, path=None):
        try:
            if "--echo" in a:
                async for m in ws:
                    await ws.send(m)
            elif "--bad-utf8" in a:
                await ws.send("ok")
                await ws.write_frame(True, 0x1, BAD_UTF8)
                await ws.wait_closed()
            elif "--until-close" in a:
                i = 0
                async for m in ws:
                    store(a["--recv"], i, m)
                    i += 1
            else:
                if "--recv" in a:
                    for i in range(int(a.get("--count", "0"))):
                        store(a["--recv"], i, await ws.recv())
                for m in load(a["--send"]) if "--send" in a else []:
                    await ws.send(m)
                await ws.close(1000)
            await ws.wait_closed()
        except websockets.ConnectionClosed:
            pass
        finally:
            if not done.done():
                done.set_result(closed_line(ws))

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                close_timeout=5) as srv:
        print("PORT", srv.sockets[0].getsockname()[1], flush=True)
        print(await asyncio.wait_for(done, TIMEOUT), flush=True)


# ---------------------------------------------------------------- client


async def client(url, a):
    async with websockets.connect(url, max_size=None,
                                  close_timeout=5) as ws:
        print("open", flush=True)
        if "--bad-utf8" in a:
            await ws.send("ok")
            await ws.write_frame(True, 0x1, BAD_UTF8)
            await ws.wait_closed()
        else:
            for m in load(a["--send"]) if "--send" in a else []:
                await ws.send(m)
            if "--until-close" in a:
                i = 0
                try:
                    while True:
                        m = await ws.recv()
                        store(a["--recv"], i, m)
                        i += 1
                except websockets.ConnectionClosed:
                    pass
            else:
                for i in range(int(a.get("--count", "0"))):
                    store(a["--recv"], i, await ws.recv())
                await ws.close(1000)
        print(closed_line(ws), flush=True)


# ------------------------------------------------------------- raw ones


def raw_connect(url):
    """A raw socket with a 4 KiB receive buffer, past the handshake."""
    u = urllib.parse.urlsplit(url)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((u.hostname, u.port))
    key = wsframe.new_key()
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "\r\n" % (path, u.hostname, u.port, key)).encode())
    got = wsframe.recv_head(s)
    if got is None or not got[0].startswith(b"HTTP/1.1 101"):
        sys.stderr.write("framing_peer.py: no 101: %r\n" % (got,))
        sys.exit(1)
    return s


def slow(url):
    s = raw_connect(url)
    print("open", flush=True)
    while s:
        time.sleep(3600)


def flood(url, seconds):
    s = raw_connect(url)
    print("open", flush=True)
    s.setblocking(False)
    frame = wsframe.masked_frame(wsframe.BINARY, os.urandom(65536))
    sent, pending, last = 0, b"", time.monotonic()
    deadline = last + seconds
    while time.monotonic() < deadline:
        if not pending:
            pending = frame
        try:
            n = s.send(pending)
        except BlockingIOError:
            n = 0
        if n > 0:
            sent += n
            pending = pending[n:]
            last = time.monotonic()
        elif time.monotonic() - last > 1.0:
            print("blocked", sent, flush=True)
            while True:
                time.sleep(3600)
        else:
            time.sleep(0.01)
    sys.stderr.write("framing_peer.py: never blocked (%d bytes)\n" % sent)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        usage("no mode")
    mode, argv = sys.argv[1], sys.argv[2:]
    flags = {"--echo", "--bad-utf8", "--until-close"}
    values = {"--recv", "--send", "--count"}
    if mode == "server":
        a, pos = opts(argv, flags, values)
        if pos:
            usage("unexpected %s" % pos[0])
        asyncio.run(serve(a))
    elif mode == "client":
        a, pos = opts(argv, flags, values)
        if len(pos) != 1:
            usage("client needs one URL")
        asyncio.run(asyncio.wait_for(client(pos[0], a), TIMEOUT))
    elif mode == "slow" and len(argv) == 1:
        slow(argv[0])
    elif mode == "flood" and len(argv) == 2:
        flood(argv[0], float(argv[1]))
    else:
        usage("unknown mode or arguments: %s" % " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
