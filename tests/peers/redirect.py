#!/usr/bin/python3
"""An HTTP server that answers upgrade requests with redirects and other
refusals from a table (standard library only), for the tests of wscat -L
and --reconnect (tests/redirect.bats, tests/reconnect.bats).

  redirect.py [--port N] [--cert FILE --key FILE] RULE...

Listens on 127.0.0.1 (a free port, or N with --port) and prints "PORT n"
when ready.  With --cert and --key it speaks TLS (https/wss) with that PEM
certificate chain and key.

Each RULE is one argument, "TARGET STATUS [LOCATION]":

  '/a 302 /b'                     302 Found with "Location: /b"
  '/b?x=1 301 ws://h:1/c'         matched on the whole request target...
  '/b 307 //localhost:{port}/c'   ...else on its path without the query;
                                  {port} stands for this server's own port
  '/gone 404'                     no Location header at all
  '* 503'                         any target no other rule matches

A target that no rule matches gets 404.  LOCATION is sent as it is given
(after the {port} substitution), so it may be anything, "ftp://x" too.
Every answer has "Content-Length: 0" and "Connection: close".

For each request it prints one line on stdout, flushed:

  GET /a?x=1 | Host: 127.0.0.1:4242 | Authorization: Basic YWJj | Cookie: k=v

the request line's method and target, then the Host, Authorization and
Cookie headers as received, each only when the request had it.  Runs until
killed.
"""

import argparse
import socket
import ssl
import sys
import threading

REASONS = {
    200: "OK", 300: "Multiple Choices", 301: "Moved Permanently",
    302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable",
}
LOGGED = ("host", "authorization", "cookie")
lock = threading.Lock()


def parse_rules(rules, port):
    table = {}
    for r in rules:
        parts = r.split(None, 2)
        if len(parts) < 2 or not parts[1].isdigit():
            sys.exit("redirect.py: bad rule %r: want 'TARGET STATUS "
                     "[LOCATION]'" % r)
        loc = parts[2].replace("{port}", str(port)) if len(parts) > 2 \
            else None
        table[parts[0]] = (int(parts[1]), loc)
    return table


def read_head(conn):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = conn.recv(4096)
        if not d:
            return None
        buf += d
        if len(buf) > 65536:
            return None
    return buf.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def serve(conn, table, ctx):
    try:
        conn.settimeout(5)
        if ctx is not None:
            conn = ctx.wrap_socket(conn, server_side=True)
    except (OSError, ValueError):
        conn.close()
        return
    with conn:
        try:
            head = read_head(conn)
            if head is None:
                return
            lines = head.split("\r\n")
            method, target = (lines[0].split(" ") + ["", ""])[:2]
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() in LOGGED:
                    headers.append("%s: %s" % (name.strip(), value.strip()))
            with lock:
                print(" | ".join(["%s %s" % (method, target)] + headers),
                      flush=True)
            rule = table.get(target) or table.get(target.split("?")[0]) \
                or table.get("*") or (404, None)
            status, loc = rule
            reason = REASONS.get(status, "Status")
            answer = "HTTP/1.1 %d %s\r\n" % (status, reason)
            if loc is not None:
                answer += "Location: %s\r\n" % loc
            answer += "Content-Length: 0\r\nConnection: close\r\n\r\n"
            conn.sendall(answer.encode("latin-1"))
            # No RST that could cut the answer short: wait for the
            # client's end (a TLS socket cannot half-close).
            if not isinstance(conn, ssl.SSLSocket):
                conn.shutdown(socket.SHUT_WR)
            while conn.recv(4096):
                pass
        except (OSError, ValueError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("rules", nargs="*")
    a = ap.parse_args()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(16)
    port = srv.getsockname()[1]
    table = parse_rules(a.rules, port)
    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
    print("PORT", port, flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, table, ctx),
                         daemon=True).start()


if __name__ == "__main__":
    main()
