#!/usr/bin/python3
"""many.py URL N: N clients at once, each with a program of its own
(tests/exec/id_upper.sh): each reads "id ID", sends "message I" and
expects "MESSAGE I" back, then closes.  Prints "ok COUNT", "ids DISTINCT
MIN MAX" and one line per failure."""

import asyncio
import sys

import websockets


async def one(url, i, ids):
    async with websockets.connect(url, close_timeout=5,
                                  open_timeout=30) as ws:
        first = await ws.recv()
        if not first.startswith("id "):
            return "client %d: first message %r" % (i, first)
        ids.append(int(first[3:]))
        await ws.send("message %d" % i)
        got = await ws.recv()
        if got != "MESSAGE %d" % i:
            return "client %d: got %r" % (i, got)
        return None


async def main(url, n):
    ids = []
    res = await asyncio.gather(*(one(url, i, ids) for i in range(n)),
                               return_exceptions=True)
    bad = [r for r in res if r is not None]
    print("ok", n - len(bad))
    print("ids", len(set(ids)), min(ids, default=0), max(ids, default=0))
    for r in bad:
        print("failed:", r)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]))))
