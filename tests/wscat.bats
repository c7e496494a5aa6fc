#!/usr/bin/env bats
# wscat in pipelines: what goes in is sent, what comes back is printed,
# and the exit status says how it ended.

load helpers

@test "wscat sends every piped line and exits 0" {
	start_wsserve
	run_wscat 0 "$URL" < <(printf 'a\nb\n')
	assert_output ''
	# On success in a pipe wscat says nothing at all.
	assert_equal "$stderr" ''
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'a\nb'
}

@test "wscat strips CRLF and sends a last line without newline" {
	start_wsserve
	run_wscat 0 "$URL" < <(printf 'one\r\ntwo')
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'one\ntwo'
}

@test "wscat accepts a URL without scheme and the -c spelling" {
	start_wsserve
	run_wscat 0 "127.0.0.1:$PORT" <<<bare
	run_wscat 0 -c "$URL" <<<dash-c
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'bare\ndash-c'
}

@test "wscat connects to an IPv6 literal" {
	start_wsserve -a ::1
	assert grep -qF 'listening on ws://[::1]:' "$SERVER_ERR"
	run_wscat 0 "ws://[::1]:$PORT/" <<<six
	wait_for_line "$SERVER_OUT" six
}

@test "500,000 lines through wsserve --echo come back complete and in order" {
	start_wsserve --echo
	# Far more than fits in the buffers: the echoes still queued when
	# wscat's close arrives must go out before the close reply.
	seq 1 500000 >"$BATS_TEST_TMPDIR/in"
	run_wscat --timeout 60 --out "$BATS_TEST_TMPDIR/out" 0 "$URL" \
		<"$BATS_TEST_TMPDIR/in"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" ''
	wait_for_lines "$SERVER_OUT" 500000
	cmp "$SERVER_OUT" "$BATS_TEST_TMPDIR/in"
}

@test "lines piped before the handshake completes are all sent, in order" {
	start_wsserve
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# The writer blocks until wscat opens the FIFO; then all 500 lines
	# are there at once, while wscat is still connecting.
	spawn feeder 10 sh -c 'seq 1 500 >"$0"' "$fifo" </dev/null
	run_wscat 0 "$URL" <"$fifo"
	wait_for_status feeder 0
	wait_for_lines "$SERVER_OUT" 500
	cmp "$SERVER_OUT" <(seq 1 500)
}

@test "wscat -1 prints exactly the one reply" {
	start_wsserve --echo
	run_wscat 0 -1 "$URL" < <(printf 'req\nreq2\n')
	assert_output 'req'
	assert_equal "$stderr" ''
}

@test "wscat --count 2 exits after two messages" {
	start_wsserve --echo
	run_wscat 0 --count 2 "$URL" < <(printf 'a\nb\nc\n')
	assert_output $'a\nb'
}

@test "wscat -1 waits for a reply that comes a second later" {
	start_wsserve
	spawn c 10 "$WSCAT" -1 "$URL" <<<ask
	wait_for_line "$SERVER_OUT" ask
	sleep 1
	server_send late
	wait_for_status c 0
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output late
}

@test "wscat -w keeps the connection open for replies after EOF" {
	start_wsserve
	spawn c 10 "$WSCAT" -w 3 "$URL" <<<hi
	wait_for_line "$SERVER_OUT" hi
	server_send reply1 reply2
	wait_for_status c 0 8
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output $'reply1\nreply2'
}

@test "wscat -w -1 stays until the server closes, then exits 0" {
	start_wsserve
	spawn c 10 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	server_send kept
	wait_for_line "$BATS_TEST_TMPDIR/c.out" kept
	[ ! -s "$BATS_TEST_TMPDIR/c.rc" ]
	stop_wsserve TERM
	wait_for_status c 0
}

@test "wscat -x sends its messages instead of stdin" {
	start_wsserve
	run_wscat 0 -x first -x 'second one' "$URL" < <(echo ignored)
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'first\nsecond one'
}

@test "wscat prints binary messages byte-exact" {
	start_wsserve
	spawn c 10 "$WSCAT" -1 "$URL" </dev/null
	wait_for_clients 1
	printf 'a\377\000b\n' >&4
	wait_for_status c 0
	run od -An -tx1 "$BATS_TEST_TMPDIR/c.out"
	assert_output ' 61 ff 00 62 0a'
	assert grep -qF 'line 1: not valid UTF-8, sent as a binary message' "$SERVER_ERR"
}

@test "wscat sends a non-UTF-8 line as binary and warns with its number" {
	start_wsserve
	run_wscat 0 "$URL" < <(printf 'ok\nbad\376\n')
	assert_equal "$stderr" "wscat: line 2: not valid UTF-8, sent as a binary message"
	wait_for_lines "$SERVER_OUT" 2
	run od -An -tx1 "$SERVER_OUT"
	assert_output ' 6f 6b 0a 62 61 64 fe 0a'
}

@test "wscat -v shows the request and the response headers" {
	# A server whose 101 has exactly these headers; it then closes (1000).
	start_peer peer 10 "$PY" "$PEERS/hostile.py" close-server 1000
	local url=ws://127.0.0.1:$PEER_PORT/
	run_wscat 0 -v -w -1 "$url" </dev/null
	assert_output ''
	strip_cr
	# The key is random, and the accept value follows from it.
	local key accept
	key=${stderr_lines[4]#Sec-WebSocket-Key: }
	[[ $key =~ ^[A-Za-z0-9+/]{22}==$ ]] || fail "no key in line 5: $stderr"
	accept=$("$PY" "$PEERS/raw.py" accept "$key")
	assert_equal "$stderr" "$(printf '%s\n' \
		'wscat: request GET / HTTP/1.1' \
		"Host: 127.0.0.1:$PEER_PORT" \
		'Upgrade: websocket' \
		'Connection: Upgrade' \
		"Sec-WebSocket-Key: $key" \
		'Sec-WebSocket-Version: 13' \
		'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits' \
		'wscat: response HTTP/1.1 101 Switching Protocols' \
		'Upgrade: websocket' \
		'Connection: Upgrade' \
		"Sec-WebSocket-Accept: $accept" \
		"wscat: connected to $url (127.0.0.1:$PEER_PORT)")"
}

@test "wscat exits 0 with stdin open when the server shuts down" {
	start_wsserve
	fifo=$BATS_TEST_TMPDIR/cin
	mkfifo "$fifo"
	exec 5<>"$fifo"		# a writer, so the open below does not block
	spawn c 10 "$WSCAT" "$URL" <"$fifo"
	wait_for_clients 1
	stop_wsserve INT
	wait_for_status c 0
	exec 5>&-
	assert_equal "$SERVER_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output ''
}

@test "wscat exits 3 and says why when nothing listens" {
	port=$(free_port)
	run_wscat 3 "ws://127.0.0.1:$port/" </dev/null
	assert_stderr_is "wscat: cannot connect to ws://127.0.0.1:$port/: Connection refused"
}

@test "wscat exits 3 when the host name does not resolve" {
	run_wscat --timeout 20 3 "ws://no-such-host.invalid/" </dev/null
	# The reason is the resolver's.
	assert_one_stderr_line '^wscat: cannot connect to ws://no-such-host\.invalid/: no-such-host\.invalid: [^ ].*$'
}

@test "wscat exits 6 when the server never answers the handshake" {
	start_peer mute 30 "$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print("PORT", s.getsockname()[1], flush=True)
time.sleep(20)'
	run_wscat 6 --connect-timeout 1 "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_stderr_is "wscat: timed out after 1 s connecting"
}

@test "wscat exits 6 when the connection drops without a close frame" {
	start_wsserve
	spawn c 10 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	stop_wsserve KILL
	wait_for_status c 6
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output "wscat: connection lost without a close frame"
}

@test "wscat exits 5 and prints the status line when the upgrade is refused" {
	start_wsserve --origin http://good.example
	run_wscat 5 -o http://evil.example "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 403 Forbidden': 403 Forbidden: origin 'http://evil.example' not allowed"
	run_wscat 0 -o http://good.example "$URL" </dev/null
	assert_equal "$stderr" ''
}

@test "wscat exits 5 when the server picks no offered subprotocol" {
	start_wsserve
	run_wscat 5 -s chat "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server chose no subprotocol"
}

@test "wscat gets the subprotocol it offered when the server has it" {
	start_wsserve --subprotocol chat --subprotocol v2
	run_wscat 0 -v -s v2 -s chat "$URL" </dev/null
	strip_cr
	# Offered in the request, chosen in the response.
	assert_stderr_line 'Sec-WebSocket-Protocol: v2, chat'
	assert_stderr_line 'Sec-WebSocket-Protocol: v2'
}

@test "wscat exits 7 and names the code when the server closes with 1009" {
	start_wsserve --max-message 10
	run_wscat 7 -w -1 "$URL" < <(echo 0123456789abc)
	assert_stderr_is "wscat: server closed the connection: 1009"
	wait_for_text "$SERVER_ERR" "disconnected (1009 sent: message too big)"
}

@test "wscat closes with 1009 and exits 1 on a message over --max-message" {
	start_wsserve
	spawn c 10 "$WSCAT" -w -1 --max-message 4 "$URL" </dev/null
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
	spawn c 15 "$WSCAT" "$URL" <"$fifo"
	wait_for_clients 1
	kill -TERM "$SPAWN_PID"
	wait_for_status c 143 15
	exec 5>&-
	wait_for_text "$SERVER_ERR" "disconnected (1001)"
}

@test "wscat exits 2 and names the problem on a bad URL or option" {
	run_wscat 2 ftp://127.0.0.1/
	assert_equal "${stderr_lines[0]}" "wscat: ftp://127.0.0.1/: scheme must be ws://, wss://, http:// or https://"
	run_wscat 2 ws://127.0.0.1:0/
	assert_equal "${stderr_lines[0]}" "wscat: ws://127.0.0.1:0/: port must be 1-65535"
	run_wscat 2 --key k.pem wss://127.0.0.1/
	assert_equal "${stderr_lines[0]}" "wscat: --key needs --cert"
	run_wscat 2
	assert_equal "${stderr_lines[0]}" "wscat: no URL given"
	run_wscat 2 ws://a/ ws://b/
	assert_equal "${stderr_lines[0]}" "wscat: unexpected argument 'ws://b/'"
	run_wscat 2 -w
	assert_equal "${stderr_lines[0]}" "wscat: missing argument for -w"
	run_wscat 2 --header
	assert_equal "${stderr_lines[0]}" "wscat: missing argument for --header"
	run_wscat 2 -H 'no colon' ws://a/
	assert_equal "${stderr_lines[0]}" "wscat: -H no colon: not a 'Name: value' header"
	run_wscat 2 -w -2 ws://a/
	assert_equal "${stderr_lines[0]}" "wscat: -w -2: too small (min -1)"
	run_wscat 2 --count 0 ws://a/
	assert_equal "${stderr_lines[0]}" "wscat: --count 0: too small (min 1)"
	run_wscat 2 --verbose=1 ws://a/
	assert_equal "${stderr_lines[0]}" "wscat: --verbose=1: option takes no argument"
	assert_equal "${stderr_lines[1]}" "usage: wscat [-01bhkLnPVv] [-H name:value] [-o origin] [-p version]"
	assert_output ''
}

@test "wscat takes options after the URL too" {
	start_wsserve
	run_wscat 0 "$URL" -x after </dev/null
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
	start_wsserve --auth alice:s3cret
	run_wscat 0 -v "ws://alice:s3cret@127.0.0.1:$PORT/" </dev/null
	strip_cr
	# -v shows that it is sent, never what.
	assert_stderr_line 'Authorization: Basic ***'
	assert_stderr_line "Host: 127.0.0.1:$PORT"
	run_wscat 5 "ws://alice:wrong@127.0.0.1:$PORT/" </dev/null
}

@test "a line over the 1 MiB queue mark is sent and stdin goes on to EOF" {
	start_wsserve
	# The kernel may take the whole line at once; wscat must still notice
	# the queue drained and read on.
	{ "$PY" -c 'import sys; sys.stdout.write("y" * 1500000 + "\n")'
	  echo after; } >"$BATS_TEST_TMPDIR/in"
	run_wscat 0 "$URL" <"$BATS_TEST_TMPDIR/in"
	wait_for_lines "$SERVER_OUT" 2
	cmp "$SERVER_OUT" "$BATS_TEST_TMPDIR/in"
}
