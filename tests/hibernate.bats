#!/usr/bin/env bats
# Idle connections hibernate (issue 13): an open wsserve connection with
# nothing partly received and nothing queued gives its session back at once
# after the handshake and WSCONN_HIBERNATE_AFTER (1 s) after it was last
# busy, and any event wakes it with a new one.  These tests pause exactly
# where that could lose state: between connections, inside a fragmented
# message, inside a frame header, and across broadcasts to a mix of
# sleeping and busy clients.

load helpers

NAP=("$PY" "$PEERS/napper.py")

@test "a connection that slept still receives broadcasts, and what it sends after arrives" {
	start_wsserve
	spawn nap 20 "${NAP[@]}" "$PORT" sleep:1.5 recv text:after-sleep \
		sleep:1.5 recv close
	wait_for_text "$BATS_TEST_TMPDIR/nap.out" OPEN
	sleep 1.2
	server_send first-line
	wait_for_text "$SERVER_OUT" after-sleep 10
	server_send second-line
	wait_for_status nap 0 10
	run cat "$BATS_TEST_TMPDIR/nap.out"
	assert_output $'OPEN\ntext first-line\ntext second-line\nclose 1000'
	run cat "$SERVER_OUT"
	assert_output after-sleep
}

@test "a fragmented message and a frame header that span the sleep delay arrive whole" {
	start_wsserve
	run -0 timeout 20 "${NAP[@]}" "$PORT" first:abc sleep:1.5 last:def \
		head:hello sleep:1.5 rest text:x close
	assert_output $'OPEN\nclose 1000'
	run cat "$SERVER_OUT"
	assert_output $'abcdef\nhello\nx'
}

@test "a broadcast reaches sleeping and busy clients alike, and the busy one's messages all arrive" {
	local in=$BATS_TEST_TMPDIR/in
	seq 1 20000 >"$in"
	start_wsserve
	spawn a 20 "${NAP[@]}" "$PORT" sleep:1.5 recv recv close
	spawn b 20 "${NAP[@]}" "$PORT" sleep:1.5 recv recv close
	wait_for_text "$BATS_TEST_TMPDIR/a.out" OPEN
	wait_for_text "$BATS_TEST_TMPDIR/b.out" OPEN
	# A third client sends all the while (never idle for 1 s).
	spawn busy 20 sh -c "cat '$in' | '$WSCAT' -w 3 '$URL'"
	sleep 1.2
	server_send one two
	wait_for_status a 0 10
	wait_for_status b 0 10
	wait_for_status busy 0 20
	for c in a b; do
		run cat "$BATS_TEST_TMPDIR/$c.out"
		assert_output $'OPEN\ntext one\ntext two\nclose 1000'
	done
	# wscat got the broadcast too, and every one of its lines arrived.
	run cat "$BATS_TEST_TMPDIR/busy.out"
	assert_output $'one\ntwo'
	cmp "$SERVER_OUT" "$in"
}

@test "keepalive pings wake a sleeping connection and let it sleep again" {
	start_wsserve --ping-interval 0.5 --ping-timeout 1
	# python-websockets answers pings by itself.
	spawn c 20 "$PY" "$PEERS/py_client.py" -n 1 "$URL"
	wait_for_text "$BATS_TEST_TMPDIR/c.out" open
	sleep 3
	server_send still-here
	wait_for_status c 0 10
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_line 'text "still-here"'
	refute grep -q 'ping' "$SERVER_ERR"
}
