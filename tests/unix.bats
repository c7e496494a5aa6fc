#!/usr/bin/env bats
# Unix sockets: wsserve -U (alone or beside TCP, its file's mode, a stale
# file replaced, a live one or another file refused, removed at exit) and
# wscat's ws+unix:// URLs and --unix, against each other and against
# python3-websockets.

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers

# start_unix SOCKET [ARGS...]: wsserve -U SOCKET ARGS, as start_wsserve
# but without -p (so no TCP unless ARGS ask for it).
start_unix() {
	local sock=$1
	shift
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	SERVER_IN=$BATS_TEST_TMPDIR/server.in
	rm -f "$SERVER_IN"
	mkfifo "$SERVER_IN"
	"$WSSERVE" -U "$sock" "$@" <"$SERVER_IN" >"$SERVER_OUT" \
		2>"$SERVER_ERR" 3>&- 4>&- 5>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	exec 4>"$SERVER_IN"
	wait_for_text "$SERVER_ERR" "listening on ws+unix://$sock" 5 || {
		cat "$SERVER_ERR" >&2
		return 1
	}
}

@test "wsserve -U alone listens on the socket only, says so in its ready line, and makes the file 0600" {
	local sock=$BATS_TEST_TMPDIR/ws.sock
	start_unix "$sock"
	run cat "$SERVER_ERR"
	assert_output "wsserve: listening on ws+unix://$sock"
	[ -S "$sock" ] || fail "no socket at $sock"
	assert_equal "$(stat -c %a "$sock")" 600
	# Nothing on the default TCP port of this wsserve.
	run ss -Hltnp
	refute_output --partial "pid=$SERVER_PID,"
}

@test "wsserve --unix-mode sets the socket file's permissions from its creation" {
	local sock=$BATS_TEST_TMPDIR/ws.sock
	start_unix "$sock" --unix-mode 0660
	assert_equal "$(stat -c %a "$sock")" 660
}

@test "wscat talks to wsserve over ws+unix:// both ways, with the request path after the socket's" {
	local sock=$BATS_TEST_TMPDIR/ws.sock
	start_unix "$sock" --jsonl
	server_send '"from the server"'
	printf 'one\ntwo\n' >"$BATS_TEST_TMPDIR/in"
	run_wscat 0 -w 1 "ws+unix://$sock:/chat?room=1" <"$BATS_TEST_TMPDIR/in"
	assert_output 'from the server'
	wait_for_text "$SERVER_OUT" '"data":"two"'
	run cat "$SERVER_OUT"
	assert_line --index 0 "{\"id\":1,\"event\":\"open\",\"peer\":\"unix\",\"path\":\"/chat?room=1\",\"subprotocol\":\"\"}"
	assert_line --index 1 '{"id":1,"type":"text","data":"one"}'
	assert_line --index 2 '{"id":1,"type":"text","data":"two"}'
}

@test "wscat --unix connects to the socket and takes Host and path from the URL" {
	local sock=$BATS_TEST_TMPDIR/peer.sock
	start_peer py 20 "$PY" -c '
import asyncio, sys, websockets
async def handler(ws, path=None):
    path = getattr(ws, "path", path)
    await ws.send("%s %s" % (ws.request_headers["Host"], path))
    await ws.wait_closed()
async def main():
    async with websockets.unix_serve(handler, sys.argv[1]):
        print("PORT 0", flush=True)
        await asyncio.sleep(15)
asyncio.run(main())
' "$sock"
	run_wscat 0 --unix "$sock" -1 ws://app.example/x?y=2 </dev/null
	assert_output 'app.example /x?y=2'
}

@test "python3-websockets reaches wsserve -U, and wsserve -U beside -p 0 listens on both" {
	local sock=$BATS_TEST_TMPDIR/ws.sock port
	start_unix "$sock" -p 0 --echo
	wait_for_text "$SERVER_ERR" 'listening on ws://'
	port=$(sed -n 's|.*listening on ws://127.0.0.1:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR")
	run timeout 10 "$PY" -c '
import asyncio, sys, websockets
async def main():
    async with websockets.unix_connect(sys.argv[1], "ws://localhost/") as w:
        await w.send("over unix")
        print(await w.recv())
    async with websockets.connect("ws://127.0.0.1:%s/" % sys.argv[2]) as w:
        await w.send("over tcp")
        print(await w.recv())
asyncio.run(main())
' "$sock" "$port"
	assert_success
	assert_output $'over unix\nover tcp'
}

@test "wsserve replaces a stale socket file, refuses a live socket and a file that is no socket, and removes its socket at exit" {
	local sock=$BATS_TEST_TMPDIR/ws.sock
	start_unix "$sock"
	# A second one finds it live.
	run_wsserve 3 -U "$sock"
	assert_stderr_line "wsserve: cannot listen on $sock: in use"
	# Killed, the first leaves a stale file, which the next replaces.
	stop_wsserve KILL
	[ -S "$sock" ] || fail "no stale socket left"
	start_unix "$sock"
	run_wscat 0 "ws+unix://$sock" </dev/null
	stop_wsserve INT
	assert_equal "$SERVER_STATUS" 0
	[ ! -e "$sock" ] || fail "the socket was not removed at exit"
	echo data >"$sock"
	run_wsserve 3 -U "$sock"
	assert_stderr_line "wsserve: cannot listen on $sock: exists and is no socket"
	assert_equal "$(cat "$sock")" data
}

@test "wscat exits 3 at once for a socket that is not there, and 2 for a bad ws+unix URL" {
	run_wscat --timeout 3 3 "ws+unix://$BATS_TEST_TMPDIR/none.sock"
	assert_stderr_is "wscat: cannot connect to ws+unix://$BATS_TEST_TMPDIR/none.sock: $BATS_TEST_TMPDIR/none.sock: No such file or directory"
	run_wscat 2 'ws+unix://'
	run_wscat 2 "ws+unix://$BATS_TEST_TMPDIR/x.sock:path"
}

@test "wsserve: --unix-mode needs -U and an octal mode" {
	run_wsserve 2 --unix-mode 0644
	assert_stderr_is 'wsserve: --unix-mode needs -U'
	run_wsserve 2 -U "$BATS_TEST_TMPDIR/s" --unix-mode 999
	assert_stderr_line 'wsserve: --unix-mode 999: expected an octal mode, 0000 to 0777'
}
