#!/usr/bin/python3
"""A python3-websockets (10.x) client for the interop tests.

Connects to URL, prints "open" and "subprotocol NAME|none", sends the
-t/-b messages in order, prints -n received messages one per line as
"text JSON" or "binary HEX", then closes with --close CODE (default
1000).  The lines are those of node_client.js, so that the interop
suites can share their tests (tests/interop_common.bash).  With --expect-close CODE it instead waits for the server to
close and exits 1 unless the code matches.  The close is printed as
"close CODE REASON".

A wss:// URL is verified against the system trust store, or only
against --ca FILE; --cert FILE (with --key FILE, default the same file)
presents a client certificate.
"""

import argparse
import asyncio
import json
import ssl
import sys

import websockets


def show(msg):
    if isinstance(msg, bytes):
        print("binary", msg.hex(), flush=True)
    else:
        # As node_client.js prints it (JSON.stringify).
        print("text", json.dumps(msg, ensure_ascii=False), flush=True)


def tls_context(a):
    """The SSLContext for a wss:// URL, or None for the default."""
    if a.ca is None and a.cert is None:
        return None
    ctx = ssl.create_default_context(cafile=a.ca)
    if a.cert is not None:
        ctx.load_cert_chain(a.cert, a.key)
    return ctx


async def main(a):
    kw = {}
    ctx = tls_context(a)
    if ctx is not None:
        kw["ssl"] = ctx
    async with websockets.connect(a.url, subprotocols=a.subprotocol or None,
                                  origin=a.origin, max_size=None,
                                  close_timeout=2, **kw) as ws:
        print("open", flush=True)
        print("subprotocol", ws.subprotocol or "none", flush=True)
        for m in a.send or []:
            if a.fragment > 0 and len(m) > a.fragment:
                # One message, sent as frames of a.fragment units each.
                await ws.send(m[i:i + a.fragment]
                              for i in range(0, len(m), a.fragment))
            else:
                await ws.send(m)
        for _ in range(a.n):
            show(await ws.recv())
        if a.expect_close is None:
            await ws.close(a.close, a.reason)
        else:
            try:
                while True:
                    show(await ws.recv())
            except websockets.ConnectionClosed:
                pass
        print("close", ws.close_code, ws.close_reason, flush=True)
        if a.expect_close is not None and ws.close_code != a.expect_close:
            return 1
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("-t", dest="send", action="append", metavar="TEXT",
                   help="send TEXT as a text message (repeatable)")
    p.add_argument("-b", dest="send", action="append", metavar="HEX",
                   type=bytes.fromhex,
                   help="send the bytes HEX as a binary message (repeatable)")
    p.add_argument("-n", type=int, default=0,
                   help="messages to receive and print")
    p.add_argument("-s", dest="subprotocol", action="append",
                   help="offer a subprotocol (repeatable)")
    p.add_argument("-o", dest="origin", help="send an Origin header")
    p.add_argument("--fragment", type=int, default=0, metavar="N",
                   help="send each message as frames of N characters/bytes")
    p.add_argument("--text-file", dest="send", action="append",
                   type=lambda f: open(f, encoding="utf-8").read(),
                   metavar="FILE", help="send the contents of FILE as text")
    p.add_argument("--close", type=int, default=1000,
                   help="close code to send (default 1000)")
    p.add_argument("--reason", default="", help="close reason to send")
    p.add_argument("--expect-close", type=int,
                   help="wait for the server's close; it must have CODE")
    p.add_argument("--ca", metavar="FILE",
                   help="wss://: trust only the CAs in this PEM file")
    p.add_argument("--cert", metavar="FILE",
                   help="wss://: client certificate chain (PEM)")
    p.add_argument("--key", metavar="FILE",
                   help="wss://: private key for --cert (default: --cert)")
    a = p.parse_args()
    if a.key is not None and a.cert is None:
        p.error("--key needs --cert")
    if (a.ca or a.cert) and not a.url.startswith("wss://"):
        p.error("--ca and --cert need a wss:// URL")
    sys.exit(asyncio.run(main(a)))
