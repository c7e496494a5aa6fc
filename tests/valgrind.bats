#!/usr/bin/env bats
# A representative subset under valgrind memcheck, both binaries: a full
# session (with permessage-deflate), refused and failed connects, and TLS
# with keepalive pings.  No
# errors, no leaks.  `make valgrind` runs only this file.

load helpers
load tls_helpers

# An address literal, not a name, in URLs here: glibc's resolver thread
# (getaddrinfo_a) leaves "possibly lost" blocks of its own at exit.
VG="valgrind --quiet --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite,indirect,possible --track-fds=no"

@test "a wscat-wsserve session is clean under valgrind" {
	command -v valgrind
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	SERVER_IN=$BATS_TEST_TMPDIR/server.in
	mkfifo "$SERVER_IN"
	$VG "$WSSERVE" -p 0 --echo -E <"$SERVER_IN" >"$SERVER_OUT" \
		2>"$SERVER_ERR" 3>&- 4>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	exec 4>"$SERVER_IN"
	wait_for_text "$SERVER_ERR" "listening on ws://" 30
	PORT=$(sed -n 's|.*listening on ws://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	URL=ws://127.0.0.1:$PORT/

	# Client to server and back, text and binary, short and long
	# (compressed both ways: permessage-deflate), then a broadcast.
	{
		printf 'one\ntwo\nbin\377\n'
		printf 'compressible %.0s' {1..100}
		printf '\n'
	} >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr -0 timeout 60 $VG "$WSCAT" --count 4 "$URL" <"$BATS_TEST_TMPDIR/in"
	cmp <(printf '%s\n' "$output") "$BATS_TEST_TMPDIR/in"

	spawn c 60 $VG "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1 30
	server_send broadcast
	server_eof		# -E: deliver, close with 1000, exit
	wait_for_status c 0 60
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output broadcast
	wait_until 60 has_exited "$SERVER_PID"
	reap_wsserve
	[ "$SERVER_STATUS" -eq 0 ] || { cat "$SERVER_ERR" >&2; false; }
	# valgrind reports on stderr, prefixed with ==PID==.
	! grep -q '^==' "$SERVER_ERR" "$BATS_TEST_TMPDIR/c.err"
}

@test "wscat refused by the server and wscat unable to connect are clean under valgrind" {
	start_wsserve --origin http://ok.example
	run -5 timeout 60 $VG "$WSCAT" -o http://bad.example "$URL" </dev/null
	run -3 timeout 60 $VG "$WSCAT" "ws://127.0.0.1:$(free_port)/" </dev/null
}

@test "a TLS session with keepalive pings is clean under valgrind" {
	PKI=$BATS_TEST_TMPDIR/pki
	make_pki "$PKI"
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	$VG "$WSSERVE" -p 0 --echo --ping-interval 0.3 --cert "$PKI/server.pem" \
		--key "$PKI/server.key" </dev/null >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	wait_for_text "$SERVER_ERR" "listening on wss://" 30
	PORT=$(sed -n 's|.*listening on wss://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	# -w 1.5 keeps it open across several pings both ways.
	run --separate-stderr -0 timeout 60 $VG "$WSCAT" --ca "$PKI/ca.pem" \
		--ping-interval 0.3 -w 1.5 "wss://127.0.0.1:$PORT/" < <(seq 1 1000)
	cmp <(printf '%s\n' "$output") <(seq 1 1000)
	[ -z "$stderr" ] || { echo "$stderr" >&2; false; }
	stop_wsserve TERM 30
	[ "$SERVER_STATUS" -eq 0 ] || { cat "$SERVER_ERR" >&2; false; }
	! grep -q '^==' "$SERVER_ERR"
}

@test "fragments, a ping flood, the memory budget and a 1009 are clean under valgrind" {
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	$VG "$WSSERVE" -p 0 --max-memory 1M --max-message 4M </dev/null \
		>"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	wait_for_text "$SERVER_ERR" "listening on ws://" 30
	PORT=$(sed -n 's|.*listening on ws://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	run -0 timeout 60 "$PY" "$PEERS/flood.py" frag-client "$PORT" 2000
	wait_for_lines "$SERVER_OUT" 1 30
	run -0 timeout 60 "$PY" "$PEERS/flood.py" ping-client "$PORT" 1 0
	head -c 2097152 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr -7 timeout 60 $VG "$WSCAT" "ws://127.0.0.1:$PORT/" \
		<"$BATS_TEST_TMPDIR/big"
	[ "$stderr" = "wscat: server closed the connection: 1009" ] ||
		{ echo "$stderr" >&2; false; }
	run awk '{ print length($0) }' "$SERVER_OUT"
	assert_output 2000
	stop_wsserve TERM 30
	[ "$SERVER_STATUS" -eq 0 ] || { cat "$SERVER_ERR" >&2; false; }
	! grep -q '^==' "$SERVER_ERR"
}
