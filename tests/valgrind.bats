#!/usr/bin/env bats
# One full client-server session with both binaries under valgrind
# memcheck: no errors, no leaks.  `make valgrind` runs this file.

load helpers

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
	exec 4>"$SERVER_IN"
	wait_for_text "$SERVER_ERR" "listening on ws://" 30
	PORT=$(sed -n 's|.*listening on ws://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	URL=ws://127.0.0.1:$PORT/

	# Client to server and back, text and binary, then a broadcast.
	printf 'one\ntwo\nbin\377\n' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr -0 timeout 60 $VG "$WSCAT" --count 3 "$URL" <"$BATS_TEST_TMPDIR/in"
	cmp <(printf '%s\n' "$output") "$BATS_TEST_TMPDIR/in"

	run_bg c timeout 60 $VG "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 1 30
	server_send broadcast
	server_eof		# -E: deliver, close with 1000, exit
	wait_for_status c 0 60
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output broadcast
	SERVER_STATUS=0
	wait "$SERVER_PID" || SERVER_STATUS=$?
	SERVER_PID=
	[ "$SERVER_STATUS" -eq 0 ] || { cat "$SERVER_ERR" >&2; false; }
	# valgrind reports on stderr, prefixed with ==PID==.
	! grep -q '^==' "$SERVER_ERR" "$BATS_TEST_TMPDIR/c.err"
}

@test "wscat refused by the server and wscat unable to connect are clean under valgrind" {
	start_wsserve --origin http://ok.example
	run -5 timeout 60 $VG "$WSCAT" -o http://bad.example "$URL" </dev/null
	run -3 timeout 60 $VG "$WSCAT" "ws://127.0.0.1:$(free_port)/" </dev/null
}
