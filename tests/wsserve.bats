#!/usr/bin/env bats
# wsserve: listening, broadcasting stdin, printing what clients send,
# and stopping cleanly.

load helpers

@test "wsserve announces each listener with one exact ready line" {
	start_wsserve
	run cat "$SERVER_ERR"
	assert_output --regexp '^wsserve: listening on ws://127\.0\.0\.1:[0-9]+/$'
}

@test "wsserve listens on 127.0.0.1:15678 by default" {
	if "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 15678), 1)' 2>/dev/null; then
		fail "port 15678 is busy on this machine"
	fi
	spawn server 20 "$WSSERVE" </dev/null
	wait_for_text "$BATS_TEST_TMPDIR/server.err" "listening"
	run cat "$BATS_TEST_TMPDIR/server.err"
	assert_output 'wsserve: listening on ws://127.0.0.1:15678/'
}

@test "wsserve listens on every -a address, IPv6 in brackets" {
	start_wsserve -a 127.0.0.1 -a ::1
	wait_for_text "$SERVER_ERR" "listening on ws://[::1]:"
	run grep -c 'listening on' "$SERVER_ERR"
	assert_output 2
	port6=$(sed -n 's|.*ws://\[::1\]:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	run_wscat 0 "$URL" <<<v4
	run_wscat 0 "ws://[::1]:$port6/" <<<v6
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'v4\nv6'
}

@test "wsserve exits 3 and names the address when the port is taken" {
	start_wsserve
	run_wsserve 3 -p "$PORT" </dev/null
	assert_equal "$stderr" "wsserve: cannot listen on 127.0.0.1:$PORT: Address already in use"
	assert_output ''
}

@test "wsserve exits 2 and names the option on a bad value" {
	run_wsserve 2 -p 70000
	assert_equal "${stderr_lines[0]}" "wsserve: -p 70000: too large (max 65535)"
	run_wsserve 2 --max-message 12x
	assert_equal "${stderr_lines[0]}" "wsserve: --max-message 12x: invalid"
	run_wsserve 2 --handshake-timeout -1
	assert_equal "${stderr_lines[0]}" "wsserve: --handshake-timeout -1: too small (min 0.001)"
	run_wsserve 2 extra
	assert_equal "${stderr_lines[0]}" "wsserve: unexpected argument 'extra'"
	assert_output ''
}

@test "wsserve logs connect and disconnect with the peer and the close code" {
	start_wsserve
	run_wscat 0 "$URL" <<<hi
	wait_for_text "$SERVER_ERR" "disconnected"
	run grep -E '^wsserve: 127\.0\.0\.1:[0-9]+ (connected|disconnected \(1000\))$' "$SERVER_ERR"
	[ "${#lines[@]}" -eq 2 ]
}

@test "wsserve -q logs the ready line but no connects" {
	start_wsserve -q
	run_wscat 0 "$URL" <<<quiet
	wait_for_line "$SERVER_OUT" quiet
	run cat "$SERVER_ERR"
	assert_output --regexp '^wsserve: listening on ws://127\.0\.0\.1:[0-9]+/$'
}

@test "wsserve sends every stdin line to every open client, in order" {
	start_wsserve
	spawn c1 20 "$WSCAT" -w -1 "$URL" </dev/null
	spawn c2 20 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 2
	seq 1 2000 >&4
	wait_for_lines "$BATS_TEST_TMPDIR/c1.out" 2000
	wait_for_lines "$BATS_TEST_TMPDIR/c2.out" 2000
	stop_wsserve TERM
	wait_for_status c1 0
	wait_for_status c2 0
	cmp "$BATS_TEST_TMPDIR/c1.out" <(seq 1 2000)
	cmp "$BATS_TEST_TMPDIR/c2.out" <(seq 1 2000)
	# Nothing extra on stdout at shutdown.
	[ ! -s "$SERVER_OUT" ]
}

@test "wsserve keeps stdin unread until a client connects" {
	start_wsserve
	server_send early1 early2 early3
	run_wscat 0 --count 3 "$URL" </dev/null
	assert_output $'early1\nearly2\nearly3'
	assert_equal "$stderr" ''
}

@test "messages from concurrent clients are printed whole, never interleaved" {
	start_wsserve
	for ch in a b c; do
		"$PY" -c "import sys; sys.stdout.write(('$ch' * 200000 + '\n') * 30)" \
			>"$BATS_TEST_TMPDIR/$ch.in"
	done
	spawn a 30 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/a.in"
	spawn b 30 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/b.in"
	spawn c 30 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/c.in"
	wait_for_status a 0 30
	wait_for_status b 0 30
	wait_for_status c 0 30
	wait_for_lines "$SERVER_OUT" 90
	# Each line must be one client's message, whole.
	run "$PY" -c '
import collections, sys
c = collections.Counter()
for line in open(sys.argv[1], "rb"):
    line = line.rstrip(b"\n")
    ok = len(line) == 200000 and line == line[:1] * 200000
    c[line[:1].decode() if ok else "torn"] += 1
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$SERVER_OUT"
	assert_output 'a=30 b=30 c=30'
}

@test "1 MiB messages from two clients at once, handed to stdout by reference, are printed whole" {
	start_wsserve
	for ch in a b; do
		"$PY" -c "import sys; sys.stdout.write(('$ch' * 1048576 + '\n') * 12)" \
			>"$BATS_TEST_TMPDIR/$ch.in"
	done
	spawn a 30 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/a.in"
	spawn b 30 "$WSCAT" "$URL" <"$BATS_TEST_TMPDIR/b.in"
	wait_for_status a 0 30
	wait_for_status b 0 30
	wait_for_lines "$SERVER_OUT" 24 20
	run "$PY" -c '
import collections, sys
c = collections.Counter()
for line in open(sys.argv[1], "rb"):
    line = line.rstrip(b"\n")
    ok = len(line) == 1048576 and line == line[:1] * 1048576
    c[line[:1].decode() if ok else "torn"] += 1
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$SERVER_OUT"
	assert_output 'a=12 b=12'
}

@test "wsserve goes on serving after stdin ends" {
	start_wsserve
	spawn c1 10 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	server_send last
	server_eof
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" last
	run_wscat 0 "$URL" <<<after-eof
	wait_for_line "$SERVER_OUT" after-eof
	kill -0 "$SERVER_PID"
}

@test "wsserve -E delivers every line, closes with 1000 and exits 0" {
	start_wsserve -E
	spawn c1 20 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	seq 1 5000 >&4
	server_eof
	wait_for_status c1 0 10
	cmp "$BATS_TEST_TMPDIR/c1.out" <(seq 1 5000)
	wait_until 5 has_exited "$SERVER_PID"
	reap_wsserve
	assert_equal "$SERVER_STATUS" 0
	assert grep -qE 'disconnected \(1000\)$' "$SERVER_ERR"
}

@test "wsserve on SIGINT closes clients with 1001 and exits 0" {
	start_wsserve
	spawn c1 10 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1
	server_send before
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" before
	stop_wsserve INT
	assert_equal "$SERVER_STATUS" 0
	wait_for_status c1 0
	run cat "$BATS_TEST_TMPDIR/c1.out"
	assert_output before
	assert grep -qE 'disconnected \(1001\)$' "$SERVER_ERR"
}

@test "a second SIGINT stops wsserve at once when a client never answers the close" {
	start_wsserve
	# A client that completes the handshake, then reports the frames it
	# gets and answers none.
	spawn idle 30 "$PY" "$PEERS/raw.py" idle-open "$PORT" 20 --report </dev/null
	wait_for_clients 1
	kill -INT "$SERVER_PID"
	# The close (1001) has gone out: wsserve now waits up to 5 s for the
	# reply that never comes.
	wait_for_line "$BATS_TEST_TMPDIR/idle.out" 'FRAME 8 03e9'
	kill -0 "$SERVER_PID"
	kill -INT "$SERVER_PID"
	wait_until 2 has_exited "$SERVER_PID"
	reap_wsserve
	assert_equal "$SERVER_STATUS" 0
	# It went at the signal, not at the end of the 5 s.
	refute grep -q 'did not finish closing' "$SERVER_ERR"
	wait_for_line "$BATS_TEST_TMPDIR/idle.out" EOF
	run cat "$BATS_TEST_TMPDIR/idle.out"
	assert_output $'OPEN\nFRAME 8 03e9\nEOF'
}

@test "wsserve drops a stdin line longer than --max-message, says so, and exits 1 in the end" {
	start_wsserve --max-message 10
	spawn c1 10 "$WSCAT" --count 1 "$URL" </dev/null
	wait_for_clients 1
	server_send 0123456789abcdef short
	wait_for_status c1 0
	run cat "$BATS_TEST_TMPDIR/c1.out"
	assert_output short
	assert grep -qxF 'wsserve: line 1: longer than 10 bytes, not sent' "$SERVER_ERR"
	# Reported when it happened, and a failure in the end.
	stop_wsserve
	assert_equal "$SERVER_STATUS" 1
}

@test "wsserve | head -1: the reader going away closes clients with 1001, exit 0" {
	local d=$BATS_TEST_TMPDIR head
	SERVER_ERR=$d/server.err
	( pid_to "$d/wsserve.pid" "$WSSERVE" -p 0 </dev/null 2>"$SERVER_ERR" |
		pid_to "$d/head.pid" head -1 >"$d/head.out"
	  echo "${PIPESTATUS[0]}" >"$d/server.rc" ) 3>&- 4>&- &
	track_pid $!
	pid_from "$d/wsserve.pid" >/dev/null
	head=$(pid_from "$d/head.pid")
	wait_for_text "$SERVER_ERR" "listening on ws://"
	PORT=$(sed -n 's|.*listening on ws://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	mkfifo "$d/cin"
	exec 5<>"$d/cin"	# wscat's stdin stays open
	# -w -1: wscat never closes first, so the close must come from wsserve.
	spawn c 10 "$WSCAT" -w -1 "ws://127.0.0.1:$PORT/" <"$d/cin"
	wait_for_clients 1
	echo 1 >&5
	wait_for_line "$d/head.out" 1
	wait_until 5 has_exited "$head"
	# wsserve finds the reader gone when it writes the next message.
	echo 2 >&5
	wait_for_status c 0
	# wscat had sent all it read before the close came: nothing is lost.
	run cat "$d/c.err"
	assert_output ''
	wait_for_line "$d/server.rc" 0
	run cat "$d/head.out"
	assert_output 1
	run grep -E ' (connected|disconnected .*)$' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ connected
wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(1001\)$'
	# The close reply was read although stdout was gone.
	refute grep -q 'did not finish closing' "$SERVER_ERR"
}
