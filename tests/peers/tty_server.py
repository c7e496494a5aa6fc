#!/usr/bin/python3
"""A python3-websockets (10.x) server for the terminal tests
(tests/tty_wscat.bats): the peer wscat's console talks to when wsserve
cannot play the part (pings with data, the pongs a client sends, a close
with a chosen code and reason).

Listens on 127.0.0.1, a free port, prints "PORT n" when ready and serves
one connection (selecting --subprotocol NAME if the client offers it).
Once it is open it sends the -t (text), -j (text given as a JSON string)
and -b (binary, in hex) messages in order, then a ping with each --ping
DATA.  It prints every frame it receives, one per line: "text JSON"
(non-ASCII as \\uXXXX), "binary HEX" or "pong HEX".  When the client
closes, it prints "close CODE REASON" ("close CODE" with an empty reason)
and exits 0.  If the client has not closed --wait seconds after the
messages went out (10 by default; 0: at once), it closes itself with
--close CODE (1000) and --reason, prints the close the client answered
with the same way, and exits 0.  Everything is bounded: exit status 3 if
no client comes within 10 s, 4 if the closing handshake takes more than
5 s.
"""

import argparse
import asyncio
import sys

import websockets
import websockets.legacy.server
from websockets.frames import Opcode

import ttyio
from ttyio import say, show_close


class Protocol(websockets.legacy.server.WebSocketServerProtocol):
    """Prints the pongs the client sends, asked for or not (the library
    swallows them)."""

    async def read_frame(self, max_size):
        frame = await super().read_frame(max_size)
        if frame.opcode == Opcode.PONG:
            say("pong", frame.data.hex())
        return frame


def make_handler(a, done):
    async def handler(ws, path=None):
        try:
            for m in a.send or []:
                await ws.send(m)
            for d in a.ping or []:
                await ws.ping(d.encode())
            reader = asyncio.ensure_future(ttyio.receive(ws))
            await asyncio.wait([reader], timeout=a.wait)
            if not reader.done():
                try:
                    await asyncio.wait_for(ws.close(a.close, a.reason), 5)
                except asyncio.TimeoutError:
                    print("tty_server: the close took more than 5 s",
                          file=sys.stderr)
                    done.set_result(4)
                    return
                await reader
            show_close(ws)
            done.set_result(0)
        except Exception as e:  # report it, never hang
            print("tty_server:", repr(e), file=sys.stderr)
            if not done.done():
                done.set_result(1)
    return handler


async def main(a):
    done = asyncio.get_running_loop().create_future()
    async with websockets.serve(make_handler(a, done), "127.0.0.1", 0,
                                create_protocol=Protocol,
                                subprotocols=a.subprotocol or None,
                                max_size=None, ping_interval=None,
                                close_timeout=5) as server:
        print("PORT", server.sockets[0].getsockname()[1], flush=True)
        try:
            return await asyncio.wait_for(done, 10 + a.wait + 10)
        except asyncio.TimeoutError:
            print("tty_server: no client, or it never ended",
                  file=sys.stderr)
            return 3


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ttyio.add_message_args(p)
    p.add_argument("--ping", action="append", metavar="DATA",
                   help="then send a ping with DATA (repeatable)")
    p.add_argument("-s", "--subprotocol", action="append", metavar="NAME",
                   help="select NAME if the client offers it (repeatable)")
    a = ttyio.parse_with_close(p, 10)
    sys.exit(asyncio.run(main(a)))
