"""What the terminal tests' python peers share (tty_client.py and
tty_server.py): the lines they print, one per message or close, the text
as JSON so that control characters stay visible; the receive loop; and
the options for what to send and how to close."""

import json

import websockets


def json_text(arg):
    """-j: a JSON string, for text with control characters in it."""
    s = json.loads(arg)
    if not isinstance(s, str):
        raise ValueError("not a JSON string")
    return s


def say(*words):
    print(*words, flush=True)


def show(msg):
    if isinstance(msg, bytes):
        say("binary", msg.hex())
    else:
        say("text", json.dumps(msg, ensure_ascii=True))


def show_close(ws):
    if ws.close_reason:
        say("close", ws.close_code, ws.close_reason)
    else:
        say("close", ws.close_code)


async def receive(ws):
    """Prints messages until the peer closes."""
    try:
        while True:
            show(await ws.recv())
    except websockets.ConnectionClosed:
        pass


def add_message_args(p):
    """-t, -j and -b: the messages to send, in order, into a.send."""
    p.add_argument("-t", dest="send", action="append", metavar="TEXT",
                   help="send TEXT as a text message (repeatable)")
    p.add_argument("-j", dest="send", action="append", metavar="JSON",
                   type=json_text,
                   help="send the JSON string as a text message (for "
                   "control characters; repeatable)")
    p.add_argument("-b", dest="send", action="append", metavar="HEX",
                   type=bytes.fromhex,
                   help="send the bytes HEX as a binary message (repeatable)")


def parse_with_close(p, wait):
    """--wait (default wait seconds), --close and --reason; parses."""
    p.add_argument("--wait", type=float, default=wait, metavar="SECONDS",
                   help="close after SECONDS open (default %g; 0: at once)"
                   % wait)
    p.add_argument("--close", type=int, default=1000, metavar="CODE",
                   help="the close code to send (default 1000)")
    p.add_argument("--reason", default="", help="the close reason to send")
    a = p.parse_args()
    if not 0 <= a.wait <= 120:
        p.error("--wait: 0 to 120 seconds")
    return a
