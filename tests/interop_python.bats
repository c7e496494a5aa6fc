#!/usr/bin/env bats
# wscat against a python3-websockets server, and python3-websockets
# clients against wsserve (tests/peers/py_server.py, py_client.py).

load helpers

# start_py_server MODE [ARGS...]: runs py_server.py in the background and
# waits for its port.  Sets PEER_PID, PY_URL.
start_py_server() {
	local out=$BATS_TEST_TMPDIR/py_server.out
	"$PY" "$PEERS/py_server.py" "$@" >"$out" \
		2>"$BATS_TEST_TMPDIR/py_server.err" 3>&- &
	PEER_PID=$!
	wait_until 5 grep -q '^PORT [0-9]' "$out" || {
		cat "$BATS_TEST_TMPDIR/py_server.err" >&2
		return 1
	}
	PY_URL=ws://127.0.0.1:$(sed -n 's/^PORT //p' "$out")/
}

# wscat_to FILE ARGS...: wscat ARGS under timeout, its stdout in FILE (so
# it can be compared byte for byte); stderr stays with `run`.
wscat_to() {
	local file=$1
	shift
	timeout 5 "$WSCAT" "$@" >"$file"
}

# py_client ARGS...: py_client.py ARGS under timeout.
py_client() {
	timeout 5 "$PY" "$PEERS/py_client.py" "$@"
}

# start_py_client OUT ARGS...: py_client.py in the background, its output
# in OUT.  Sets PEER_PID; wait_py_client waits and sets PEER_STATUS.
start_py_client() {
	local out=$1
	shift
	py_client "$@" >"$out" 2>&1 3>&- 4>&- &
	PEER_PID=$!
}
wait_py_client() {
	PEER_STATUS=0
	wait "$PEER_PID" || PEER_STATUS=$?
	PEER_PID=
}

# --- wscat and a python server ---------------------------------------

@test "wscat prints each line a python server echoes, exactly" {
	start_py_server echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	printf '%s\n' 'hello' '  spaces around  ' $'tab\there' 'ünïcödé ✓' \
		'' 'last' >"$in"
	# --count: at EOF wscat closes at once, and python-websockets answers
	# a close without waiting for its handler to echo what came before.
	run -0 wscat_to "$out" --count 6 "$PY_URL" <"$in"
	cmp "$in" "$out"
}

@test "wscat prints a binary message from a python server byte for byte" {
	start_py_server binary
	local out=$BATS_TEST_TMPDIR/out
	run -0 wscat_to "$out" -1 "$PY_URL" </dev/null
	run -0 od -An -tx1 "$out"
	assert_output ' 00 01 ff 0a'
}

@test "wscat sends and receives a 1 MiB text message through a python server" {
	start_py_server echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	"$PY" -c 'import sys; s = "".join(chr(33 + i % 94) for i in range(9973))
sys.stdout.write((s * 106)[:1 << 20] + "\n")' >"$in"
	[ "$(wc -c <"$in")" -eq $(((1 << 20) + 1)) ]
	run -0 wscat_to "$out" -1 "$PY_URL" <"$in"
	cmp "$in" "$out"
}

@test "wscat exits 7 and prints code and reason when a python server closes with 4000" {
	start_py_server send-then-close 4000 'go away' 'bye'
	run -7 --separate-stderr timeout 5 "$WSCAT" -w -1 "$PY_URL" </dev/null
	assert_output 'bye'
	[[ $stderr == *'4000 "go away"'* ]] || fail "stderr: $stderr"
}

@test "wscat exits 0 when a python server closes with 1000" {
	start_py_server send-then-close 1000 done 'one' 'two'
	run -0 --separate-stderr timeout 5 "$WSCAT" -w -1 "$PY_URL" </dev/null
	assert_output $'one\ntwo'
}

@test "wscat -s chat talks to a python server that selects chat" {
	start_py_server subprotocol chat
	run -0 --separate-stderr timeout 5 "$WSCAT" -s superchat -s chat \
		-1 -x 'with chat' "$PY_URL"
	assert_output 'with chat'
}

@test "wscat exits 5 when a python server selects none of its subprotocols" {
	start_py_server subprotocol chat
	run -5 --separate-stderr timeout 5 "$WSCAT" -s superchat -1 -x hi \
		"$PY_URL"
	assert_output ''
	[[ $stderr == *subprotocol* ]] || fail "stderr: $stderr"
}

@test "wscat sends -H, -o, -s and --auth headers that a python server receives" {
	start_py_server check-headers
	run -0 --separate-stderr timeout 5 "$WSCAT" -H 'X-Test: hello there' \
		-o http://example.test --auth user:pass -s chat -1 "$PY_URL" \
		</dev/null
	# dXNlcjpwYXNz is base64("user:pass").
	assert_output '{"authorization": "Basic dXNlcjpwYXNz", "origin": "http://example.test", "subprotocol": "chat", "x-test": "hello there"}'
}

@test "wscat -1 waits for a reply a python server delays by 1 s" {
	start_py_server delay-reply 1
	run -0 --separate-stderr timeout 5 "$WSCAT" -1 "$PY_URL" <<<'late'
	assert_output 'late'
}

# --- a python client and wsserve -------------------------------------

@test "wsserve prints text and binary messages from a python client exactly" {
	start_wsserve
	local want=$BATS_TEST_TMPDIR/want
	printf 'hello world\nünï ✓\n\0\1\n\r\377\n\nend\n' >"$want"
	run -0 py_client "$URL" -t 'hello world' -t 'ünï ✓' -b 00010a0dff \
		-t '' -t end
	assert_line 'close 1000 '
	wait_until 5 cmp -s "$want" "$SERVER_OUT" || cmp "$want" "$SERVER_OUT"
}

@test "a python client receives the lines wsserve reads from stdin" {
	start_wsserve
	local out=$BATS_TEST_TMPDIR/client.out
	start_py_client "$out" "$URL" -n 2
	wait_for_clients 1
	server_send 'first line' 'second ✓'
	wait_py_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_line --index 2 "text 'first line'"
	assert_line --index 3 "text 'second ✓'"
}

@test "an invalid UTF-8 stdin line reaches a python client as binary with a warning" {
	start_wsserve
	local out=$BATS_TEST_TMPDIR/client.out
	start_py_client "$out" "$URL" -n 2
	wait_for_clients 1
	printf 'caf\351\nstill text\n' >&4
	wait_py_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_line --index 2 'binary 636166e9'
	assert_line --index 3 "text 'still text'"
	run grep -c 'UTF-8' "$SERVER_ERR"
	assert_output 1
	run grep 'UTF-8' "$SERVER_ERR"
	assert_output --regexp '^wsserve: .*line 1.*binary'
}

@test "wsserve --echo returns text and binary messages unchanged to a python client" {
	start_wsserve --echo
	run -0 py_client "$URL" -t 'héllo there' -b 00ff0a80 -n 2
	assert_line --index 2 "text 'héllo there'"
	assert_line --index 3 'binary 00ff0a80'
}

@test "wsserve --subprotocol selects the first protocol a python client offers that it knows" {
	start_wsserve --subprotocol chat --subprotocol superchat
	run -0 py_client "$URL" -s other -s superchat -s chat
	assert_line 'subprotocol superchat'
	run -0 py_client "$URL" -s other
	assert_line 'subprotocol None'
}

@test "wsserve closes with 1009 on a message over --max-message" {
	start_wsserve --max-message 10
	run -0 py_client "$URL" -t 0123456789 -t 'eleven byte' --expect-close 1009
	assert_line --regexp '^close 1009 '
	wait_for_line "$SERVER_OUT" 0123456789
	run grep -c . "$SERVER_OUT"
	assert_output 1
}

@test "wsserve logs disconnected (1000) when a python client closes with 1000" {
	start_wsserve
	run -0 py_client "$URL" -t hi
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
	run grep ' disconnected' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(1000\)$'
}

@test "wsserve logs the code and reason a python client closes with" {
	start_wsserve
	run -0 py_client "$URL" --close 4001 --reason 'gone fishing'
	wait_for_text "$SERVER_ERR" ' disconnected (4001 "gone fishing")'
}

@test "three python clients at once all receive a line wsserve broadcasts" {
	start_wsserve
	local d=$BATS_TEST_TMPDIR i
	(
		for i in 1 2 3; do
			py_client "$URL" -n 1 >"$d/client$i.out" 2>&1 &
		done
		wait
	) 3>&- &
	PEER_PID=$!
	wait_for_clients 3
	server_send 'to everyone'
	wait_py_client
	for i in 1 2 3; do
		run cat "$d/client$i.out"
		assert_line --index 2 "text 'to everyone'"
		assert_line --index 3 'close 1000 '
	done
}
