#!/usr/bin/python3
"""A python3-websockets (10.x) client for the terminal tests
(tests/tty_wsserve.bats).

Connects to URL (offering --subprotocol NAME, if given), sends the -t
(text), -j (text given as a JSON string) and -b (binary, in hex)
messages in order, then, with --stdin, each line of stdin as a text
message, and prints every message it receives, one per line: "text
JSON" (non-ASCII as \\uXXXX) or "binary HEX".  When the server closes,
it prints "close CODE REASON" ("close CODE" with an empty reason) and
exits 0.  If the server has not closed --wait seconds after the -t, -j
and -b messages went out (5 by default; 0: at once), it closes itself
with --close CODE (1000) and --reason, prints the close the same way and
exits 0.  Everything is bounded: exit status 3 if it cannot connect
within 5 s, 4 if the closing handshake takes more than 5 s.
"""

import argparse
import asyncio
import sys
import threading

import websockets

import ttyio
from ttyio import say, show_close


async def send_stdin(ws):
    """Sends each line of stdin as a text message, until EOF.  A daemon
    thread reads, so that a blocked read never holds up the exit."""
    loop = asyncio.get_running_loop()
    lines = asyncio.Queue()

    def read():
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, daemon=True).start()
    while (line := await lines.get()) is not None:
        await ws.send(line.rstrip("\n"))


async def main(a):
    try:
        ws = await asyncio.wait_for(
            websockets.connect(a.url, subprotocols=a.subprotocol or None,
                               max_size=None, close_timeout=5,
                               ping_interval=None),
            5)
    except (OSError, asyncio.TimeoutError,
            websockets.InvalidHandshake) as e:
        print("tty_client: cannot connect:", e, file=sys.stderr)
        return 3
    for m in a.send or []:
        await ws.send(m)
    reader = asyncio.ensure_future(ttyio.receive(ws))
    if a.stdin:
        asyncio.ensure_future(send_stdin(ws))
    await asyncio.wait([reader], timeout=a.wait)
    if not reader.done():
        try:
            await asyncio.wait_for(ws.close(a.close, a.reason), 5)
        except asyncio.TimeoutError:
            print("tty_client: the close took more than 5 s",
                  file=sys.stderr)
            return 4
        await reader
    show_close(ws)
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("url")
    ttyio.add_message_args(p)
    p.add_argument("-s", "--subprotocol", action="append", metavar="NAME",
                   help="offer subprotocol NAME (repeatable)")
    p.add_argument("--stdin", action="store_true",
                   help="then send each line of stdin as a text message")
    a = ttyio.parse_with_close(p, 5)
    sys.exit(asyncio.run(main(a)))
