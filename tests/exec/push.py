#!/usr/bin/python3
"""push.py URL PID MIB HOLD: sends MIB MiB as 64 KiB text messages to a
program (tests/exec/late_cat.sh) that reads nothing for its first HOLD
seconds, while it watches how far its sends get and the VmRSS of
wsserve (PID).  Then reads what comes back until the close.

Prints "stalled yes|no" (whether, before HOLD - 0.5 s, the sends made no
progress for a whole second), "held BYTES" (sent by then), "rss KIB"
(the most wsserve had), each message as "text JSON", and "close CODE"."""

import asyncio
import json
import sys
import time

import websockets

CHUNK = 65536


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def main(url, pid, mib, hold):
    sent = 0
    total = mib * 1024 * 1024
    start = time.monotonic()
    # Uncompressed: the stall measured is of the bytes themselves, which
    # permessage-deflate would shrink to almost nothing.
    async with websockets.connect(url, max_size=None, close_timeout=5,
                                  compression=None) as ws:

        async def sender():
            nonlocal sent
            # Lines: no LF inside, each a different letter.
            for k in range(total // CHUNK):
                await ws.send(chr(ord("a") + k % 26) * (CHUNK - 1))
                sent += CHUNK

        task = asyncio.ensure_future(sender())
        samples = []
        rss = 0
        while time.monotonic() - start < hold - 0.5:
            samples.append((time.monotonic(), sent))
            rss = max(rss, rss_kib(pid))
            await asyncio.sleep(0.1)
        stalled = any(t2 - t1 >= 1.0 and s1 == s2
                      for t1, s1 in samples for t2, s2 in samples)
        print("stalled", "yes" if stalled else "no", flush=True)
        print("held", sent, flush=True)
        while not task.done():
            rss = max(rss, rss_kib(pid))
            await asyncio.sleep(0.1)
        await task
        print("rss", rss, flush=True)
        try:
            while True:
                print("text", json.dumps(await ws.recv()), flush=True)
        except websockets.ConnectionClosed:
            pass
        print("close", ws.close_code, flush=True)


if __name__ == "__main__":
    a = sys.argv
    asyncio.run(main(a[1], int(a[2]), int(a[3]), float(a[4])))
