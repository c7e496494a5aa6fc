#!/usr/bin/env bats
# Hostile and broken peers: every bound and policy that keeps wsserve and
# wscat alive and lossless when a peer stops reading, never finishes, floods,
# goes silent or breaks the connection halfway (tests/peers/hostile.py).
# Memory is measured as VmRSS, CPU as utime + stime, both from /proc.

load helpers

HOSTILE=$PEERS/hostile.py
RSS_MAX_KIB=65536	# 64 MiB: the bound for a process holding back 20-50 MB

# now_ms: the wall clock in milliseconds.
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }

# ms_since T0: milliseconds since now_ms gave T0.
ms_since() { echo $(($(now_ms) - $1)); }

rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }
# read_bytes PID: what PID has read so far (rchar: stdin and sockets).
read_bytes() { sed -n 's/^rchar: //p' "/proc/$1/io"; }
# cpu_ms PID: user + system CPU time of PID.
cpu_ms() {
	local hz
	hz=$(getconf CLK_TCK)
	# Fields after the ")" that ends the command name: utime is the
	# 12th, stime the 13th.
	sed 's/.*) //' "/proc/$1/stat" |
		awk -v hz="$hz" '{ print int(($12 + $13) * 1000 / hz) }'
}

# Sanitizer builds (make asan) map far more memory than they use.
sanitized() { ldd "$1" 2>/dev/null | grep -q 'libasan'; }

# assert_rss_below PID KIB: VmRSS of PID is under KIB.
assert_rss_below() {
	local rss
	rss=$(rss_kib "$1")
	echo "# RSS of $1: $rss KiB" >&3
	if sanitized "$(readlink "/proc/$1/exe")"; then
		return 0
	fi
	[ "$rss" -lt "$2" ] || {
		echo "RSS of $1 is $rss KiB, over $2 KiB" >&2
		return 1
	}
}

# is_steady CMD...: CMD prints the same thing now and 0.3 s later.
is_steady() {
	local a b
	a=$("$@")
	sleep 0.3
	b=$("$@")
	[ "$a" = "$b" ]
}
# wait_for_stall SECONDS MIN CMD...: CMD prints a number; waits until it
# has reached MIN (the flow has started) and then stops changing.
at_least() {
	local min=$1
	shift
	[ "$("$@")" -ge "$min" ]
}
wait_for_stall() {
	local limit=$1 min=$2
	shift 2
	wait_until "$limit" at_least "$min" "$@" &&
		wait_until "$limit" is_steady "$@"
}

fd_count_is() { [ "$(fd_count "$1")" -eq "$2" ]; }

line_count() { wc -l <"$1"; }

# peer_of N: the address of the Nth client wsserve logged as connected.
peer_of() {
	sed -n 's/^wsserve: \(.*\) connected$/\1/p' "$SERVER_ERR" | sed -n "${1}p"
}

# gated_cat GOFILE: a reader (in a pipeline) that reads nothing until
# GOFILE exists; recorded for teardown.
gated_cat() {
	track_pid "$BASHPID"
	wait_until 30 test -e "$1" && exec cat
}

# start_idle_open: the first client, one that completes the handshake and
# then reads nothing and answers nothing (PEER_PID); IDLE is its address.
start_idle_open() {
	spawn idle 70 "$PY" "$PEERS/raw.py" idle-open "$PORT" 60 </dev/null
	PEER_PID=$SPAWN_PID
	wait_for_clients 1
	IDLE=$(peer_of 1)
}

# feed_server FILE: writes FILE to wsserve's stdin (fd 4) in the
# background, for 60 s at the most, and touches WRITER_DONE once all of it
# is in.
feed_server() {
	WRITER_DONE=$BATS_TEST_TMPDIR/writer.done
	( timeout 60 sh -c "$PID_TO" "$BATS_TEST_TMPDIR/writer.pid" cat "$1" >&4 &&
		touch "$WRITER_DONE" ) 3>&- 5>&- &
	track_pid $!
	pid_from "$BATS_TEST_TMPDIR/writer.pid" >/dev/null
}

# big_lines FILE N: N lines of 1008 bytes (numbered).
big_lines() {
	"$PY" -c '
import sys
w = sys.stdout.write
for i in range(int(sys.argv[1])):
    w("%07d %s\n" % (i, "x" * 1000))' "$2" >"$1"
}

# ---- --max-clients -------------------------------------------------------

@test "--max-clients 2: a third client gets 503 (wscat exits 5), a freed place is taken again" {
	start_wsserve --echo --max-clients 2
	start_idle_open
	spawn c1 20 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 2
	run_wscat 5 -x third "$URL"
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 503 Service Unavailable': 503 Service Unavailable: too many clients"
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 503'
	run grep -cE '^wsserve: 127\.0\.0\.1:[0-9]+ not upgraded: refused 503: too many clients$' "$SERVER_ERR"
	assert_output 1
	[ ! -s "$SERVER_OUT" ]	# "third" never got through
	# One leaves: its place is free for the next.
	kill "$PEER_PID"
	wait_for_clients 1
	run_wscat 0 -x fourth --count 1 "$URL"
	assert_output fourth
	assert_equal "$stderr" ''
	stop_wsserve
	wait_for_status c1 0
	run grep -c 'refused 503' "$SERVER_ERR"
	assert_output 1
}

# ---- slowloris -----------------------------------------------------------

@test "1000 handshakes that never finish do not delay a client and all end at --handshake-timeout" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 1200 ] ||
		skip "needs 1200 file descriptors, the hard limit is $hard"
	# --max-pending over 1000: none is dropped to make room, each stays
	# until its time is up.
	start_wsserve --echo --handshake-timeout 2 --max-pending 1100
	# Half send part of a request line, half send nothing at all.
	spawn partial 20 "$PY" "$HOSTILE" slowloris "$PORT" 500 8 </dev/null
	spawn silent 20 "$PY" "$HOSTILE" slowloris "$PORT" 500 8 --send '' \
		</dev/null
	wait_for_line "$BATS_TEST_TMPDIR/partial.out" 'OPEN 500'
	wait_for_line "$BATS_TEST_TMPDIR/silent.out" 'OPEN 500'
	# Served at once, long before the 1000 time out.
	local t0
	t0=$(now_ms)
	run_wscat --timeout 1.5 0 -x hi --count 1 "$URL"
	assert_output hi
	echo "# a client served in $(ms_since "$t0") ms beside 1000 idle handshakes" >&3
	for f in partial silent; do
		wait_for_status "$f" 0 10
		run cat "$BATS_TEST_TMPDIR/$f.out"
		assert_line --index 1 'EOF 500'
		# Each was dropped about 2 s after it opened, no sooner.
		read -r _ min max <<<"${lines[2]}"
		echo "# $f: EOF after $min to $max s" >&3
		awk -v a="$min" -v b="$max" 'BEGIN { exit !(a >= 1.9 && b <= 3.5) }'
	done
	run grep -cxE 'wsserve: 127\.0\.0\.1:[0-9]+ not upgraded: handshake timed out' "$SERVER_ERR"
	assert_output 1000
}

# ---- slow clients --------------------------------------------------------

# slow_client_setup [WSSERVE ARGS...]: wsserve, an idle client (IDLE) that
# reads nothing, a wscat -w -1 client (SPAWN_PID, output in c.out), 30 MB
# of lines in IN and their md5 in IN_MD5; a writer feeding IN to wsserve's
# stdin in the background, which touches writer.done when it is through.
slow_client_setup() {
	start_wsserve "$@"
	start_idle_open
	spawn c 60 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 2
	IN=$BATS_TEST_TMPDIR/in
	seq 1 4000000 >"$IN"
	IN_MD5=$(md5sum <"$IN")
	feed_server "$IN"
}

# assert_all_lines FILE: FILE is IN, line for line.
assert_all_lines() {
	wait_for_lines "$1" 4000000 20
	assert_equal "$(line_count "$1")" 4000000
	assert_equal "$(md5sum <"$1")" "$IN_MD5"
}

@test "a client that reads nothing pauses stdin, bounded in memory; nothing is lost once it goes" {
	slow_client_setup
	# The writer blocks: wsserve stops reading stdin, the client stalls.
	wait_for_stall 10 1 line_count "$BATS_TEST_TMPDIR/c.out"
	[ ! -e "$WRITER_DONE" ]
	[ "$(line_count "$BATS_TEST_TMPDIR/c.out")" -lt 4000000 ]
	assert_rss_below "$SERVER_PID" "$RSS_MAX_KIB"
	echo "# stalled at $(line_count "$BATS_TEST_TMPDIR/c.out") lines of 4000000" >&3
	# ... and stays stalled, still bounded.
	is_steady line_count "$BATS_TEST_TMPDIR/c.out"
	assert_rss_below "$SERVER_PID" "$RSS_MAX_KIB"
	kill "$PEER_PID"
	wait_for_text "$SERVER_ERR" "$IDLE disconnected ("
	wait_until 20 test -e "$WRITER_DONE"
	assert_all_lines "$BATS_TEST_TMPDIR/c.out"
	assert grep -qE "^wsserve: $IDLE: [0-9]+ queued messages? not delivered$" "$SERVER_ERR"
	stop_wsserve
	assert_equal "$SERVER_STATUS" 0
	wait_for_status c 0
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output ''
}

@test "--slow-client-timeout 1 closes a client that reads nothing with 1008; the others get every line" {
	slow_client_setup --slow-client-timeout 1
	wait_for_text "$SERVER_ERR" "$IDLE: slow client:" 5
	wait_until 20 test -e "$WRITER_DONE"
	assert_all_lines "$BATS_TEST_TMPDIR/c.out"
	assert_rss_below "$SERVER_PID" "$RSS_MAX_KIB"
	wait_for_text "$SERVER_ERR" "$IDLE disconnected ("
	run grep -F "$IDLE" "$SERVER_ERR"
	assert_line --index 0 "wsserve: $IDLE connected"
	assert_line --index 1 "wsserve: $IDLE: slow client: over 1024 KiB queued for 1 s, closing (1008)"
	assert_line --index 2 "wsserve: $IDLE disconnected (slow client)"
	assert_line --index 3 --regexp "^wsserve: $IDLE: [0-9]+ queued messages? not delivered$"
	assert_equal "${#lines[@]}" 4
	# Only the slow one was closed.
	assert_equal "$(open_clients)" 1
	stop_wsserve
	wait_for_status c 0
}

@test "--slow-client-timeout: stdin resumes as soon as the slow client is closed" {
	slow_client_setup --slow-client-timeout 1
	wait_for_stall 10 1 line_count "$BATS_TEST_TMPDIR/c.out"
	local stalled t0
	stalled=$(line_count "$BATS_TEST_TMPDIR/c.out")
	wait_for_text "$SERVER_ERR" "$IDLE: slow client:" 5
	t0=$(now_ms)
	wait_until 10 has_lines "$BATS_TEST_TMPDIR/c.out" $((stalled + 1))
	echo "# lines flowed again $(ms_since "$t0") ms after the 1008" >&3
	[ "$(ms_since "$t0")" -lt 1500 ]
}

# ---- a server that stops reading -----------------------------------------

@test "wscat toward a server that stops reading: stdin pauses, memory stays bounded, nothing is lost" {
	local in=$BATS_TEST_TMPDIR/in go=$BATS_TEST_TMPDIR/go size
	big_lines "$in" 50000	# 50 MB
	size=$(stat -c %s "$in")
	start_peer peer 90 "$PY" "$HOSTILE" server "$go"
	spawn w 60 "$WSCAT" "ws://127.0.0.1:$PEER_PORT/" <"$in"
	wait_for_stall 10 1000000 read_bytes "$SPAWN_PID"
	echo "# wscat read $(read_bytes "$SPAWN_PID") of $size bytes, then paused" >&3
	[ "$(read_bytes "$SPAWN_PID")" -lt $((size / 2)) ]
	assert_rss_below "$SPAWN_PID" "$RSS_MAX_KIB"
	kill -0 "$SPAWN_PID"
	[ ! -e "$BATS_TEST_TMPDIR/w.rc" ]
	touch "$go"
	wait_for_status w 0 30
	run cat "$BATS_TEST_TMPDIR/w.err"
	assert_output ''
	wait_for_text "$BATS_TEST_TMPDIR/peer.out" MD5 10
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_line 'MESSAGES 50000'
	assert_line "MD5 $(md5sum <"$in" | cut -d' ' -f1)"
}

@test "wscat counts in one line the messages a server closing on it never read" {
	local in=$BATS_TEST_TMPDIR/in go=$BATS_TEST_TMPDIR/go lost got
	big_lines "$in" 50000	# 50 MB
	# A server that reads nothing, then closes (1001) while wscat's queue
	# is full, and only then reads up to wscat's close reply.
	start_peer peer 90 "$PY" "$HOSTILE" server "$go" --close 1001
	spawn w 60 "$WSCAT" "ws://127.0.0.1:$PEER_PORT/" <"$in"
	wait_for_stall 10 1000000 read_bytes "$SPAWN_PID"
	touch "$go"
	# A clean close (1001), but input was lost: exit 1.
	wait_for_status w 1 30
	run cat "$BATS_TEST_TMPDIR/w.err"
	assert_output --regexp '^wscat: [0-9]+ messages? not delivered$'
	lost=$(sed -n 's/^wscat: \([0-9]*\) .*/\1/p' "$BATS_TEST_TMPDIR/w.err")
	wait_for_text "$BATS_TEST_TMPDIR/peer.out" MD5 10
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_line --index 1 'REPLY 1001'
	got=$(sed -n 's/^MESSAGES //p' "$BATS_TEST_TMPDIR/peer.out")
	echo "# the server read $got messages, wscat lost $lost" >&3
	[ "$lost" -gt 0 ] && [ $((got + lost)) -le 50000 ] ||
		fail "$got messages read and $lost lost, of 50000"
}

# ---- slow stdout ---------------------------------------------------------

@test "wscat | slow reader: wscat stops reading the network, bounded in memory; every line arrives in order" {
	local in=$BATS_TEST_TMPDIR/in go=$BATS_TEST_TMPDIR/go pid
	seq 1 2500000 >"$in"	# 19 MB
	start_wsserve
	( timeout 60 sh -c "$PID_TO" "$BATS_TEST_TMPDIR/w.pid" \
		"$WSCAT" -w -1 "$URL" </dev/null 2>"$BATS_TEST_TMPDIR/w.err" |
		gated_cat "$go" >"$BATS_TEST_TMPDIR/w.out"
	  echo "${PIPESTATUS[0]}" >"$BATS_TEST_TMPDIR/w.rc" ) 3>&- 4>&- &
	track_pid $!
	pid=$(pid_from "$BATS_TEST_TMPDIR/w.pid")
	wait_for_clients 1
	feed_server "$in"
	# wsserve's stdin stalls behind wscat, which stalls behind the reader.
	wait_for_stall 10 1000000 read_bytes "$SERVER_PID"
	[ ! -e "$WRITER_DONE" ]
	[ ! -s "$BATS_TEST_TMPDIR/w.out" ]
	assert_rss_below "$pid" "$RSS_MAX_KIB"
	touch "$go"
	wait_until 20 test -e "$WRITER_DONE"
	wait_for_lines "$BATS_TEST_TMPDIR/w.out" 2500000 20
	stop_wsserve
	wait_for_status w 0 10
	cmp "$BATS_TEST_TMPDIR/w.out" "$in"
	run cat "$BATS_TEST_TMPDIR/w.err"
	assert_output ''
}

@test "wsserve | slow reader: wsserve stops reading clients, bounded in memory; every line arrives in order" {
	local in=$BATS_TEST_TMPDIR/in go=$BATS_TEST_TMPDIR/go
	seq 1 2500000 >"$in"	# 19 MB
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	( timeout 60 sh -c "$PID_TO" "$BATS_TEST_TMPDIR/s.pid" \
		"$WSSERVE" -p 0 </dev/null 2>"$SERVER_ERR" |
		gated_cat "$go" >"$BATS_TEST_TMPDIR/s.out"
	  echo "${PIPESTATUS[0]}" >"$BATS_TEST_TMPDIR/s.rc" ) 3>&- 4>&- &
	track_pid $!
	SERVER_PID=$(pid_from "$BATS_TEST_TMPDIR/s.pid")
	wait_for_text "$SERVER_ERR" "listening on ws://"
	PORT=$(sed -n 's|.*listening on ws://.*:\([0-9]*\)/$|\1|p' "$SERVER_ERR")
	spawn c 60 "$WSCAT" "ws://127.0.0.1:$PORT/" <"$in"
	local client=$SPAWN_PID
	wait_for_stall 10 1000000 read_bytes "$client"
	[ "$(read_bytes "$client")" -lt $(($(stat -c %s "$in") / 2)) ]
	[ ! -s "$BATS_TEST_TMPDIR/s.out" ]
	[ ! -e "$BATS_TEST_TMPDIR/c.rc" ]
	assert_rss_below "$SERVER_PID" "$RSS_MAX_KIB"
	touch "$go"
	wait_for_status c 0 20
	wait_for_lines "$BATS_TEST_TMPDIR/s.out" 2500000 20
	kill -TERM "$SERVER_PID"
	wait_for_line "$BATS_TEST_TMPDIR/s.rc" 0
	SERVER_PID=
	cmp "$BATS_TEST_TMPDIR/s.out" "$in"
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output ''
	assert grep -qE 'disconnected \(1000\)$' "$SERVER_ERR"
}

# ---- keepalive -----------------------------------------------------------

@test "wsserve --ping-interval drops a client that never answers a ping, keeps one that does" {
	start_wsserve --ping-interval 0.5 --ping-timeout 0.5
	local t0 took
	t0=$(now_ms)
	start_idle_open
	spawn c 20 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_clients 2
	wait_for_text "$SERVER_ERR" "$IDLE disconnected" 3
	took=$(ms_since "$t0")
	echo "# the silent client was dropped after $took ms" >&3
	[ "$took" -ge 900 ] && [ "$took" -le 2500 ]
	assert grep -qxF "wsserve: $IDLE disconnected (no answer to a ping within 0.5 s)" "$SERVER_ERR"
	# wscat answers the pings: still there several intervals later.
	sleep 1.5
	[ "$(open_clients)" -eq 1 ]
	[ ! -e "$BATS_TEST_TMPDIR/c.rc" ]
	stop_wsserve
	wait_for_status c 0
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output ''
	run grep -c 'no answer to a ping' "$SERVER_ERR"
	assert_output 1
}

@test "wscat --ping-interval exits 6 when the server stops answering, stays while it answers" {
	local t0 took
	start_peer peer 70 "$PY" "$HOSTILE" server "$BATS_TEST_TMPDIR/never"
	t0=$(now_ms)
	run_wscat 6 --ping-interval 0.5 --ping-timeout 0.5 -w -1 \
		"ws://127.0.0.1:$PEER_PORT/" </dev/null
	took=$(ms_since "$t0")
	assert_stderr_is 'wscat: no answer to a ping within 0.5 s'
	echo "# wscat gave up after $took ms" >&3
	[ "$took" -ge 900 ] && [ "$took" -le 3000 ]
	# wsserve answers pings.
	start_wsserve
	spawn c 20 "$WSCAT" --ping-interval 0.5 --ping-timeout 0.5 -w -1 \
		"$URL" </dev/null
	wait_for_clients 1
	sleep 2.5
	[ ! -e "$BATS_TEST_TMPDIR/c.rc" ]
	[ "$(open_clients)" -eq 1 ]
	stop_wsserve
	wait_for_status c 0
	run cat "$BATS_TEST_TMPDIR/c.err"
	assert_output ''
}

# ---- file descriptors ----------------------------------------------------

# with_fd_limit SOFT|HARD N: WSSERVE becomes a wrapper that runs wsserve
# with that limit on open files (ulimit -S or -H and -S).
with_fd_limit() {
	local wrapper=$BATS_TEST_TMPDIR/wsserve-limited opt
	[ "$1" = SOFT ] && opt=-Sn || opt=-n
	printf '#!/bin/sh\nulimit %s %s || exit 99\nexec "%s" "$@"\n' \
		"$opt" "$2" "$WSSERVE" >"$wrapper"
	chmod +x "$wrapper"
	WSSERVE=$wrapper
}

@test "out of file descriptors, wsserve closes new connections unserved without spinning, then serves again" {
	with_fd_limit HARD 64
	start_wsserve --echo
	local base cpu0 cpu
	base=$(fd_count "$SERVER_PID")
	cpu0=$(cpu_ms "$SERVER_PID")
	run -0 timeout 20 "$PY" "$HOSTILE" flood "$PORT" 200 3
	cpu=$(($(cpu_ms "$SERVER_PID") - cpu0))
	echo "# flood: $(paste -sd ' ' <<<"$output")" >&3
	echo "# wsserve used $cpu ms of CPU in 3 s at the fd limit" >&3
	[ "$cpu" -lt 500 ]
	# The ones it could not take were closed at once, not left pending.
	local closed
	closed=$(sed -n 's/^CLOSED //p' <<<"$output")
	[ "$closed" -ge 100 ]
	assert grep -qE '^wsserve: out of file descriptors: [0-9]+ connections? closed unserved$' "$SERVER_ERR"
	# At most one such line a second.
	[ "$(grep -c 'out of file descriptors' "$SERVER_ERR")" -le 4 ]
	# The rest were held in their handshake and end with the flood.
	wait_until 5 fd_count_is "$SERVER_PID" "$base"
	run_wscat --timeout 5 0 -x served --count 1 "$URL"
	assert_output served
	run grep -c 'not upgraded: connection closed during the handshake$' "$SERVER_ERR"
	[ "$output" -eq $((200 - closed)) ]
}

@test "the log accounts for every connection closed unserved" {
	with_fd_limit HARD 64
	start_wsserve
	run -0 timeout 20 "$PY" "$HOSTILE" flood "$PORT" 200 2.5
	local closed logged
	closed=$(sed -n 's/^CLOSED //p' <<<"$output")
	logged=$(sed -n 's/.*out of file descriptors: \([0-9]*\) .*/\1/p' \
		"$SERVER_ERR" | paste -sd + | bc)
	assert_equal "$logged" "$closed"
}

@test "wsserve raises its soft limit on open files to the hard limit" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 300 ] ||
		skip "the hard limit, $hard, is too low"
	with_fd_limit SOFT 64
	# --max-pending over 200: the flood below is all kept.
	start_wsserve --max-pending 300
	run grep '^Max open files' "/proc/$SERVER_PID/limits"
	read -r _ _ _ soft hardnow _ <<<"$output"
	assert_equal "$soft" "$hardnow"
	run -0 timeout 20 "$PY" "$HOSTILE" flood "$PORT" 200 1
	assert_line 'CLOSED 0'
	refute grep -q 'out of file descriptors' "$SERVER_ERR"
}

# ---- broken connections --------------------------------------------------

@test "peers that drop TCP mid-frame, mid-handshake and mid-close leave one log line each and no fd behind" {
	start_wsserve --echo
	local base kind i
	base=$(fd_count "$SERVER_PID")
	for kind in mid-frame mid-handshake mid-close; do
		for i in 1 2 3; do
			run -0 timeout 5 "$PY" "$HOSTILE" drop "$PORT" "$kind"
		done
	done
	wait_until 5 fd_count_is "$SERVER_PID" "$base"
	run grep -vE '^wsserve: (listening on|127\.0\.0\.1:[0-9]+ connected$)' "$SERVER_ERR"
	assert_equal "${#lines[@]}" 9
	run grep -cE '^wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(connection lost without a close frame\)$' "$SERVER_ERR"
	assert_output 3
	run grep -cE '^wsserve: 127\.0\.0\.1:[0-9]+ not upgraded: connection closed during the handshake$' "$SERVER_ERR"
	assert_output 3
	run grep -cE '^wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(1000\)$' "$SERVER_ERR"
	assert_output 3
	run_wscat --timeout 5 0 -x still --count 1 "$URL"
	assert_output still
	wait_until 5 fd_count_is "$SERVER_PID" "$base"
}

# ---- close codes 1012-1014 -----------------------------------------------

@test "wsserve accepts close codes 1012-1014, answers 1000 (not 1002) and logs the code" {
	start_wsserve --echo
	local code
	for code in 1012 1013 1014; do
		run -0 timeout 10 "$PY" "$HOSTILE" close "$PORT" "$code"
		assert_output $'FRAME 8 1000\nEOF'
	done
	run -0 timeout 10 "$PY" "$HOSTILE" close "$PORT" 1013 'try again'
	assert_output $'FRAME 8 1000\nEOF'
	wait_for_text "$SERVER_ERR" 'disconnected (1013 "try again")'
	run sed -n 's/^wsserve: 127\.0\.0\.1:[0-9]* disconnected //p' "$SERVER_ERR"
	assert_output $'(1012)\n(1013)\n(1014)\n(1013 "try again")'
}

@test "wscat accepts close codes 1012-1014 from a server, answers 1000 and exits 7 naming the code" {
	local code
	for code in 1012 1014; do
		start_peer peer 30 "$PY" "$HOSTILE" close-server "$code" restart
		run_wscat 7 -w -1 "ws://127.0.0.1:$PEER_PORT/" </dev/null
		assert_stderr_is "wscat: server closed the connection: $code \"restart\""
		wait_for_status peer 0
		run sed 1d "$BATS_TEST_TMPDIR/peer.out"
		assert_output $'FRAME 8 1000\nEOF'
	done
	# The same from python3-websockets, after a message.
	start_peer py 30 "$PY" "$PEERS/py_server.py" send-then-close 1013 \
		'try later' m1
	run_wscat 7 -w -1 "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_output m1
	assert_stderr_is 'wscat: server closed the connection: 1013 "try later"'
}

# ---- closing bounds ------------------------------------------------------

@test "wsserve -E gives a client 5 s to answer its close, then drops it and exits 0" {
	start_wsserve -E
	start_idle_open
	local t0 took
	t0=$(now_ms)
	server_eof
	wait_for_text "$SERVER_ERR" "$IDLE disconnected" 8
	took=$(ms_since "$t0")
	echo "# dropped after $took ms" >&3
	[ "$took" -ge 4500 ] && [ "$took" -le 6500 ]
	assert grep -qxF "wsserve: $IDLE disconnected (no close reply within 5 s)" "$SERVER_ERR"
	wait_until 2 has_exited "$SERVER_PID"
	reap_wsserve
	assert_equal "$SERVER_STATUS" 0
}

@test "after the close handshake wsserve waits at most 2 s for the client's end of TCP" {
	start_wsserve
	local base t0 took
	base=$(fd_count "$SERVER_PID")
	spawn peer 20 "$PY" "$HOSTILE" linger "$PORT" 6 </dev/null
	wait_for_line "$BATS_TEST_TMPDIR/peer.out" 'REPLY 1000'
	t0=$(now_ms)
	wait_for_text "$SERVER_ERR" 'disconnected (1000)' 5
	took=$(ms_since "$t0")
	echo "# let go after $took ms" >&3
	[ "$took" -ge 1500 ] && [ "$took" -le 3500 ]
	# Its fd is closed while the peer still holds its end open.
	[ "$(fd_count "$SERVER_PID")" -eq "$base" ]
	refute grep -q CLOSED "$BATS_TEST_TMPDIR/peer.out"
}

@test "on SIGTERM wsserve waits at most 5 s for a client that reads nothing, then exits 0" {
	start_wsserve
	start_idle_open
	seq 1 4000000 >"$BATS_TEST_TMPDIR/in"
	feed_server "$BATS_TEST_TMPDIR/in"
	# The close cannot even be queued behind what the client has not read.
	wait_for_stall 10 1000000 read_bytes "$SERVER_PID"
	local t0 took
	t0=$(now_ms)
	kill -TERM "$SERVER_PID"
	wait_until 8 has_exited "$SERVER_PID"
	took=$(ms_since "$t0")
	echo "# exited $took ms after SIGTERM" >&3
	[ "$took" -ge 4500 ] && [ "$took" -le 6500 ]
	reap_wsserve
	assert_equal "$SERVER_STATUS" 0
	assert grep -qxF 'wsserve: clients did not finish closing within 5 s' "$SERVER_ERR"
	assert grep -qE "^wsserve: $IDLE: [0-9]+ queued messages? not delivered$" "$SERVER_ERR"
}
