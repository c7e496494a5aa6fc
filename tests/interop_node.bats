#!/usr/bin/env bats
# wscat against a node `ws` server, and node `ws` clients against wsserve
# (tests/peers/node_server.js, node_client.js).  The ws version is pinned
# in tests/package.json and tests/package-lock.json; install it with
# `npm ci --prefix tests`.  The tests shared with tests/interop_python.bats
# are in interop_common.bash.

load helpers
PEER_SERVER=(node "$PEERS/node_server.js")
PEER_CLIENT=(node "$PEERS/node_client.js")
load interop_common

NODE_MODULES=$ROOT/tests/node_modules

# A missing ws install fails every test, with the command that fixes it:
# it is never a reason to skip.
setup() {
	command -v node >/dev/null ||
		fail 'node is not on PATH: the node interop tests need node 20'
	[ -f "$NODE_MODULES/ws/package.json" ] ||
		fail "$NODE_MODULES/ws is missing: run \`npm ci --prefix tests\` from the repository root"
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
	interop_wscat_prints_echoed_lines
}

@test "wscat prints a binary message from a node server byte for byte" {
	interop_wscat_prints_binary
}

@test "wscat sends and receives a 1 MiB text message through a node server" {
	interop_wscat_echoes_1mib
}

@test "wscat exits 7 and prints code and reason when a node server closes with 4000" {
	interop_wscat_exits_7_on_close_4000
}

@test "wscat exits 0 when a node server closes with 1000" {
	interop_wscat_exits_0_on_close_1000
}

@test "wscat exits 0 when a node server closes without a status code" {
	start_server_peer send-then-close - '' 'only'
	run_wscat 0 -w -1 "$PEER_URL" </dev/null
	assert_output 'only'
	assert_equal "$stderr" ''
	# wscat answered with a close frame without a code too.
	wait_for_line "$BATS_TEST_TMPDIR/server_peer.out" 'close 1005 '
}

@test "wscat exits 6 when a node server drops the connection without a close frame" {
	start_server_peer send-then-drop 'one' 'two'
	run_wscat 6 -w -1 "$PEER_URL" </dev/null
	assert_output $'one\ntwo'
	assert_stderr_is 'wscat: connection lost without a close frame'
}

@test "wscat -s chat talks to a node server that selects chat" {
	interop_wscat_gets_its_subprotocol
}

@test "wscat exits 5 when a node server selects none of its subprotocols" {
	interop_wscat_exits_5_without_subprotocol
}

@test "wscat sends -H, -o, -s and --auth headers that a node server receives" {
	interop_wscat_sends_headers
}

@test "wscat sends user information in the URL as Basic authorization to a node server" {
	start_server_peer check-headers
	run_wscat 0 -1 "ws://user:pass@${PEER_URL#ws://}" </dev/null
	assert_output '{"authorization":"Basic dXNlcjpwYXNz","origin":null,"subprotocol":null,"x-test":null}'
}

@test "wscat -1 waits for a reply a node server delays by 1 s" {
	interop_wscat_waits_for_delayed_reply
}

@test "a node server sees wscat close with 1000 at the end of its input" {
	start_server_peer echo
	run_wscat 0 -x 'one' -x 'two' "$PEER_URL"
	assert_output $'one\ntwo'
	wait_for_line "$BATS_TEST_TMPDIR/server_peer.out" 'close 1000 '
}

@test "wscat closes with 1001 on SIGTERM, and a node server sees it" {
	start_server_peer echo
	local d=$BATS_TEST_TMPDIR
	spawn wscat 20 "$WSCAT" -w -1 -x ready "$PEER_URL" </dev/null
	# The echo shows the connection is open.
	wait_for_line "$d/wscat.out" ready
	kill -TERM "$SPAWN_PID"
	wait_for_status wscat 143
	wait_for_line "$d/server_peer.out" 'close 1001 '
	run cat "$d/server_peer.out"
	assert_line --index 1 connected
	assert_line --index 2 'close 1001 '
}

# --- a node client and wsserve ---------------------------------------

@test "wsserve prints text and binary messages from a node client exactly" {
	interop_wsserve_prints_client_messages
}

@test "wsserve reassembles messages a node client sends one byte per frame" {
	start_wsserve
	local want=$BATS_TEST_TMPDIR/want
	printf 'ünï ✓\n\0\1\377\nabc\n' >"$want"
	# The text frames split the UTF-8 sequences of ü, ï and ✓.
	run -0 --separate-stderr client_peer "$URL" --fragment -t 'ünï ✓' \
		-b 0001ff -t abc
	assert_output $'open\nsubprotocol none\nclose 1000 '
	wait_until 5 cmp -s "$want" "$SERVER_OUT" || cmp "$want" "$SERVER_OUT"
}

@test "wsserve --echo answers a node client's ping and echoes fragmented messages whole" {
	start_wsserve --echo
	run -0 --separate-stderr client_peer "$URL" --ping 'are you there' \
		--fragment -t 'héllo' -b 00ff -n 2
	assert_line 'pong are you there'
	assert_line 'text "héllo"'
	assert_line 'binary 00ff'
	assert_line 'close 1000 '
}

@test "wsserve accepts the permessage-deflate a node client offers, and --no-deflate declines it" {
	start_wsserve
	# ws offers permessage-deflate by default.
	run -0 --separate-stderr client_peer "$URL" --headers -t 'plain'
	assert_line 'header upgrade: websocket'
	assert_line 'header sec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover'
	assert_line 'close 1000 '
	wait_for_line "$SERVER_OUT" plain
	stop_wsserve
	start_wsserve --no-deflate
	run -0 --separate-stderr client_peer "$URL" --headers -t 'plain'
	refute_line --partial 'header sec-websocket-extensions'
	assert_line 'close 1000 '
}

@test "a node client receives the lines wsserve reads from stdin" {
	interop_client_receives_stdin_lines
}

@test "an invalid UTF-8 stdin line reaches a node client as binary with a warning" {
	interop_client_gets_invalid_utf8_as_binary
}

@test "wsserve --echo returns text and binary messages unchanged to a node client" {
	interop_wsserve_echoes_to_client
}

@test "wsserve --subprotocol selects the first protocol a node client offers that it knows" {
	interop_wsserve_selects_first_known_subprotocol
}

@test "wsserve selects no subprotocol for a node client offering none it knows, which ws refuses" {
	start_wsserve --subprotocol chat
	# RFC 6455 lets the server select none; ws then fails the connection.
	run -1 --separate-stderr client_peer "$URL" --headers -s other
	refute_line --partial 'header sec-websocket-protocol'
	assert_equal "$stderr" 'error Server sent no subprotocol'
	refute_line open
}

@test "wsserve --origin accepts a node client with that origin and refuses another" {
	start_wsserve --origin http://good.test
	run -0 --separate-stderr client_peer "$URL" -o http://good.test \
		-t 'from good'
	assert_output $'open\nsubprotocol none\nclose 1000 '
	wait_for_line "$SERVER_OUT" 'from good'
	run -1 --separate-stderr client_peer "$URL" -o http://bad.test \
		-t 'from bad'
	assert_equal "$stderr" 'error Unexpected server response: 403'
	assert_output 'close 1006 '
	wait_for_text "$SERVER_ERR" "not upgraded: refused 403"
	run cat "$SERVER_OUT"
	assert_output 'from good'
}

@test "wsserve closes with 1009 on a message over --max-message from a node client" {
	interop_wsserve_closes_1009_on_big_message
}

@test "wsserve logs disconnected (1000) when a node client closes with 1000" {
	interop_wsserve_logs_close_1000
}

@test "wsserve logs the code and reason a node client closes with" {
	interop_wsserve_logs_close_code_and_reason
}

@test "wsserve -E delivers its input, then closes a node client with 1000" {
	start_wsserve -E
	spawn_client_peer client "$URL" --expect-close 1000
	wait_for_clients 1
	server_send 'a' 'b'
	server_eof
	wait_for_status client 0
	run cat "$BATS_TEST_TMPDIR/client.out"
	assert_output $'open\nsubprotocol none\ntext "a"\ntext "b"\nclose 1000 '
	wait_until 5 has_exited "$SERVER_PID"
	reap_wsserve
	assert_equal "$SERVER_STATUS" 0
}

@test "wsserve closes a node client with 1001 on SIGTERM" {
	start_wsserve
	spawn_client_peer client "$URL" --expect-close 1001
	wait_for_clients 1
	stop_wsserve
	assert_equal "$SERVER_STATUS" 0
	wait_for_status client 0
	run cat "$BATS_TEST_TMPDIR/client.out"
	assert_output $'open\nsubprotocol none\nclose 1001 '
}

@test "three node clients at once all receive a line wsserve broadcasts" {
	interop_three_clients_get_broadcast
}

@test "200 concurrent node clients each send 50 messages that wsserve prints whole" {
	local n=200 m=50 out=$BATS_TEST_TMPDIR/client.out
	local want=$BATS_TEST_TMPDIR/want
	# --max-pending over 200: none of the handshakes, all at once, is
	# dropped to make room.
	start_wsserve --max-pending 300
	PEER_TIMEOUT=60 spawn_client_peer client "$URL" --conns $n --messages $m
	wait_for_status client 0 60
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
