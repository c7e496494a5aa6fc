#!/usr/bin/env bats
# Floods from peers that send as fast as they like and never read (issue
# 10): every queue has a byte bound, control frames included, fragments
# cost no more than their message, our own stall is not the peer's
# silence, a client that stops reading cannot stall the others for longer
# than --slow-client-timeout, idle sockets cannot lock out real clients,
# and partial messages of all clients together stay under --max-memory.
# Memory is VmRSS from /proc, sampled while the flood runs; each ceiling is
# far below what the unbounded version reached (stated per test).

load helpers

FLOOD=("$PY" "$PEERS/flood.py")

rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"; }

# peak_rss_while PID WATCHED_PID: the largest VmRSS of PID (KiB), sampled
# every 50 ms while WATCHED_PID runs (at most 60 s).
peak_rss_while() {
	local peak=0 r i=0
	while kill -0 "$2" 2>/dev/null && [ $i -lt 1200 ]; do
		r=$(rss_kib "$1")
		[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
		sleep 0.05
		i=$((i + 1))
	done
	echo "$peak"
}

# io_stopped PID MIN: PID has read at least MIN bytes, and neither read
# nor written anything in the last 0.3 s (it is holding back).
io_chars() { sed -n 's/^[rw]char: //p' "/proc/$1/io" | tr '\n' ' '; }
io_stopped() {
	local a b
	a=$(io_chars "$1")
	sleep 0.3
	b=$(io_chars "$1")
	[ "${a%% *}" -ge "$2" ] && [ "$a" = "$b" ]
}

# assert_below WHAT VALUE LIMIT.  Under AddressSanitizer (make asan sets
# ASAN_OPTIONS) RSS measures its shadow memory and quarantine, not ours:
# there the figure is shown and the behaviour checked, not the ceiling.
assert_below() {
	echo "# $1: $2 KiB (limit $3 KiB)" >&3
	[ "$2" -gt 0 ] || fail "$1: no RSS sampled"
	[ -n "${ASAN_OPTIONS:-}" ] || [ "$2" -lt "$3" ] ||
		fail "$1 is $2 KiB, over the limit of $3 KiB"
}

@test "a client that floods pings and never reads keeps wsserve under 40 MiB; pongs are not counted as messages" {
	# Unbounded, 5 s of empty pings took wsserve to 1.26 GB.
	start_wsserve
	for size in 0 125; do
		spawn flood$size 30 "${FLOOD[@]}" ping-client "$PORT" 5 $size </dev/null
		peak=$(peak_rss_while "$SERVER_PID" "$SPAWN_PID")
		wait_for_status flood$size 0 20
		assert_below "wsserve with $size-byte pings" "$peak" 40960
	done
	wait_for_clients 0 10
	run_wscat 0 "$URL" <<<served
	wait_for_line "$SERVER_OUT" served
	run grep -c 'not delivered' "$SERVER_ERR"
	assert_output 0
}

@test "a server that floods wscat with pings and never reads keeps wscat under 40 MiB" {
	# Unbounded, the same flood took wscat to 1.28 GB.
	start_peer pinger 30 "${FLOOD[@]}" ping-server 5 125
	spawn wscat 30 "$WSCAT" -w 8 "ws://127.0.0.1:$PEER_PORT/" </dev/null
	peak=$(peak_rss_while "$SPAWN_PID" "$PEER_PID")
	assert_below "wscat under a ping flood" "$peak" 40960
}

@test "a message in 1,000,000 one-byte fragments arrives whole at wsserve, which stays under 30 MiB" {
	# Unbounded (wslay's buffered mode), 95 times the message size.
	start_wsserve
	spawn frag 60 "${FLOOD[@]}" frag-client "$PORT" 1000000 </dev/null
	peak=$(peak_rss_while "$SERVER_PID" "$SPAWN_PID")
	wait_for_status frag 0 30
	wait_for_lines "$SERVER_OUT" 1
	run awk '{ print length($0) }' "$SERVER_OUT"
	assert_output 1000000
	run grep -c '[^x]' "$SERVER_OUT"
	assert_output 0
	assert_below "wsserve assembling 1,000,000 fragments" "$peak" 30720
}

@test "a message in 1,000,000 one-byte fragments arrives whole at wscat, which stays under 30 MiB" {
	start_peer frag 60 "${FLOOD[@]}" frag-server 1000000
	spawn wscat 60 "$WSCAT" -w -1 "ws://127.0.0.1:$PEER_PORT/" </dev/null
	wscat_pid=$SPAWN_PID
	peak=$(peak_rss_while "$wscat_pid" "$wscat_pid")
	wait_for_status wscat 0 30
	run awk '{ print length($0) }' "$BATS_TEST_TMPDIR/wscat.out"
	assert_output 1000000
	assert_below "wscat assembling 1,000,000 fragments" "$peak" 30720
}

@test "a message over --max-memory is refused with 1009 even under --max-message" {
	start_wsserve --max-memory 1M --max-message 4M
	head -c 2097152 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	run_wscat 7 "$URL" <"$BATS_TEST_TMPDIR/big"
	assert_stderr_line 'wscat: server closed the connection: 1009'
	wait_for_text "$SERVER_ERR" '1009 sent: message too big'
}

@test "healthy clients survive a 10 s stall of wsserve's stdout with --ping-interval 1 --ping-timeout 2" {
	# Before, reading paused for the slow stdout, the pongs went unread
	# and four responsive clients were dropped.
	mkfifo "$BATS_TEST_TMPDIR/out.fifo" "$BATS_TEST_TMPDIR/in.fifo"
	# The reader opens the FIFO at once but reads only after 10 s.
	spawn reader 60 sh -c 'exec 3<"$0"; sleep 10; cat <&3' \
		"$BATS_TEST_TMPDIR/out.fifo" </dev/null
	"$WSSERVE" -p 0 --ping-interval 1 --ping-timeout 2 \
		<"$BATS_TEST_TMPDIR/in.fifo" >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/server.err" 3>&- 4>&- 5>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	exec 4>"$BATS_TEST_TMPDIR/in.fifo"
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	wait_for_text "$SERVER_ERR" 'listening on ws'
	PORT=$(sed -n 's|.*listening on ws://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	seq -f 'a%09g' 1 200000 >"$BATS_TEST_TMPDIR/a"
	seq -f 'b%09g' 1 200000 >"$BATS_TEST_TMPDIR/b"
	spawn a 60 "$WSCAT" -w 14 "ws://127.0.0.1:$PORT/" <"$BATS_TEST_TMPDIR/a"
	spawn b 60 "$WSCAT" -w 14 "ws://127.0.0.1:$PORT/" <"$BATS_TEST_TMPDIR/b"
	# Once stdout is stalled, a new client still gets its handshake.
	wait_until 8 io_stopped "$SERVER_PID" 1000000
	spawn c 60 "$WSCAT" -w 10 "ws://127.0.0.1:$PORT/" <<<late
	wait_for_clients 3 3
	# ... while nothing has been read from stdout yet.
	[ ! -s "$BATS_TEST_TMPDIR/reader.out" ]
	wait_for_status a 0 40
	wait_for_status b 0 40
	wait_for_status c 0 40
	wait_for_lines "$BATS_TEST_TMPDIR/reader.out" 400001 20
	run grep -c 'no answer to a ping' "$SERVER_ERR"
	assert_output 0
	run grep -c 'disconnected (1000)' "$SERVER_ERR"
	assert_output 3
	run wc -l <"$BATS_TEST_TMPDIR/reader.out"
	assert_output 400001
}

@test "wscat --ping-interval 1 --ping-timeout 2 survives a 10 s stall of its stdout and prints every line" {
	# Before, it exited 6 with 1,114 of 30,000 lines.
	start_wsserve
	spawn reader 60 sh -c '"$0" --ping-interval 1 --ping-timeout 2 -w -1 "$1" |
		{ sleep 10; cat; }' "$WSCAT" "$URL" </dev/null
	wait_for_clients 1
	seq -f '%0100g' 1 30000 >&4
	wait_for_lines "$BATS_TEST_TMPDIR/reader.out" 30000 30
	server_eof
	stop_wsserve
	run cmp "$BATS_TEST_TMPDIR/reader.out" <(seq -f '%0100g' 1 30000)
	assert_success
	run grep -c 'no answer to a ping' "$SERVER_ERR" "$BATS_TEST_TMPDIR/reader.err"
	refute_output --partial ':1'
}

@test "by default a client that stops reading is closed with 1008 after 30 s while another gets every line" {
	start_wsserve
	spawn stuck 90 "${FLOOD[@]}" stuck "$PORT" 80 </dev/null
	wait_for_line "$BATS_TEST_TMPDIR/stuck.out" stuck
	spawn good 90 "$WSCAT" -w 50 "$URL" </dev/null
	wait_for_clients 2
	# 5 MB: far past what the stuck client's socket and queue hold.
	seq -f '%0100g' 1 50000 >&4 &
	track_pid $!
	wait_for_text "$SERVER_ERR" 'slow client: over 1024 KiB queued for 30 s, closing (1008)' 45
	wait_for_lines "$BATS_TEST_TMPDIR/good.out" 50000 20
	run cmp "$BATS_TEST_TMPDIR/good.out" <(seq -f '%0100g' 1 50000)
	assert_success
}

@test "five sockets that never send a byte do not lock a real client out under --max-clients 5" {
	start_wsserve --max-clients 5
	spawn idle 30 "${FLOOD[@]}" idle "$PORT" 5 20 </dev/null
	wait_for_line "$BATS_TEST_TMPDIR/idle.out" 'idle 5'
	run_wscat 0 "$URL" <<<real
	wait_for_line "$SERVER_OUT" real
}

@test "--max-pending 3: the oldest handshakes give way to new connections" {
	start_wsserve --max-pending 3
	spawn idle 30 "${FLOOD[@]}" idle "$PORT" 5 20 </dev/null
	wait_for_line "$BATS_TEST_TMPDIR/idle.out" 'idle 5'
	wait_until 5 grep -q 'not upgraded: dropped before it opened' "$SERVER_ERR"
	run_wscat 0 "$URL" <<<real
	wait_for_line "$SERVER_OUT" real
	# 5 idle sockets and wscat: 3 of them were dropped, oldest first.
	run grep -c 'not upgraded: dropped before it opened' "$SERVER_ERR"
	assert_output 3
}

@test "20 clients holding 16 MiB partial messages keep wsserve under --max-memory 64M plus one message; small messages still flow" {
	# Unbounded, 20 such clients kept 334 MB resident.
	start_wsserve --max-memory 64M
	spawn partial 60 "${FLOOD[@]}" partial "$PORT" 20 16777216 8 </dev/null
	partial_pid=$SPAWN_PID
	wait_for_clients 20 10
	run_wscat 0 "$URL" <<<small
	wait_for_line "$SERVER_OUT" small
	peak=$(peak_rss_while "$SERVER_PID" "$partial_pid")
	wait_for_status partial 0 30
	assert_below "wsserve holding 20 partial messages" "$peak" $(((64 + 16 + 8) * 1024))
}

# hwm_kib PID: the peak RSS of PID so far (VmHWM only grows).
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status" 2>/dev/null; }

@test "a 16 MiB message from a client goes to wsserve's stdout without a second copy: its peak stays under 1.5 times the size" {
	# Copied into the stdout writer, it needed 32 MiB and more at the
	# peak; now the stdout writer holds the message by reference.
	local size=$((16 * 1024 * 1024))
	start_wsserve --max-message 20M
	"$PY" -c '
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], max_size=None) as ws:
        await ws.send("m" * int(sys.argv[2]))
asyncio.run(main())' "$URL" "$size"
	wait_until 10 test "$(stat -c %s "$SERVER_OUT")" -eq $((size + 1))
	[ "$(tr -d m <"$SERVER_OUT")" = "" ]
	assert_below "wsserve's peak with a 16 MiB message" "$(hwm_kib "$SERVER_PID")" $((size * 3 / 2 / 1024))
}

@test "a 16 MiB message from wsserve goes to wscat's stdout without a second copy: its peak stays under 1.5 times the size" {
	local in=$BATS_TEST_TMPDIR/big.in hold=$BATS_TEST_TMPDIR/hold size=$((16 * 1024 * 1024)) hwm=0 h
	head -c "$size" /dev/zero | tr '\0' 'm' >"$in"
	echo >>"$in"
	start_wsserve --max-message 20M
	mkfifo "$hold"
	exec 6<>"$hold" # wscat's stdin stays open, and idle
	spawn client 60 "$WSCAT" --max-message 20M -1 "$URL" <"$hold"
	wait_for_clients 1 10
	cat "$in" >&4
	while h=$(hwm_kib "$SPAWN_PID") && [ -n "$h" ]; do
		hwm=$h
		sleep 0.02
	done
	exec 6>&-
	wait_for_status client 0 30
	cmp "$in" "$BATS_TEST_TMPDIR/client.out"
	assert_below "wscat's peak with a 16 MiB message" "$hwm" $((size * 3 / 2 / 1024))
}
