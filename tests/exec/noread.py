#!/usr/bin/python3
"""noread.py PORT [PATH]: opens a WebSocket to 127.0.0.1:PORT with a
small receive buffer and then reads nothing at all, ever.  Prints
"sent" once the request is out; runs until killed."""

import socket
import sys
import time

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n"
           % (sys.argv[2] if len(sys.argv) > 2 else "/", sys.argv[1]))
          .encode())
print("sent", flush=True)
while True:
    time.sleep(60)
