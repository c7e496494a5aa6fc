#!/usr/bin/env bats
# wscat in pipelines: what goes in is sent, what comes back is printed,
# and the exit status says how it ended.

load helpers

@test "wscat sends every piped line and exits 0" {
	start_wsserve
	run --separate-stderr -0 timeout 10 "$WSCAT" "$URL" < <(printf 'a\nb\n')
	assert_output ''
	# On success in a pipe wscat says nothing at all.
	[ -z "$stderr" ]
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'a\nb'
}

@test "wscat strips CRLF and sends a last line without newline" {
	start_wsserve
	printf 'one\r\ntwo' | timeout 10 "$WSCAT" "$URL"
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'one\ntwo'
}

@test "wscat accepts a URL without scheme and the -c spelling" {
	start_wsserve
	echo bare | timeout 10 "$WSCAT" "127.0.0.1:$PORT"
	echo dash-c | timeout 10 "$WSCAT" -c "$URL"
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'bare\ndash-c'
}

@test "wscat connects to an IPv6 literal" {
	start_wsserve -a ::1
	assert grep -qF 'listening on ws://[::1]:' "$SERVER_ERR"
	echo six | timeout 10 "$WSCAT" "ws://[::1]:$PORT/"
	wait_for_line "$SERVER_OUT" six
}

@test "500,000 lines through wsserve --echo come back complete and in order" {
	start_wsserve --echo
	# Far more than fits in the buffers: the echoes still queued when
	# wscat's close arrives must go out before the close reply.
	seq 1 500000 >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 60 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/in"
	[ "${#lines[@]}" -eq 500000 ]
	diff <(printf '%s\n' "$output") "$BATS_TEST_TMPDIR/in"
	wait_for_lines "$SERVER_OUT" 500000
	cmp "$SERVER_OUT" "$BATS_TEST_TMPDIR/in"
}

@test "lines piped before the handshake completes are all sent, in order" {
	# The server is not listening yet when the lines are written.
	PORT=$(free_port)
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	( seq 1 500 >"$fifo" ) 3>&- &
	start_wsserve_later() {
		SERVER_OUT=$BATS_TEST_TMPDIR/server.out
		SERVER_ERR=$BATS_TEST_TMPDIR/server.err
		"$WSSERVE" -p "$PORT" </dev/null >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
		SERVER_PID=$!
	}
	# wscat gets "connection refused" until the server is up, so it is
	# started only once the port answers; the lines are already waiting.
	start_wsserve_later
	wait_for_text "$SERVER_ERR" "listening on"
	run -0 timeout 10 "$WSCAT" "ws://127.0.0.1:$PORT/" <"$fifo"
	wait_for_lines "$SERVER_OUT" 500
	cmp "$SERVER_OUT" <(seq 1 500)
}

@test "wscat -1 prints exactly the one reply" {
	start_wsserve --echo
	run --separate-stderr -0 timeout 10 "$WSCAT" -1 "$URL" < <(printf 'req\nreq2\n')
	assert_output 'req'
	[ -z "$stderr" ]
}

@test "wscat --count 2 exits after two messages" {
	start_wsserve --echo
	run -0 timeout 10 "$WSCAT" --count 2 "$URL" < <(printf 'a\nb\nc\n')
	assert_output $'a\nb'
}

@test "wscat -1 waits for a reply that comes a second later" {
	start_wsserve
	run_bg c timeout 10 sh -c 'echo ask | "$0" "$@"' "$WSCAT" -1 "$URL"
	wait_for_line "$SERVER_OUT" ask
	sleep 1
	server_send late
	wait_for_status c 0
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output late
}

@test "wscat -w keeps the connection open for replies after EOF" {
	start_wsserve
	run_bg c timeout 10 sh -c 'echo hi | "$0" "$@"' "$WSCAT" -w 3 "$URL"
	wait_for_line "$SERVER_OUT" hi
	server_send reply1 reply2
	wait_for_status c 0 8
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output $'reply1\nreply2'
}

@test "wscat -w -1 stays until the server closes, then exits 0" {
	start_wsserve
	run_bg c timeout 10 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	server_send kept
	wait_for_line "$BATS_TEST_TMPDIR/c.out" kept
	[ ! -s "$BATS_TEST_TMPDIR/c.rc" ]
	stop_wsserve TERM
	wait_for_status c 0
}

@test "wscat -x sends its messages instead of stdin" {
	start_wsserve
	run -0 timeout 10 "$WSCAT" -x first -x 'second one' "$URL" < <(echo ignored)
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'first\nsecond one'
}

@test "wscat prints binary messages byte-exact" {
	start_wsserve
	run_bg c timeout 10 "$WSCAT" -1 "$URL" </dev/null
	wait_for_clients 1
	printf 'a\377\000b\n' >&4
	wait_for_status c 0
	run od -An -tx1 "$BATS_TEST_TMPDIR/c.out"
	assert_output ' 61 ff 00 62 0a'
	assert grep -qF 'line 1: not valid UTF-8, sent as a binary message' "$SERVER_ERR"
}

@test "wscat sends a non-UTF-8 line as binary and warns with its number" {
	start_wsserve
	run --separate-stderr -0 timeout 10 "$WSCAT" "$URL" < <(printf 'ok\nbad\376\n')
	[ "$stderr" = "wscat: line 2: not valid UTF-8, sent as a binary message" ]
	wait_for_lines "$SERVER_OUT" 2
	run od -An -tx1 "$SERVER_OUT"
	assert_output ' 6f 6b 0a 62 61 64 fe 0a'
}

@test "wscat -v shows the request and the response headers" {
	start_wsserve
	run --separate-stderr -0 timeout 10 "$WSCAT" -v "$URL" </dev/null
	[[ $stderr == *"GET / HTTP/1.1"* ]]
	[[ $stderr == *"Sec-WebSocket-Key: "* ]]
	[[ $stderr == *"HTTP/1.1 101 Switching Protocols"* ]]
}

@test "wscat exits 0 with stdin open when the server shuts down" {
	start_wsserve
	fifo=$BATS_TEST_TMPDIR/cin
	mkfifo "$fifo"
	exec 5<>"$fifo"		# a writer, so the open below does not block
	run_bg c timeout 10 "$WSCAT" "$URL" <"$fifo"
	wait_for_clients 1
	stop_wsserve INT
	wait_for_status c 0
	exec 5>&-
	[ "$SERVER_STATUS" -eq 0 ]
}

@test "wscat exits 3 and says why when nothing listens" {
	port=$(free_port)
	run --separate-stderr -3 timeout 10 "$WSCAT" "ws://127.0.0.1:$port/" </dev/null
	[[ $stderr == "wscat: cannot connect to ws://127.0.0.1:$port/: "*"Connection refused" ]]
}

@test "wscat exits 3 when the host name does not resolve" {
	run --separate-stderr -3 timeout 20 "$WSCAT" "ws://no-such-host.invalid/" </dev/null
	[[ $stderr == "wscat: cannot connect to ws://no-such-host.invalid/: "* ]]
}

@test "wscat exits 6 when the server never answers the handshake" {
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(20)' >"$BATS_TEST_TMPDIR/port" 3>&- &
	PEER_PID=$!
	wait_until 5 test -s "$BATS_TEST_TMPDIR/port"
	port=$(cat "$BATS_TEST_TMPDIR/port")
	run --separate-stderr -6 timeout 10 "$WSCAT" --connect-timeout 1 "ws://127.0.0.1:$port/" </dev/null
	[ "$stderr" = "wscat: timed out after 1 s connecting" ]
}

@test "wscat exits 6 when the connection drops without a close frame" {
	start_wsserve
	run_bg c timeout 10 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	stop_wsserve KILL
	wait_for_status c 6
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output "wscat: connection lost without a close frame"
}

@test "wscat exits 5 and prints the status line when the upgrade is refused" {
	start_wsserve --origin http://good.example
	run --separate-stderr -5 timeout 10 "$WSCAT" -o http://evil.example "$URL" </dev/null
	[[ $stderr == *"server answered 'HTTP/1.1 403 Forbidden'"* ]]
	run -0 timeout 10 "$WSCAT" -o http://good.example "$URL" </dev/null
}

@test "wscat exits 5 when the server picks no offered subprotocol" {
	start_wsserve
	run --separate-stderr -5 timeout 10 "$WSCAT" -s chat "$URL" </dev/null
	[[ $stderr == *"server chose no subprotocol"* ]]
}

@test "wscat gets the subprotocol it offered when the server has it" {
	start_wsserve --subprotocol chat --subprotocol v2
	run --separate-stderr -0 timeout 10 "$WSCAT" -v -s v2 -s chat "$URL" </dev/null
	[[ $stderr == *"Sec-WebSocket-Protocol: v2"* ]]
}

@test "wscat exits 7 and names the code when the server closes with 1009" {
	start_wsserve --max-message 10
	run --separate-stderr -7 timeout 10 "$WSCAT" -w -1 "$URL" < <(echo 0123456789abc)
	[ "$stderr" = "wscat: server closed the connection: 1009" ]
	wait_for_text "$SERVER_ERR" "disconnected (1009 sent: message too big)"
}

@test "wscat closes with 1009 and exits 1 on a message over --max-message" {
	start_wsserve
	run_bg c timeout 10 "$WSCAT" -w -1 --max-message 4 "$URL" </dev/null
	wait_for_clients 1
	server_send 12345
	wait_for_status c 1
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output "wscat: closed the connection: 1009 sent: message too big"
	wait_for_text "$SERVER_ERR" "disconnected (1009)"
}

@test "wscat on SIGTERM closes with 1001 and exits 143" {
	start_wsserve
	fifo=$BATS_TEST_TMPDIR/cin
	mkfifo "$fifo"
	exec 5<>"$fifo"
	run_bg c "$WSCAT" "$URL" <"$fifo"
	wait_for_clients 1
	pkill -TERM -f "^$WSCAT $URL\$"
	wait_for_status c 143 15
	exec 5>&-
	wait_for_text "$SERVER_ERR" "disconnected (1001)"
}

@test "wscat exits 2 and names the problem on a bad URL or option" {
	run --separate-stderr -2 "$WSCAT" http://127.0.0.1/
	[ "${stderr_lines[0]}" = "wscat: http://127.0.0.1/: scheme must be ws:// or wss://" ]
	run --separate-stderr -2 "$WSCAT" ws://127.0.0.1:0/
	[ "${stderr_lines[0]}" = "wscat: ws://127.0.0.1:0/: port must be 1-65535" ]
	run --separate-stderr -2 "$WSCAT" --key k.pem wss://127.0.0.1/
	[ "${stderr_lines[0]}" = "wscat: --key needs --cert" ]
	run --separate-stderr -2 "$WSCAT"
	[ "${stderr_lines[0]}" = "wscat: no URL given" ]
	run --separate-stderr -2 "$WSCAT" ws://a/ ws://b/
	[ "${stderr_lines[0]}" = "wscat: unexpected argument 'ws://b/'" ]
	run --separate-stderr -2 "$WSCAT" -w
	[ "${stderr_lines[0]}" = "wscat: missing argument for -w" ]
	run --separate-stderr -2 "$WSCAT" --header
	[ "${stderr_lines[0]}" = "wscat: missing argument for --header" ]
	run --separate-stderr -2 "$WSCAT" -H 'no colon' ws://a/
	[ "${stderr_lines[0]}" = "wscat: -H no colon: not a 'Name: value' header" ]
	run --separate-stderr -2 "$WSCAT" -w -2 ws://a/
	[ "${stderr_lines[0]}" = "wscat: -w -2: too small" ]
	run --separate-stderr -2 "$WSCAT" --count 0 ws://a/
	[ "${stderr_lines[0]}" = "wscat: --count 0: too small" ]
	run --separate-stderr -2 "$WSCAT" --verbose=1 ws://a/
	[ "${stderr_lines[0]}" = "wscat: --verbose=1: option takes no argument" ]
	[ "${stderr_lines[1]}" = "usage: wscat [-1hknVv] [-H name:value] [-o origin] [-s protocol]" ]
	[ -z "$output" ]
}

@test "wscat takes options after the URL too" {
	start_wsserve
	run -0 timeout 10 "$WSCAT" "$URL" -x after </dev/null
	wait_for_line "$SERVER_OUT" after
}

@test "wscat does not crash when started with stdin, stdout and stderr closed" {
	start_wsserve --echo
	# sh closes them itself: bats' run would hand over its own stdin.
	run -0 timeout 10 sh -c 'exec "$@" <&- >&- 2>&-' sh "$WSCAT" -x closed-fds "$URL"
	wait_for_line "$SERVER_OUT" closed-fds
	# A closed stdin reads as empty: connect, close with 1000, exit 0.
	run -0 timeout 10 sh -c 'exec "$@" <&-' sh "$WSCAT" "$URL"
	wait_for_text "$SERVER_ERR" "disconnected (1000)"
}

@test "wscat takes user:pass from the URL as Basic authorization" {
	start_wsserve
	run --separate-stderr -0 timeout 10 "$WSCAT" -v "ws://alice:s3cret@127.0.0.1:$PORT/" </dev/null
	[[ $stderr == *"Authorization: Basic YWxpY2U6czNjcmV0"* ]]
	[[ $stderr == *"Host: 127.0.0.1:$PORT"* ]]
}

@test "a line over the 1 MiB queue mark is sent and stdin goes on to EOF" {
	start_wsserve
	# The kernel may take the whole line at once; wscat must still notice
	# the queue drained and read on.
	{ "$PY" -c 'import sys; sys.stdout.write("y" * 1500000 + "\n")'
	  echo after; } >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 10 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/in"
	wait_for_lines "$SERVER_OUT" 2
	cmp "$SERVER_OUT" "$BATS_TEST_TMPDIR/in"
}
