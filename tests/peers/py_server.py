#!/usr/bin/python3
"""A python3-websockets (10.x) server for the interop tests.

Listens on 127.0.0.1, a free port, and prints "PORT n" when ready.

  py_server.py echo                          echo each message, same type
  py_server.py send-then-close CODE REASON MSG...
                                             send MSGs, then close with CODE
  py_server.py check-headers                 send a JSON text of the request
                                             headers, then echo
  py_server.py subprotocol NAME              select NAME, then echo
  py_server.py binary                        send b'\\x00\\x01\\xff' as binary
  py_server.py delay-reply SECONDS           echo each message after SECONDS
"""

import asyncio
import json
import sys

import websockets


async def echo(ws):
    async for msg in ws:
        await ws.send(msg)


def make_handler(mode, args):
    async def handler(ws, path=None):
        if mode == "send-then-close":
            code, reason, msgs = int(args[0]), args[1], args[2:]
            for m in msgs:
                await ws.send(m)
            await ws.close(code, reason)
        elif mode == "check-headers":
            h = ws.request_headers
            await ws.send(json.dumps({
                "origin": h.get("Origin"),
                "subprotocol": ws.subprotocol,
                "authorization": h.get("Authorization"),
                "x-test": h.get("X-Test"),
            }, sort_keys=True))
            await echo(ws)
        elif mode == "binary":
            await ws.send(b"\x00\x01\xff")
            await echo(ws)
        elif mode == "delay-reply":
            async for msg in ws:
                await asyncio.sleep(float(args[0]))
                await ws.send(msg)
        else:
            await echo(ws)
    return handler


async def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode not in ("echo", "send-then-close", "check-headers",
                    "subprotocol", "binary", "delay-reply"):
        sys.exit("py_server.py: unknown mode " + mode)
    kw = {"max_size": None}
    if mode == "subprotocol":
        kw["subprotocols"] = [args[0]]
    elif mode == "check-headers":
        kw["subprotocols"] = ["chat"]
    async with websockets.serve(make_handler(mode, args), "127.0.0.1", 0,
                                **kw) as server:
        port = server.sockets[0].getsockname()[1]
        print("PORT", port, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
