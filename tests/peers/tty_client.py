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

from ttyio import json_text, say, show, show_close


async def receive(ws):
    """Prints messages until the server closes."""
    try:
        while True:
            show(await ws.recv())
    except websockets.ConnectionClosed:
        pass


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
    reader = asyncio.ensure_future(receive(ws))
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
    p.add_argument("-t", dest="send", action="append", metavar="TEXT",
                   help="send TEXT as a text message (repeatable)")
    p.add_argument("-j", dest="send", action="append", metavar="JSON",
                   type=json_text,
                   help="send the JSON string as a text message (for "
                   "control characters; repeatable)")
    p.add_argument("-b", dest="send", action="append", metavar="HEX",
                   type=bytes.fromhex,
                   help="send the bytes HEX as a binary message (repeatable)")
    p.add_argument("-s", "--subprotocol", action="append", metavar="NAME",
                   help="offer subprotocol NAME (repeatable)")
    p.add_argument("--stdin", action="store_true",
                   help="then send each line of stdin as a text message")
    p.add_argument("--wait", type=float, default=5, metavar="SECONDS",
                   help="close after SECONDS open (default 5; 0: at once)")
    p.add_argument("--close", type=int, default=1000, metavar="CODE",
                   help="the close code to send (default 1000)")
    p.add_argument("--reason", default="", help="the close reason to send")
    a = p.parse_args()
    if not 0 <= a.wait <= 120:
        p.error("--wait: 0 to 120 seconds")
    sys.exit(asyncio.run(main(a)))
