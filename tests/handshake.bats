#!/usr/bin/env bats
# wsserve's opening handshake, probed over raw sockets by tests/peers/raw.py
# (python standard library only): status lines, headers, and what happens
# to bytes around the head.

load helpers

# The sample nonce from RFC 6455 section 1.3.
SAMPLE_KEY=dGhlIHNhbXBsZSBub25jZQ==

# upgrade_head [LINE...]: a valid upgrade request head, then LINEs.
upgrade_head() {
	printf '%s\n' 'GET / HTTP/1.1' "Host: 127.0.0.1:$PORT" \
		'Upgrade: websocket' 'Connection: Upgrade' \
		"Sec-WebSocket-Key: $SAMPLE_KEY" 'Sec-WebSocket-Version: 13' "$@"
}

# upgrade_head_without NAME: the valid head less its NAME header.
upgrade_head_without() {
	upgrade_head | grep -v "^$1:"
}

# probe [ARGS...]: raw.py request against wsserve; the head is on stdin.
probe() {
	timeout 5 "$PY" "$PEERS/raw.py" request "$PORT" "$@"
}

# assert_refused STATUS: $output is an error response with STATUS, a
# Content-Length equal to the body's length, Connection: close, and the
# server closed the connection.
assert_refused() {
	assert_line --index 0 --regexp "^HTTP/1\.1 $1 [A-Z]"
	assert_line 'Connection: close'
	local cl bl
	cl=$(sed -n 's/^Content-Length: //p' <<<"$output")
	bl=$(sed -n 's/^BODY-LENGTH //p' <<<"$output")
	[ -n "$cl" ] || fail "no Content-Length header"
	assert_equal "$cl" "$bl"
	assert_line 'EOF'
}

@test "wsserve answers a POST with 405 and Allow: GET" {
	start_wsserve
	run -0 probe < <(upgrade_head | sed '1s/^GET /POST /')
	assert_refused 405
	assert_line 'Allow: GET'
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 405'
}

@test "wsserve answers an HTTP/1.0 request with 400" {
	start_wsserve
	run -0 probe < <(upgrade_head | sed '1s|HTTP/1\.1|HTTP/1.0|')
	assert_refused 400
}

@test "wsserve answers a GET without Upgrade with 426 naming version 13" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Upgrade)
	assert_refused 426
	assert_line 'Sec-WebSocket-Version: 13'
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 426: '
}

@test "wsserve answers a GET whose Connection lacks Upgrade with 426" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Connection |
		sed '1a Connection: keep-alive')
	assert_refused 426
	assert_line 'Sec-WebSocket-Version: 13'
}

@test "wsserve answers a request without Host with 400" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Host)
	assert_refused 400
}

@test "wsserve answers a Sec-WebSocket-Key that is not 16 bytes of base64 with 400" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Sec-WebSocket-Key |
		sed '1a Sec-WebSocket-Key: c2hvcnQ=')
	assert_refused 400
}

@test "wsserve answers a request without Sec-WebSocket-Key with 400" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Sec-WebSocket-Key)
	assert_refused 400
}

@test "wsserve answers a request without Sec-WebSocket-Version with 400" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Sec-WebSocket-Version)
	assert_refused 400
}

@test "wsserve answers Sec-WebSocket-Version: 8 with 426 naming version 13" {
	start_wsserve
	run -0 probe < <(upgrade_head_without Sec-WebSocket-Version |
		sed '1a Sec-WebSocket-Version: 8')
	assert_refused 426
	assert_line 'Sec-WebSocket-Version: 13'
}

@test "wsserve answers a head over 8192 bytes with no end with 431" {
	start_wsserve
	run -0 probe --no-end --pad 9000 < <(upgrade_head)
	assert_refused 431
}

@test "wsserve answers the RFC 6455 sample key with its sample accept value" {
	start_wsserve
	run -0 probe < <(upgrade_head)
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	assert_line 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='
}

@test "wsserve upgrades Firefox's Connection: keep-alive, Upgrade and Upgrade: WebSocket" {
	start_wsserve
	local key accept
	key=$("$PY" -c 'import base64, os; print(base64.b64encode(os.urandom(16)).decode())')
	accept=$("$PY" "$PEERS/raw.py" accept "$key")
	run -0 probe < <(printf '%s\n' 'GET / HTTP/1.1' \
		"Host: 127.0.0.1:$PORT" 'Upgrade: WebSocket' \
		'Connection: keep-alive, Upgrade' "Sec-WebSocket-Key: $key" \
		'Sec-WebSocket-Version: 13' "Origin: http://localhost:$PORT")
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	assert_line --regexp '^Upgrade: [Ww]eb[Ss]ocket$'
	assert_line "Sec-WebSocket-Accept: $accept"
}

@test "wsserve reads header names and tokens case-insensitively" {
	start_wsserve
	run -0 probe < <(printf '%s\n' 'GET / HTTP/1.1' \
		"host: 127.0.0.1:$PORT" 'UPGRADE: WEBSOCKET' \
		'connection: UPGRADE' "sec-websocket-key: $SAMPLE_KEY" \
		'SEC-WEBSOCKET-VERSION: 13')
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	assert_line 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='
}

@test "wsserve prints a frame sent in the same write as the request head" {
	start_wsserve
	run -0 probe --frame 'right behind the head' --close < <(upgrade_head)
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	wait_for_line "$SERVER_OUT" 'right behind the head'
}

@test "wsserve upgrades a request sent one byte per write" {
	start_wsserve
	run -0 probe --split < <(upgrade_head)
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	assert_line 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='
}

@test "wsserve drops a connection that sends nothing within --handshake-timeout" {
	start_wsserve --handshake-timeout 1
	run -0 timeout 5 "$PY" "$PEERS/raw.py" idle "$PORT" 4
	# Dropped after about a second: not at once, and not much later.
	assert_output --regexp '^EOF after (0\.[5-9]|1\.[0-9]|2\.[0-9]|3\.0)$'
	wait_for_text "$SERVER_ERR" 'not upgraded: handshake timed out'
}

@test "wsserve drops a connection whose head is unfinished at --handshake-timeout" {
	start_wsserve --handshake-timeout 1
	SECONDS=0
	run -0 probe --no-end --timeout 4 < <(upgrade_head)
	[ "$SECONDS" -le 3 ] || fail "dropped after ${SECONDS}s"
	refute_line --partial ' 101 '
	assert_line 'EOF'
	wait_for_text "$SERVER_ERR" 'not upgraded: handshake timed out'
}

@test "wsserve serves a client while another connection's handshake is pending" {
	start_wsserve --echo --handshake-timeout 2
	local idle_out=$BATS_TEST_TMPDIR/idle.out
	spawn idle 5 "$PY" "$PEERS/raw.py" idle "$PORT" 4 </dev/null
	run_wscat --timeout 5 0 -1 -x 'not blocked' "$URL"
	assert_output 'not blocked'
	# The idle connection was still open while the client was served ...
	[ ! -s "$idle_out" ] || fail "idle connection ended early: $(cat "$idle_out")"
	# ... and is dropped when its own time is up.
	wait_for_status idle 0
	run cat "$idle_out"
	assert_output --regexp '^EOF after (1\.[5-9]|2\.[0-9]|3\.[0-5])$'
	wait_for_text "$SERVER_ERR" 'not upgraded: handshake timed out'
}

@test "wsserve with --origin upgrades a request from that origin" {
	start_wsserve --origin http://good.example --origin https://other.example
	run -0 probe < <(upgrade_head 'Origin: https://other.example')
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
}

@test "wsserve with --origin refuses another origin with 403" {
	start_wsserve --origin http://good.example
	run -0 probe < <(upgrade_head 'Origin: http://evil.example')
	assert_refused 403
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 403'
}

@test "wsserve with --origin upgrades a request without Origin (not a browser)" {
	start_wsserve --origin http://good.example
	run -0 probe < <(upgrade_head)
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
}

@test "wsserve answers a client's close and then closes the TCP connection" {
	start_wsserve
	run -0 probe --close < <(upgrade_head)
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	# The close reply echoes 1000; then the server's EOF, which the
	# client did not cause (it never shuts down its side).
	assert_line 'FRAME 8 03e8'
	assert_equal "${lines[-1]}" EOF
	wait_for_text "$SERVER_ERR" 'disconnected (1000)'
}
