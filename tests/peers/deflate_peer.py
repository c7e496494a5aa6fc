#!/usr/bin/python3
"""python3-websockets (10.x) peers with permessage-deflate for
tests/deflate.bats, in the manner of Autobahn's cases 12 and 13.

  deflate_peer.py client URL [OPTIONS] echo
      send the message set (below) to a server that echoes it
      (wsserve --echo), one message at a time, and check each echo.
  deflate_peer.py client URL [OPTIONS] recv N FILE
      print "open", then receive N messages, appending each to FILE
      followed by LF; then close with 1000.
  deflate_peer.py server [OPTIONS] echo
      listen on 127.0.0.1 (a free port, printed as "PORT n"); for one
      client that echoes (wscat --echo), send the message set and check
      each echo, then close with 1000.
  deflate_peer.py server [OPTIONS] collect FILE
      as server, append each message of one client to FILE followed by
      LF until the client closes.

  OPTIONS configure the permessage-deflate factory (RFC 7692 7.1):
      --snct, --cnct       server_/client_no_context_takeover
      --smwb N             server_max_window_bits
      --cmwb N|true|none   client_max_window_bits (client default: true,
                           i.e. offered without a value; server: none)
      --no-deflate         offer or accept no extension (compression=None)

  Prints "request EXT" (the server: the offer it got), "response EXT" (the
  Sec-WebSocket-Extensions of the 101, or "none"), then "negotiated
  permessage-deflate PARAMS" or "negotiated none".  echo ends with
  "echoed N messages" (exit 0) or a "FAIL ..." line per bad echo (exit
  1).  The message set: sizes 16 B to 1 MiB times kinds text (compresses
  well, UTF-8), far and near (a random block of 3000 or 300 characters
  repeated: compressible only with a window over 2 KiB or 256 bytes, so a
  compressor using more window than negotiated makes our strict inflater
  fail), random (base64 of random bytes), binary (random bytes) and
  zeros (binary).  Every wait is bounded (60 s in all).
"""

import argparse
import asyncio
import base64
import os
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory, PerMessageDeflate,
    ServerPerMessageDeflateFactory)

SIZES = [16, 64, 128, 256, 1024, 4096, 16384, 65536, 262144, 1048576]
KINDS = ["text", "far", "near", "random", "binary", "zeros"]
LIMIT = 60


def message(kind, n):
    """A message of about n bytes (text cut at a character boundary)."""
    if kind == "binary":
        return os.urandom(n)
    if kind == "zeros":
        return bytes(n)
    if kind == "text":
        unit = "line of text: ünï ✓ \"quoted\" \\ tab\t and so on, %d\n"
        b = "".join(unit % i for i in range(n // 40 + 1)).encode()
    elif kind in ("far", "near"):
        block = base64.b64encode(os.urandom(2250 if kind == "far" else 225))
        b = block * (n // len(block) + 1)
    else:
        b = base64.b64encode(os.urandom(n))
    return b[:n].decode("utf-8", "ignore")


def show(label, headers):
    print(label, headers.get("Sec-WebSocket-Extensions", "none"), flush=True)


def show_negotiated(ws):
    pmd = [e for e in ws.extensions if isinstance(e, PerMessageDeflate)]
    if not pmd:
        print("negotiated none", flush=True)
        return
    e = pmd[0]
    print("negotiated permessage-deflate remote_nct=%d local_nct=%d "
          "remote_bits=%d local_bits=%d" % (
              e.remote_no_context_takeover, e.local_no_context_takeover,
              e.remote_max_window_bits, e.local_max_window_bits),
          flush=True)


async def echo_check(ws):
    bad = n = 0
    for size in SIZES:
        for kind in KINDS:
            m = message(kind, size)
            await ws.send(m)
            got = await ws.recv()
            n += 1
            if got != m:
                bad += 1
                print("FAIL %s of %d bytes: got %s of %d" % (
                    kind, size, type(got).__name__, len(got)), flush=True)
    if not bad:
        print("echoed %d messages" % n, flush=True)
    await ws.close(1000)
    return 1 if bad else 0


async def collect(ws, path):
    with open(path, "ab") as f:
        try:
            async for m in ws:
                f.write((m.encode() if isinstance(m, str) else m) + b"\n")
                f.flush()
        except websockets.ConnectionClosed:
            pass
    print("close", ws.close_code, flush=True)
    return 0


def window(v):
    return None if v in (None, "none") else True if v == "true" else int(v)


def deflate_kw(a):
    if a.no_deflate:
        return {"compression": None}
    kw = {"server_no_context_takeover": a.snct,
          "client_no_context_takeover": a.cnct,
          "server_max_window_bits": a.smwb}
    if a.cmd == "client":
        kw["client_max_window_bits"] = window(a.cmwb or "true")
        return {"extensions": [ClientPerMessageDeflateFactory(**kw)]}
    kw["client_max_window_bits"] = window(a.cmwb)
    return {"extensions": [ServerPerMessageDeflateFactory(**kw)]}


async def client(a):
    async with websockets.connect(a.url, max_size=None, close_timeout=5,
                                  **deflate_kw(a)) as ws:
        show("response", ws.response_headers)
        show_negotiated(ws)
        if a.mode[0] == "echo":
            return await echo_check(ws)
        n, path = int(a.mode[1]), a.mode[2]
        print("open", flush=True)
        with open(path, "ab") as f:
            for _ in range(n):
                m = await ws.recv()
                f.write((m.encode() if isinstance(m, str) else m) + b"\n")
                f.flush()
        await ws.close(1000)
        return 0


async def server(a):
    done = asyncio.get_running_loop().create_future()

    async def handler(ws, path=None):
        show("request", ws.request_headers)
        show("response", ws.response_headers)
        show_negotiated(ws)
        if a.mode[0] == "echo":
            rc = await echo_check(ws)
        else:
            rc = await collect(ws, a.mode[1])
        if not done.done():
            done.set_result(rc)

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                close_timeout=5, **deflate_kw(a)) as srv:
        print("PORT", srv.sockets[0].getsockname()[1], flush=True)
        return await done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["client", "server"])
    ap.add_argument("args", nargs="+", help="[URL] MODE [ARGS]")
    ap.add_argument("--snct", action="store_true")
    ap.add_argument("--cnct", action="store_true")
    ap.add_argument("--smwb", type=int)
    ap.add_argument("--cmwb")
    ap.add_argument("--no-deflate", action="store_true")
    a = ap.parse_intermixed_args()
    if a.cmd == "client":
        a.url, a.mode = a.args[0], a.args[1:]
    else:
        a.mode = a.args
    want = {"echo": 1, "recv": 3, "collect": 2}
    if not a.mode or want.get(a.mode[0]) != len(a.mode):
        ap.error("bad mode: %s" % " ".join(a.mode))
    run = client(a) if a.cmd == "client" else server(a)
    try:
        return asyncio.run(asyncio.wait_for(run, LIMIT))
    except asyncio.TimeoutError:
        print("FAIL timed out after %d s" % LIMIT, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
