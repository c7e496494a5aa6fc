"""What the terminal tests' python peers print, in one place (shared by
tty_client.py and tty_server.py): one line per message or close, the
text as JSON so that control characters stay visible."""

import json


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
