#!/usr/bin/env bats
# wscat against a node `ws` server, and node `ws` clients against wsserve
# (tests/peers/node_server.js, node_client.js).  The ws version is pinned
# in tests/package.json and tests/package-lock.json; install it with
# `npm ci --prefix tests`.

load helpers

NODE_MODULES=$ROOT/tests/node_modules

# A missing ws install fails every test, with the command that fixes it:
# it is never a reason to skip.
setup() {
	command -v node >/dev/null ||
		fail 'node is not on PATH: the node interop tests need node 20'
	[ -f "$NODE_MODULES/ws/package.json" ] ||
		fail "$NODE_MODULES/ws is missing: run \`npm ci --prefix tests\` from the repository root"
}

# start_node_server MODE [ARGS...]: runs node_server.js in the background
# and waits for its port.  Sets PEER_PID, NODE_URL.
start_node_server() {
	local out=$BATS_TEST_TMPDIR/node_server.out
	node "$PEERS/node_server.js" "$@" >"$out" \
		2>"$BATS_TEST_TMPDIR/node_server.err" 3>&- &
	PEER_PID=$!
	wait_until 5 grep -q '^PORT [0-9]' "$out" || {
		cat "$BATS_TEST_TMPDIR/node_server.err" >&2
		return 1
	}
	NODE_URL=ws://127.0.0.1:$(sed -n 's/^PORT //p' "$out")/
}

# wscat_to FILE ARGS...: wscat ARGS under timeout, its stdout in FILE (so
# it can be compared byte for byte); stderr stays with `run`.
wscat_to() {
	local file=$1
	shift
	timeout 5 "$WSCAT" "$@" >"$file"
}

# node_client ARGS...: node_client.js ARGS under timeout.
node_client() {
	timeout "${NODE_TIMEOUT:-5}" node "$PEERS/node_client.js" "$@"
}

# start_node_client OUT ARGS...: node_client.js in the background, its
# output in OUT.  Sets PEER_PID; wait_node_client waits and sets
# PEER_STATUS.
start_node_client() {
	local out=$1
	shift
	# 4>&-: the client must not hold wsserve's stdin FIFO open.
	node_client "$@" >"$out" 2>&1 3>&- 4>&- &
	PEER_PID=$!
}
wait_node_client() {
	PEER_STATUS=0
	wait "$PEER_PID" || PEER_STATUS=$?
	PEER_PID=
}

@test "the installed ws is the version tests/package.json pins" {
	run -0 node -e '
		const pin = require(process.argv[1]).dependencies.ws;
		const got = require(process.argv[2]).version;
		if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(pin)) {
			console.log("ws is not pinned to an exact version: " + pin);
			process.exit(1);
		}
		console.log(got === pin ? "ws " + got : "installed ws " + got +
			", pinned " + pin + ": run npm ci --prefix tests");
		process.exit(got === pin ? 0 : 1);
	' "$ROOT/tests/package.json" "$NODE_MODULES/ws/package.json"
	assert_output --regexp '^ws 8\.[0-9]+\.[0-9]+$'
}

# --- wscat and a node server -----------------------------------------

@test "wscat prints each line a node server echoes, exactly" {
	start_node_server echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	printf '%s\n' 'hello' '  spaces around  ' $'tab\there' 'ünïcödé ✓' \
		'' 'last' >"$in"
	# --count: wscat's close at EOF must not race the echoes.
	run -0 wscat_to "$out" --count 6 "$NODE_URL" <"$in"
	cmp "$in" "$out"
}

@test "wscat prints a binary message from a node server byte for byte" {
	start_node_server binary
	local out=$BATS_TEST_TMPDIR/out
	run -0 wscat_to "$out" -1 "$NODE_URL" </dev/null
	run -0 od -An -tx1 "$out"
	assert_output ' 00 01 ff 0a'
}

@test "wscat sends and receives a 1 MiB text message through a node server" {
	start_node_server echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	"$PY" -c 'import sys; s = "".join(chr(33 + i % 94) for i in range(9973))
sys.stdout.write((s * 106)[:1 << 20] + "\n")' >"$in"
	[ "$(wc -c <"$in")" -eq $(((1 << 20) + 1)) ]
	run -0 wscat_to "$out" -1 "$NODE_URL" <"$in"
	cmp "$in" "$out"
}

@test "wscat exits 7 and prints code and reason when a node server closes with 4000" {
	start_node_server send-then-close 4000 'go away' 'bye'
	run -7 --separate-stderr timeout 5 "$WSCAT" -w -1 "$NODE_URL" </dev/null
	assert_output 'bye'
	[[ $stderr == *'4000 "go away"'* ]] || fail "stderr: $stderr"
}

@test "wscat exits 0 when a node server closes with 1000" {
	start_node_server send-then-close 1000 done 'one' 'two'
	run -0 --separate-stderr timeout 5 "$WSCAT" -w -1 "$NODE_URL" </dev/null
	assert_output $'one\ntwo'
}

@test "wscat exits 0 when a node server closes without a status code" {
	start_node_server send-then-close - '' 'only'
	run -0 --separate-stderr timeout 5 "$WSCAT" -w -1 "$NODE_URL" </dev/null
	assert_output 'only'
	# wscat answered with a close frame without a code too.
	wait_for_line "$BATS_TEST_TMPDIR/node_server.out" 'close 1005 '
}

@test "wscat exits 6 when a node server drops the connection without a close frame" {
	start_node_server send-then-drop 'one' 'two'
	run -6 --separate-stderr timeout 5 "$WSCAT" -w -1 "$NODE_URL" </dev/null
	assert_output $'one\ntwo'
	[[ $stderr == *'without a close frame'* ]] || fail "stderr: $stderr"
}

@test "wscat -s chat talks to a node server that selects chat" {
	start_node_server subprotocol chat
	run -0 --separate-stderr timeout 5 "$WSCAT" -v -s superchat -s chat \
		-1 -x 'with chat' "$NODE_URL"
	assert_output 'with chat'
	[[ $stderr == *'Sec-WebSocket-Protocol: chat'* ]] || fail "stderr: $stderr"
}

@test "wscat exits 5 when a node server selects none of its subprotocols" {
	start_node_server subprotocol chat
	run -5 --separate-stderr timeout 5 "$WSCAT" -s superchat -1 -x hi \
		"$NODE_URL"
	assert_output ''
	[[ $stderr == *subprotocol* ]] || fail "stderr: $stderr"
}

@test "wscat sends -H, -o, -s and --auth headers that a node server receives" {
	start_node_server check-headers
	run -0 --separate-stderr timeout 5 "$WSCAT" -H 'X-Test: hello there' \
		-o http://example.test --auth user:pass -s chat -1 "$NODE_URL" \
		</dev/null
	# dXNlcjpwYXNz is base64("user:pass").
	assert_output '{"authorization":"Basic dXNlcjpwYXNz","origin":"http://example.test","subprotocol":"chat","x-test":"hello there"}'
}

@test "wscat sends user information in the URL as Basic authorization to a node server" {
	start_node_server check-headers
	run -0 --separate-stderr timeout 5 "$WSCAT" -1 \
		"ws://user:pass@${NODE_URL#ws://}" </dev/null
	assert_output '{"authorization":"Basic dXNlcjpwYXNz","origin":null,"subprotocol":null,"x-test":null}'
}

@test "wscat -1 waits for a reply a node server delays by 1 s" {
	start_node_server delay-reply 1
	local start=${EPOCHREALTIME/./} ms
	run -0 --separate-stderr timeout 5 "$WSCAT" -1 "$NODE_URL" <<<'late'
	ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	assert_output 'late'
	# wscat really waited: the reply cannot have come before the delay.
	[ "$ms" -ge 1000 ] || fail "wscat exited after $ms ms"
}

@test "a node server sees wscat close with 1000 at the end of its input" {
	start_node_server echo
	run -0 --separate-stderr timeout 5 "$WSCAT" -x 'one' -x 'two' \
		"$NODE_URL"
	assert_output $'one\ntwo'
	wait_for_line "$BATS_TEST_TMPDIR/node_server.out" 'close 1000 '
}

@test "wscat closes with 1001 on SIGTERM, and a node server sees it" {
	start_node_server echo
	local d=$BATS_TEST_TMPDIR pid status=0
	timeout 20 "$WSCAT" -w -1 -x ready "$NODE_URL" </dev/null \
		>"$d/wscat.out" 2>"$d/wscat.err" 3>&- &
	pid=$!
	# The echo shows the connection is open.
	wait_for_line "$d/wscat.out" ready
	kill -TERM "$pid"	# timeout passes it on to wscat
	wait "$pid" || status=$?
	assert_equal "$status" 143
	wait_for_line "$d/node_server.out" 'close 1001 '
	run cat "$d/node_server.out"
	assert_line --index 1 connected
	assert_line --index 2 'close 1001 '
}

# --- a node client and wsserve ---------------------------------------

@test "wsserve prints text and binary messages from a node client exactly" {
	start_wsserve
	local want=$BATS_TEST_TMPDIR/want
	printf 'hello world\nünï ✓\n\0\1\n\r\377\n\nend\n' >"$want"
	run -0 node_client "$URL" -t 'hello world' -t 'ünï ✓' -b 00010a0dff \
		-t '' -t end
	assert_line 'close 1000 '
	wait_until 5 cmp -s "$want" "$SERVER_OUT" || cmp "$want" "$SERVER_OUT"
}

@test "wsserve reassembles messages a node client sends one byte per frame" {
	start_wsserve
	local want=$BATS_TEST_TMPDIR/want
	printf 'ünï ✓\n\0\1\377\nabc\n' >"$want"
	# The text frames split the UTF-8 sequences of ü, ï and ✓.
	run -0 node_client "$URL" --fragment -t 'ünï ✓' -b 0001ff -t abc
	assert_line 'close 1000 '
	wait_until 5 cmp -s "$want" "$SERVER_OUT" || cmp "$want" "$SERVER_OUT"
}

@test "wsserve --echo answers a node client's ping and echoes fragmented messages whole" {
	start_wsserve --echo
	run -0 node_client "$URL" --ping 'are you there' --fragment -t 'héllo' \
		-b 00ff -n 2
	assert_line 'pong are you there'
	assert_line 'text "héllo"'
	assert_line 'binary 00ff'
	assert_line 'close 1000 '
}

@test "wsserve accepts a node client without negotiating the permessage-deflate it offers" {
	start_wsserve
	# ws offers permessage-deflate by default; wsserve must not accept it.
	run -0 node_client "$URL" --headers -t 'plain'
	assert_line 'header upgrade: websocket'
	refute_line --partial 'header sec-websocket-extensions'
	assert_line 'close 1000 '
	wait_for_line "$SERVER_OUT" plain
}

@test "a node client receives the lines wsserve reads from stdin" {
	start_wsserve
	local out=$BATS_TEST_TMPDIR/client.out
	start_node_client "$out" "$URL" -n 2
	wait_for_clients 1
	server_send 'first line' 'second ✓'
	wait_node_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_line --index 2 'text "first line"'
	assert_line --index 3 'text "second ✓"'
	assert_line --index 4 'close 1000 '
}

@test "an invalid UTF-8 stdin line reaches a node client as binary with a warning" {
	start_wsserve
	local out=$BATS_TEST_TMPDIR/client.out
	start_node_client "$out" "$URL" -n 2
	wait_for_clients 1
	printf 'caf\351\nstill text\n' >&4
	wait_node_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_line --index 2 'binary 636166e9'
	assert_line --index 3 'text "still text"'
	run grep -c 'UTF-8' "$SERVER_ERR"
	assert_output 1
	run grep 'UTF-8' "$SERVER_ERR"
	assert_output --regexp '^wsserve: .*line 1.*binary'
}

@test "wsserve --echo returns text and binary messages unchanged to a node client" {
	start_wsserve --echo
	run -0 node_client "$URL" -t 'héllo there' -b 00ff0a80 -n 2
	assert_line --index 2 'text "héllo there"'
	assert_line --index 3 'binary 00ff0a80'
	assert_line --index 4 'close 1000 '
}

@test "wsserve --subprotocol selects the first protocol a node client offers that it knows" {
	start_wsserve --subprotocol chat --subprotocol superchat
	run -0 node_client "$URL" -s other -s superchat -s chat
	assert_line --index 1 'subprotocol superchat'
	run -0 node_client "$URL"
	assert_line --index 1 'subprotocol none'
}

@test "wsserve selects no subprotocol for a node client offering none it knows, which ws refuses" {
	start_wsserve --subprotocol chat
	# RFC 6455 lets the server select none; ws then fails the connection.
	run -1 node_client "$URL" --headers -s other
	refute_line --partial 'header sec-websocket-protocol'
	assert_line 'error Server sent no subprotocol'
	refute_line open
}

@test "wsserve --origin accepts a node client with that origin and refuses another" {
	start_wsserve --origin http://good.test
	run -0 node_client "$URL" -o http://good.test -t 'from good'
	assert_line 'close 1000 '
	wait_for_line "$SERVER_OUT" 'from good'
	run -1 node_client "$URL" -o http://bad.test -t 'from bad'
	assert_line 'error Unexpected server response: 403'
	refute_line open
	wait_for_text "$SERVER_ERR" "not upgraded: refused 403"
	run cat "$SERVER_OUT"
	assert_output 'from good'
}

@test "wsserve closes with 1009 on a message over --max-message from a node client" {
	start_wsserve --max-message 10
	run -0 node_client "$URL" -t 0123456789 -t 'eleven byte' --expect-close 1009
	assert_line --regexp '^close 1009 '
	wait_for_line "$SERVER_OUT" 0123456789
	run grep -c . "$SERVER_OUT"
	assert_output 1
	wait_for_text "$SERVER_ERR" ' disconnected (1009 sent'
}

@test "wsserve logs disconnected (1000) when a node client closes with 1000" {
	start_wsserve
	run -0 node_client "$URL" -t hi
	assert_line 'close 1000 '
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
	run grep ' disconnected' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(1000\)$'
	wait_for_line "$SERVER_OUT" hi
}

@test "wsserve logs the code and reason a node client closes with" {
	start_wsserve
	run -0 node_client "$URL" --close 4001 --reason 'gone fishing'
	wait_for_text "$SERVER_ERR" ' disconnected (4001 "gone fishing")'
}

@test "wsserve -E delivers its input, then closes a node client with 1000" {
	start_wsserve -E
	local out=$BATS_TEST_TMPDIR/client.out
	start_node_client "$out" "$URL" --expect-close 1000
	wait_for_clients 1
	server_send 'a' 'b'
	server_eof
	wait_node_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_output $'open\nsubprotocol none\ntext "a"\ntext "b"\nclose 1000 '
	wait "$SERVER_PID"
	SERVER_PID=
}

@test "wsserve closes a node client with 1001 on SIGTERM" {
	start_wsserve
	local out=$BATS_TEST_TMPDIR/client.out
	start_node_client "$out" "$URL" --expect-close 1001
	wait_for_clients 1
	stop_wsserve
	assert_equal "$SERVER_STATUS" 0
	wait_node_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_line --index 2 'close 1001 '
}

@test "three node clients at once all receive a line wsserve broadcasts" {
	start_wsserve
	local d=$BATS_TEST_TMPDIR i
	(
		for i in 1 2 3; do
			node_client "$URL" -n 1 >"$d/client$i.out" 2>&1 &
		done
		wait
	) 3>&- &
	PEER_PID=$!
	wait_for_clients 3
	server_send 'to everyone'
	wait_node_client
	for i in 1 2 3; do
		run cat "$d/client$i.out"
		assert_line --index 2 'text "to everyone"'
		assert_line --index 3 'close 1000 '
	done
}

@test "200 concurrent node clients each send 50 messages that wsserve prints whole" {
	local n=200 m=50 out=$BATS_TEST_TMPDIR/client.out
	local want=$BATS_TEST_TMPDIR/want
	start_wsserve
	NODE_TIMEOUT=60 start_node_client "$out" "$URL" --conns $n --messages $m
	wait_node_client
	assert_equal "$PEER_STATUS" 0
	run cat "$out"
	assert_output $'opened 200\nclosed 200'
	wait_for_clients 0 10
	# Every client connected, and all 200 were open at the same time.
	run awk '/ connected$/ { c++; if (c > max) max = c }
		/ disconnected \(/ { c-- }
		END { print NR - 1, max }' "$SERVER_ERR"
	assert_output '400 200'
	run grep -c ' disconnected (1000)$' "$SERVER_ERR"
	assert_output 200
	wait_for_lines "$SERVER_OUT" $((n * m)) 10
	run wc -l <"$SERVER_OUT"
	assert_output $((n * m))
	# The same messages, as node_client.js makes them, each on its own line.
	awk -v n=$n -v m=$m 'BEGIN {
		x = sprintf("%100s", ""); gsub(/ /, "x", x)
		for (i = 0; i < n; i++)
			for (j = 0; j < m; j++)
				printf "client %d message %d %s\n", i, j,
					substr(x, 1, (i * 7 + j * 13) % 100)
	}' | LC_ALL=C sort >"$want"
	LC_ALL=C sort "$SERVER_OUT" | cmp - "$want"
	# 50 for each client, in the order that client sent them.
	run awk -v m=$m '{
		if ($1 != "client" || $3 != "message") {
			print "bad line " NR; bad = 1; exit 1
		}
		if ($4 != next_j[$2] + 0) {
			print "client " $2 ": message " $4 " where " next_j[$2] + 0 \
				" was due"
			bad = 1; exit 1
		}
		next_j[$2]++
	} END {
		if (bad) exit 1
		for (c in next_j) if (next_j[c] != m) {
			print "client " c ": " next_j[c] " messages"; exit 1
		}
		print length(next_j) " clients"
	}' "$SERVER_OUT"
	assert_success
	assert_output '200 clients'
}
