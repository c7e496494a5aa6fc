# The tests tests/interop_node.bats and tests/interop_python.bats share:
# wscat against a server peer, and a client peer against wsserve.  Each
# suite sets the peers, then every shared @test is a one-line call of an
# interop_... function here (bats only finds @test in the .bats file).
#
#   PEER_SERVER=(node "$PEERS/node_server.js")	# the server peer command
#   PEER_CLIENT=(node "$PEERS/node_client.js")	# the client peer command
#   load interop_common
#
# Both server peers take the same modes (echo, send-then-close CODE REASON
# MSG..., check-headers, subprotocol NAME, binary, delay-reply SECONDS),
# print "PORT n" when they listen, and send check-headers as compact JSON
# with sorted keys.  Both client peers take the same options (-t, -b, -n,
# -s, --close, --reason, --expect-close) and print the same lines: "open",
# "subprotocol NAME|none", "text JSON" or "binary HEX" for each message,
# "close CODE REASON".  Load after helpers.
# shellcheck shell=bash
# shellcheck disable=SC2154 # output, stderr...: set by bats' run

# start_server_peer MODE [ARGS...]: the server peer in the background, up to
# the moment it listens; its stdout is $BATS_TEST_TMPDIR/server_peer.out.
# Sets PEER_URL (and PEER_PID, PEER_PORT).
# shellcheck disable=SC2034 # PEER_URL: for the suites
start_server_peer() {
	start_peer server_peer 60 "${PEER_SERVER[@]}" "$@" || return
	PEER_URL=ws://127.0.0.1:$PEER_PORT/
}

# client_peer ARGS...: the client peer in the foreground, under timeout
# (PEER_TIMEOUT seconds, 5 by default).
client_peer() {
	timeout "${PEER_TIMEOUT:-5}" "${PEER_CLIENT[@]}" "$@"
}

# spawn_client_peer NAME ARGS...: the client peer in the background (spawn
# NAME: its stdout in $BATS_TEST_TMPDIR/NAME.out, wait_for_status NAME).
spawn_client_peer() {
	local name=$1
	shift
	spawn "$name" "${PEER_TIMEOUT:-5}" "${PEER_CLIENT[@]}" "$@" </dev/null
}

# --- wscat and a server peer -------------------------------------------------

interop_wscat_prints_echoed_lines() {
	start_server_peer echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	printf '%s\n' 'hello' '  spaces around  ' $'tab\there' 'ünïcödé ✓' \
		'' 'last' >"$in"
	# --count: at EOF wscat closes at once, and a peer may answer the close
	# before it has echoed all that came before.
	run_wscat --out "$out" 0 --count 6 "$PEER_URL" <"$in"
	cmp "$in" "$out"
	assert_equal "$stderr" ''
}

interop_wscat_prints_binary() {
	start_server_peer binary
	local out=$BATS_TEST_TMPDIR/out
	run_wscat --out "$out" 0 -1 "$PEER_URL" </dev/null
	run -0 od -An -tx1 "$out"
	assert_output ' 00 01 ff 0a'
}

interop_wscat_echoes_1mib() {
	start_server_peer echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	"$PY" -c 'import sys; s = "".join(chr(33 + i % 94) for i in range(9973))
sys.stdout.write((s * 106)[:1 << 20] + "\n")' >"$in"
	[ "$(wc -c <"$in")" -eq $(((1 << 20) + 1)) ]
	run_wscat --out "$out" 0 -1 "$PEER_URL" <"$in"
	cmp "$in" "$out"
}

interop_wscat_exits_7_on_close_4000() {
	start_server_peer send-then-close 4000 'go away' 'bye'
	run_wscat 7 -w -1 "$PEER_URL" </dev/null
	assert_output 'bye'
	assert_stderr_is 'wscat: server closed the connection: 4000 "go away"'
}

interop_wscat_exits_0_on_close_1000() {
	start_server_peer send-then-close 1000 'done' 'one' 'two'
	run_wscat 0 -w -1 "$PEER_URL" </dev/null
	assert_output $'one\ntwo'
	assert_equal "$stderr" ''
}

interop_wscat_gets_its_subprotocol() {
	start_server_peer subprotocol chat
	run_wscat 0 -v -s superchat -s chat -1 -x 'with chat' "$PEER_URL"
	assert_output 'with chat'
	strip_cr
	assert_stderr_line 'Sec-WebSocket-Protocol: superchat, chat'
	assert_stderr_line 'Sec-WebSocket-Protocol: chat'
}

interop_wscat_exits_5_without_subprotocol() {
	start_server_peer subprotocol chat
	run_wscat 5 -s superchat -1 -x hi "$PEER_URL"
	assert_output ''
	assert_stderr_is "wscat: handshake with $PEER_URL failed: server chose no subprotocol"
}

interop_wscat_sends_headers() {
	start_server_peer check-headers
	run_wscat 0 -H 'X-Test: hello there' -o http://example.test \
		--auth user:pass -s chat -1 "$PEER_URL" </dev/null
	# dXNlcjpwYXNz is base64("user:pass").
	assert_output '{"authorization":"Basic dXNlcjpwYXNz","origin":"http://example.test","subprotocol":"chat","x-test":"hello there"}'
}

interop_wscat_waits_for_delayed_reply() {
	start_server_peer delay-reply 1
	local start=${EPOCHREALTIME/./} ms
	run_wscat 0 -1 "$PEER_URL" <<<'late'
	ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	assert_output 'late'
	# wscat really waited: the reply cannot have come before the delay.
	[ "$ms" -ge 1000 ] || fail "wscat exited after $ms ms"
}

# --- a client peer and wsserve -----------------------------------------------

interop_wsserve_prints_client_messages() {
	start_wsserve
	local want=$BATS_TEST_TMPDIR/want
	printf 'hello world\nünï ✓\n\0\1\n\r\377\n\nend\n' >"$want"
	run -0 --separate-stderr client_peer "$URL" -t 'hello world' \
		-t 'ünï ✓' -b 00010a0dff -t '' -t end
	assert_output $'open\nsubprotocol none\nclose 1000 '
	wait_until 5 cmp -s "$want" "$SERVER_OUT" || cmp "$want" "$SERVER_OUT"
}

interop_client_receives_stdin_lines() {
	start_wsserve
	spawn_client_peer client "$URL" -n 2
	wait_for_clients 1
	server_send 'first line' 'second ✓'
	wait_for_status client 0
	run cat "$BATS_TEST_TMPDIR/client.out"
	assert_output $'open\nsubprotocol none\ntext "first line"\ntext "second ✓"\nclose 1000 '
}

interop_client_gets_invalid_utf8_as_binary() {
	start_wsserve
	spawn_client_peer client "$URL" -n 2
	wait_for_clients 1
	printf 'caf\351\nstill text\n' >&4
	wait_for_status client 0
	run cat "$BATS_TEST_TMPDIR/client.out"
	assert_output $'open\nsubprotocol none\nbinary 636166e9\ntext "still text"\nclose 1000 '
	run grep 'UTF-8' "$SERVER_ERR"
	assert_output 'wsserve: line 1: not valid UTF-8, sent as a binary message'
}

interop_wsserve_echoes_to_client() {
	start_wsserve --echo
	run -0 --separate-stderr client_peer "$URL" -t 'héllo there' \
		-b 00ff0a80 -n 2
	assert_output $'open\nsubprotocol none\ntext "héllo there"\nbinary 00ff0a80\nclose 1000 '
}

interop_wsserve_selects_first_known_subprotocol() {
	start_wsserve --subprotocol chat --subprotocol superchat
	run -0 --separate-stderr client_peer "$URL" -s other -s superchat -s chat
	assert_line --index 1 'subprotocol superchat'
	run -0 --separate-stderr client_peer "$URL"
	assert_line --index 1 'subprotocol none'
}

interop_wsserve_closes_1009_on_big_message() {
	start_wsserve --max-message 10
	run -0 --separate-stderr client_peer "$URL" -t 0123456789 \
		-t 'eleven byte' --expect-close 1009
	assert_line --regexp '^close 1009 '
	wait_for_line "$SERVER_OUT" 0123456789
	run grep -c . "$SERVER_OUT"
	assert_output 1
	wait_for_text "$SERVER_ERR" ' disconnected (1009 sent'
}

interop_wsserve_logs_close_1000() {
	start_wsserve
	run -0 --separate-stderr client_peer "$URL" -t hi
	assert_output $'open\nsubprotocol none\nclose 1000 '
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
	run grep ' disconnected' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(1000\)$'
	wait_for_line "$SERVER_OUT" hi
}

interop_wsserve_logs_close_code_and_reason() {
	start_wsserve
	run -0 --separate-stderr client_peer "$URL" --close 4001 \
		--reason 'gone fishing'
	assert_output $'open\nsubprotocol none\nclose 4001 gone fishing'
	wait_for_text "$SERVER_ERR" ' disconnected (4001 "gone fishing")'
}

interop_three_clients_get_broadcast() {
	start_wsserve
	local i
	for i in 1 2 3; do
		spawn_client_peer "client$i" "$URL" -n 1
	done
	wait_for_clients 3
	server_send 'to everyone'
	for i in 1 2 3; do
		wait_for_status "client$i" 0
		run cat "$BATS_TEST_TMPDIR/client$i.out"
		assert_output $'open\nsubprotocol none\ntext "to everyone"\nclose 1000 '
	done
}
