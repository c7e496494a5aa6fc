#!/usr/bin/python3
"""A python3-websockets (10.x) server for the interop tests.

Listens on 127.0.0.1, a free port, and prints "PORT n" when ready.

  py_server.py [--cert FILE --key FILE [--client-ca FILE]] MODE [ARGS...]

With --cert and --key it serves wss:// (TLS) with that PEM certificate
chain and key; --client-ca FILE also requires a client certificate
signed by a CA in FILE.

  py_server.py echo                          echo each message, same type
  py_server.py send-then-close CODE REASON MSG...
                                             send MSGs, then close with CODE
  py_server.py check-headers                 send a JSON text of the request
                                             headers (compact, as node's
                                             JSON.stringify), then echo
  py_server.py subprotocol NAME              select NAME, then echo
  py_server.py binary                        send b'\\x00\\x01\\xff' as binary
  py_server.py delay-reply SECONDS           echo each message after SECONDS
  py_server.py sni                           (TLS) send the server name the
                                             client sent (SNI), or "None",
                                             then echo
  py_server.py peer-cert                     (TLS) send the commonName of
                                             the client certificate, or
                                             "None", then echo
"""

import asyncio
import json
import ssl
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
            }, sort_keys=True, separators=(",", ":")))
            await echo(ws)
        elif mode == "binary":
            await ws.send(b"\x00\x01\xff")
            await echo(ws)
        elif mode == "sni":
            obj = ws.transport.get_extra_info("ssl_object")
            await ws.send(str(getattr(obj, "sni_name", None)))
            await echo(ws)
        elif mode == "peer-cert":
            cert = ws.transport.get_extra_info("peercert") or {}
            cn = None
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
            await ws.send(str(cn))
            await echo(ws)
        elif mode == "delay-reply":
            async for msg in ws:
                await asyncio.sleep(float(args[0]))
                await ws.send(msg)
        else:
            await echo(ws)
    return handler


def tls_context(opts):
    """An SSLContext for --cert/--key (and --client-ca), or None."""
    if not opts:
        return None
    if "cert" not in opts or "key" not in opts:
        sys.exit("py_server.py: --cert and --key go together")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts["cert"], opts["key"])
    if "client-ca" in opts:
        ctx.load_verify_locations(opts["client-ca"])
        ctx.verify_mode = ssl.CERT_REQUIRED

    def remember_sni(obj, name, _ctx):
        obj.sni_name = name
    ctx.sni_callback = remember_sni
    return ctx


async def main():
    argv, opts = sys.argv[1:], {}
    while argv and argv[0] in ("--cert", "--key", "--client-ca"):
        if len(argv) < 2:
            sys.exit("py_server.py: " + argv[0] + " needs a FILE")
        opts[argv[0][2:]] = argv[1]
        argv = argv[2:]
    if not argv:
        sys.exit("py_server.py: no mode")
    mode, args = argv[0], argv[1:]
    if mode not in ("echo", "send-then-close", "check-headers",
                    "subprotocol", "binary", "delay-reply", "sni",
                    "peer-cert"):
        sys.exit("py_server.py: unknown mode " + mode)
    kw = {"max_size": None}
    ctx = tls_context(opts)
    if ctx is not None:
        kw["ssl"] = ctx
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
