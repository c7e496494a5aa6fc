#!/usr/bin/env bats
# Standard input and output at their limits: a terminal on stdout that
# nobody reads pauses only the flow into it (never the loop: handshakes,
# other clients, pings), and wscat's exit status says when input was not
# all sent (unreadable stdin, a line over --max-message, lines still queued
# when the server closed).

load helpers

# Helpers in python3 (standard library only but pinger.py), written once
# for the file:
#   ptyrun.py GO OUT CMD...  runs CMD with its stdout on a raw pty and
#       prints "PID n" (CMD's); reads nothing from the pty until the file
#       GO exists, then copies it to OUT until CMD closes it; exits with
#       CMD's status.
#   pinger.py N SIZE GO  a python3-websockets server ("PORT n" when it
#       listens): sends N text messages of SIZE bytes and prints "SENT";
#       once the file GO exists sends a ping, and prints "PONG" if the pong
#       comes within 5 s, else "NO PONG"; then closes with 1000.
#   closer.py  a bare server ("PORT n"): answers the handshake, reads
#       nothing until the bytes waiting for it stop growing (the client's
#       queue is full), closes with 1001, then reads up to the client's
#       close and prints "REPLY code" and "MESSAGES n" (messages read).
setup_file() {
	cat >"$BATS_FILE_TMPDIR/ptyrun.py" <<'EOF'
import os, pty, subprocess, sys, time, tty

go, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
tty.setraw(slave)  # byte for byte: LF stays LF
child = subprocess.Popen(cmd, stdout=slave)
os.close(slave)
print("PID", child.pid, flush=True)
while not os.path.exists(go) and child.poll() is None:
    time.sleep(0.05)
with open(out, "wb") as f:
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed it
            break
        if not data:
            break
        f.write(data)
        f.flush()
sys.exit(child.wait())
EOF
	cat >"$BATS_FILE_TMPDIR/pinger.py" <<'EOF'
import asyncio, os, sys
import websockets

N, SIZE, GO = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

async def handler(ws, path=None):
    for i in range(N):
        await ws.send("%0*d" % (SIZE, i))
    print("SENT", flush=True)
    while not os.path.exists(GO):
        await asyncio.sleep(0.05)
    try:
        await asyncio.wait_for(await ws.ping(), 5)
        print("PONG", flush=True)
    except asyncio.TimeoutError:
        print("NO PONG", flush=True)
    await ws.close(1000)

async def main():
    async with websockets.serve(handler, "127.0.0.1", 0,
                                ping_interval=None) as srv:
        print("PORT", srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
EOF
	cat >"$BATS_FILE_TMPDIR/closer.py" <<'EOF'
import base64, fcntl, hashlib, socket, struct, termios, time

ls = socket.create_server(("127.0.0.1", 0))
print("PORT", ls.getsockname()[1], flush=True)
c, _ = ls.accept()
c.settimeout(20)
head = b""
while b"\r\n\r\n" not in head:
    head += c.recv(4096)
key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n")
       if l.lower().startswith(b"sec-websocket-key:")][0]
accept = base64.b64encode(hashlib.sha1(
    key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
          b"\r\n\r\n")
last, same = -1, 0
while same < 5:
    time.sleep(0.05)
    n = struct.unpack("i", fcntl.ioctl(c, termios.FIONREAD, b"\0" * 4))[0]
    same = same + 1 if n == last and n > 0 else 0
    last = n
c.sendall(b"\x88\x02" + struct.pack("!H", 1001))
buf = bytearray()

def take(n):
    while len(buf) < n:
        data = c.recv(1 << 16)
        if not data:
            raise EOFError("no close reply")
        buf.extend(data)
    r = bytes(buf[:n])
    del buf[:n]
    return r

msgs = 0
while True:
    b0, b1 = take(2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack("!H", take(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", take(8))[0]
    mask = take(4) if b1 & 0x80 else b"\0" * 4
    data = bytes(x ^ mask[i % 4] for i, x in enumerate(take(n)))
    if b0 & 0x0f == 8:
        print("REPLY", struct.unpack("!H", data[:2])[0], flush=True)
        break
    if b0 & 0x80:
        msgs += 1
print("MESSAGES", msgs, flush=True)
c.close()
EOF
}

# on_pty NAME SECONDS CMD...: spawn NAME SECONDS CMD with CMD's stdout on a
# pty that is not read until pty_read NAME; what it wrote then lands in
# $BATS_TEST_TMPDIR/NAME.tty.  Sets PTY_CHILD, CMD's PID.
on_pty() {
	local name=$1 secs=$2 base=$BATS_TEST_TMPDIR/$1
	shift 2
	spawn "$name" "$secs" "$PY" "$BATS_FILE_TMPDIR/ptyrun.py" \
		"$base.go" "$base.tty" "$@"
	wait_until 5 grep -q '^PID ' "$base.out" || return 1
	PTY_CHILD=$(sed -n 's/^PID //p' "$base.out")
	track_pid "$PTY_CHILD"
}
pty_read() { touch "$BATS_TEST_TMPDIR/$1.go"; }

# wait_for_stall PID: what PID has read (rchar) stays the same for half a
# second; fails after 10 s.
wait_for_stall() {
	local last=-1 now same=0 end=$((SECONDS + 10))
	while [ "$same" -lt 5 ]; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
		now=$(sed -n 's/^rchar: //p' "/proc/$1/io")
		if [ "$now" = "$last" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		last=$now
	done
}

# lines_of COUNT SIZE FILE: COUNT numbered lines of SIZE bytes each.
lines_of() {
	awk -v n="$1" -v w="$2" \
		'BEGIN { for (i = 1; i <= n; i++) printf "%0*d\n", w, i }' >"$3"
}

@test "wsserve serves clients while its stdout is a terminal nobody reads" {
	local in=$BATS_TEST_TMPDIR/in want=$BATS_TEST_TMPDIR/want url flags
	# 500 KB: far more than a pty holds, less than wsserve's 1 MiB
	# stdout buffer.
	lines_of 5000 100 "$in"
	on_pty srv 60 "$WSSERVE" --no-color -p 0 </dev/null
	wait_until 5 grep -q 'listening on ws://' "$BATS_TEST_TMPDIR/srv.err"
	url=$(sed -n 's|.*listening on \(ws://.*/\)$|\1|p' \
		"$BATS_TEST_TMPDIR/srv.err" | head -1)
	# The first client's lines fill the terminal; the server goes on.
	run_wscat --timeout 10 0 "$url" <"$in"
	# A second client is answered, and its line waits with the rest.
	run_wscat --timeout 10 0 "$url" <<<from-b
	assert_equal "$stderr" ''
	# The terminal's file description, shared with whoever else writes
	# to it, is still blocking.
	flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$PTY_CHILD/fdinfo/1")
	[ $((8#$flags & 8#4000)) -eq 0 ] || fail "O_NONBLOCK on stdout: $flags"
	pty_read srv
	wait_for_text "$BATS_TEST_TMPDIR/srv.tty" '<2 from-b' 10
	# At a terminal each line is marked with its client's id, among the
	# lines of clients coming and going.
	{ sed 's/^/<1 /' "$in"; echo '<2 from-b'; } >"$want"
	grep '^<' "$BATS_TEST_TMPDIR/srv.tty" >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/got" "$want"
	grep -q '^+2 127\.0\.0\.1:[0-9]* connected$' "$BATS_TEST_TMPDIR/srv.tty"
}

@test "wscat answers pings while its stdout is a terminal nobody reads" {
	local in=$BATS_TEST_TMPDIR/in
	start_peer peer 30 "$PY" "$BATS_FILE_TMPDIR/pinger.py" 300 1000 \
		"$BATS_TEST_TMPDIR/ping"
	on_pty cat 30 "$WSCAT" --no-color -w -1 "ws://127.0.0.1:$PEER_PORT/" \
		</dev/null
	# 300 KB sent while the terminal takes a few KB; once wscat has
	# taken what it will, a ping.
	wait_for_text "$BATS_TEST_TMPDIR/peer.out" SENT 10
	wait_for_stall "$PTY_CHILD"
	touch "$BATS_TEST_TMPDIR/ping"
	wait_until 10 grep -qE '^(NO )?PONG$' "$BATS_TEST_TMPDIR/peer.out"
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_line PONG
	pty_read cat
	wait_for_status cat 0 10
	wait_for_lines "$BATS_TEST_TMPDIR/cat.tty" 300
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "< %01000d\n", i }' >"$in"
	cmp "$BATS_TEST_TMPDIR/cat.tty" "$in"
}

@test "wscat exits 1 and says why when stdin cannot be read" {
	start_wsserve
	run_wscat 1 "$URL" </
	assert_stderr_is 'wscat: stdin: Is a directory'
	# The connection itself still ended with a clean close.
	wait_for_text "$SERVER_ERR" 'disconnected (1000)'
}

@test "wscat exits 1 and counts the lines still queued when the server closes with 1001" {
	local in=$BATS_TEST_TMPDIR/in lost
	# 20 MB: more than the socket buffers and wscat's queue together.
	lines_of 20000 1000 "$in"
	start_peer peer 30 "$PY" "$BATS_FILE_TMPDIR/closer.py"
	run_wscat --timeout 20 1 "ws://127.0.0.1:$PEER_PORT/" <"$in"
	assert_one_stderr_line '^wscat: [0-9]+ messages? not delivered$'
	lost=$(sed -n 's/^wscat: \([0-9]*\) .*/\1/p' <<<"$stderr")
	[ "$lost" -gt 0 ]
	wait_for_text "$BATS_TEST_TMPDIR/peer.out" MESSAGES
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_line 'REPLY 1001'
}

@test "wscat exits 1 on a line over --max-message and still sends the others" {
	start_wsserve
	run_wscat 1 --max-message 10 "$URL" < <(printf 'short\n0123456789abc\nalso\n')
	assert_stderr_is 'wscat: line 2: longer than 10 bytes, not sent'
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'short\nalso'
	wait_for_text "$SERVER_ERR" 'disconnected (1000)'
}

@test "wscat still exits 0 when every line was sent and the server closes with 1001" {
	start_wsserve
	spawn c 10 "$WSCAT" -w -1 "$URL" <<<sent
	wait_for_line "$SERVER_OUT" sent
	stop_wsserve	# closes with 1001
	wait_for_status c 0
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output ''
}
