#!/usr/bin/env bats
# wscat --reconnect: after a connection that was open is lost, or closed by
# the server with another code than 1000, wscat tries again with a random
# backoff (one stderr line per attempt) and says when it is back; stdin
# waits meanwhile and -x messages go out again.  Nothing reconnects after a
# close wscat asked for, after a 1000 from the server, or when the first
# connection fails.  --reconnect-max ends it with the last failure's status.
# The servers are wsserve, stopped and started again on the same port, and
# a python3-websockets peer that fails in a chosen way after its first
# client (SEQ_PEER below).  Delays are small (--reconnect-delay 0.05:0.4)
# and only their printed values are checked, never how long anything took.

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers

# open_input: a FIFO ($CIN) for wscat's stdin, held open for writing on fd 5.
# spawn and start_wsserve close fd 5 in what they start, so no server keeps
# it open: when the test closes fd 5 (close_input), wscat sees EOF.
open_input() {
	CIN=$BATS_TEST_TMPDIR/cin
	mkfifo "$CIN"
	exec 5<>"$CIN"
}
send_input() { printf '%s\n' "$@" >&5; }
close_input() { exec 5>&-; }

# restart_wsserve: a new wsserve (no options) on the port of the last one,
# stopped before.  The last one's stdout is kept in
# $BATS_TEST_TMPDIR/server.out.N, N = 1, 2, ... (start_wsserve empties
# server.out).
# shellcheck disable=SC2153 # PORT: set by start_wsserve
restart_wsserve() {
	local port=$PORT n=1
	while [ -e "$SERVER_OUT.$n" ]; do n=$((n + 1)); done
	cp "$SERVER_OUT" "$SERVER_OUT.$n"
	start_wsserve -p "$port" || return
	[ "$PORT" = "$port" ] || fail "wsserve listens on $PORT, not $port"
}

# ATTEMPT: the form of an attempt line, after its reason.
ATTEMPT='; reconnecting in [0-9]+\.[0-9]{2} s \(attempt [0-9]+( of [0-9]+)?\)$'

# attempts FILE: the attempt lines of FILE.
attempts() { grep -E -- "$ATTEMPT" "$1" || true; }
count_attempts() { attempts "$1" | wc -l; }
has_attempts() { [ "$(count_attempts "$1")" -ge "$2" ]; }

# check_backoff FILE MIN MAX: the stderr lines of wscat in FILE are attempt
# lines and "reconnected to" lines, but the last one when wscat has given
# up; the attempts are numbered 1, 2, 3... from the start and again after
# each "reconnected to"; and the delay of attempt n is at most
# min(MAX, MIN * 2^(n-1)) (as printed, rounded to 0.01).  Prints the
# number of attempt lines.
check_backoff() {
	awk -v min="$2" -v max="$3" '
	/^wscat: reconnected to / { k = 0; next }
	/; reconnecting in [0-9.]+ s \(attempt [0-9]+/ {
		s = $0
		sub(/.*; reconnecting in /, "", s)
		split(s, f, /[ ()]+/)	# delay, "s", "attempt", n ...
		d = f[1] + 0; n = f[4] + 0; k++; total++
		if (n != k) {
			print "attempt " n " where " k " was due: " $0
			bad = 1
		}
		b = min * 2 ^ (n - 1)
		if (b > max) b = max
		if (d > b + 0.005) {
			print "delay " d " over the bound " b ": " $0
			bad = 1
		}
		next
	}
	{ other = other $0 "\n"; nother++ }
	END {
		if (nother > 1 || (nother == 1 && !final)) {
			printf "other lines:\n%s", other
			bad = 1
		}
		if (bad) exit 1
		print total
	}' final="${4:-1}" "$1"
}

# SEQ_PEER: python3-websockets on a free port (prints "PORT n").  Its
# first client gets the handshake, then FIRST: a close with that code, or
# "drop" (the TCP connection cut, no close frame).  Every later request
# gets THEN: an HTTP status and an empty body, or "mute" (no answer at
# all).  Each request is logged as "REQUEST n".
#   "$PY" -c "$SEQ_PEER" FIRST THEN
SEQ_PEER='
import asyncio, http, sys, websockets
first, then = sys.argv[1], sys.argv[2]
n = 0
async def process_request(path, headers):
    global n
    n += 1
    print("REQUEST", n, flush=True)
    if n == 1:
        return None
    if then == "mute":
        await asyncio.sleep(60)
    return (http.HTTPStatus(int(then)), [], b"")
async def handler(ws, path=None):
    if first == "drop":
        ws.transport.abort()
    else:
        await ws.close(int(first))
async def main():
    async with websockets.serve(handler, "127.0.0.1", 0,
                                process_request=process_request) as srv:
        print("PORT", srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
'

@test "--reconnect: wscat comes back to a restarted wsserve, and lines written while it was down arrive there once, in order" {
	start_wsserve
	local url=$URL err=$BATS_TEST_TMPDIR/c.err
	open_input
	spawn c 30 "$WSCAT" --reconnect --reconnect-delay 0.05:0.4 "$url" <"$CIN"
	send_input before
	wait_for_line "$SERVER_OUT" before
	stop_wsserve TERM
	wait_for_text "$err" 'wscat: server closed the connection: 1001; reconnecting in '
	# Written while nothing listens; wscat is retrying meanwhile.
	send_input 'queued 1' 'queued 2'
	seq 1 200 >&5
	wait_until 10 grep -qF 'wscat: cannot connect: Connection refused; reconnecting in ' "$err"
	restart_wsserve
	wait_for_line "$err" "wscat: reconnected to $url" 10
	send_input after
	wait_for_line "$SERVER_OUT" after
	close_input
	wait_for_status c 0
	# The old server got only what came before; the new one all the rest,
	# each line once.
	run cat "$SERVER_OUT.1"
	assert_output before
	run cat "$SERVER_OUT"
	assert_output "$(printf '%s\n' 'queued 1' 'queued 2'; seq 1 200; echo after)"
	# One line per attempt, 1, 2, 3..., the first saying why.
	run attempts "$err"
	assert_line --index 0 --regexp "^wscat: server closed the connection: 1001$ATTEMPT"
	assert_line --index 1 --regexp "^wscat: cannot connect: Connection refused$ATTEMPT"
	run check_backoff "$err" 0.05 0.4 0
	assert_success
	run grep -c 'reconnected to' "$err"
	assert_output 1
	assert_equal "$(tail -n 1 "$err")" "wscat: reconnected to $url"
	run grep -c ' connected$' "$SERVER_ERR"
	assert_output 1
}

@test "--reconnect: -x messages go out again on each new connection, and each loss counts attempts from 1 again" {
	start_wsserve
	local url=$URL err=$BATS_TEST_TMPDIR/c.err
	spawn c 30 "$WSCAT" --reconnect --reconnect-delay 0.05:0.2 -w -1 \
		-x hello -x again "$url" </dev/null
	wait_for_lines "$SERVER_OUT" 2
	# A 1001 (SIGTERM) the first time, no close frame (SIGKILL) the second.
	stop_wsserve TERM
	wait_until 10 has_attempts "$err" 2
	restart_wsserve
	wait_for_lines "$SERVER_OUT" 2
	wait_for_line "$err" "wscat: reconnected to $url"
	local first
	first=$(count_attempts "$err")
	stop_wsserve KILL
	wait_until 10 has_attempts "$err" $((first + 2))
	restart_wsserve
	wait_for_lines "$SERVER_OUT" 2
	wait_until 5 test "$(grep -c 'reconnected to' "$err")" -eq 2
	kill -TERM "$SPAWN_PID"
	wait_for_status c 143
	for f in "$SERVER_OUT.1" "$SERVER_OUT.2" "$SERVER_OUT"; do
		run cat "$f"
		assert_output $'hello\nagain'
	done
	run attempts "$err"
	assert_line --index 0 --regexp "^wscat: server closed the connection: 1001$ATTEMPT"
	assert_line --index "$first" --regexp "^wscat: connection lost without a close frame; reconnecting in [0-9.]+ s \(attempt 1\)$"
	run check_backoff "$err" 0.05 0.2 0
	assert_success
	assert_output "$(count_attempts "$err")"
	assert_equal "$(tail -n 1 "$err")" "wscat: reconnected to $url"
}

@test "--reconnect-max 2: with the server gone for good, exit 3 after exactly 2 attempts" {
	start_wsserve
	local url=$URL err=$BATS_TEST_TMPDIR/c.err
	spawn c 20 "$WSCAT" --reconnect --reconnect-max 2 \
		--reconnect-delay 0.05:0.4 -w -1 "$url" </dev/null
	wait_for_clients 1
	stop_wsserve TERM
	wait_for_status c 3 10
	run cat "$err"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp "^wscat: server closed the connection: 1001; reconnecting in [0-9.]+ s \(attempt 1 of 2\)$"
	assert_line --index 1 --regexp "^wscat: cannot connect: Connection refused; reconnecting in [0-9.]+ s \(attempt 2 of 2\)$"
	assert_line --index 2 "wscat: cannot connect to $url: Connection refused"
}

@test "--reconnect: the backoff's attempts are numbered 1, 2, 3... and each delay is within its bound" {
	start_wsserve
	local url=$URL err=$BATS_TEST_TMPDIR/c.err
	spawn c 20 "$WSCAT" --reconnect --reconnect-max 7 \
		--reconnect-delay 0.05:0.4 -w -1 "$url" </dev/null
	wait_for_clients 1
	stop_wsserve TERM
	wait_for_status c 3 15
	# Bounds 0.05, 0.1, 0.2, 0.4, 0.4...; the last line says why it ended.
	run check_backoff "$err" 0.05 0.4
	assert_success
	assert_output 7
	run grep -c ' (attempt [0-9] of 7)$' "$err"
	assert_output 7
	assert_equal "$(tail -n 1 "$err")" "wscat: cannot connect to $url: Connection refused"
}

@test "--reconnect: a close with another code than 1000 reconnects, a close with 1000 ends it with 0" {
	start_wsserve --jsonl
	local url=$URL err=$BATS_TEST_TMPDIR/c.err
	spawn c 20 "$WSCAT" --reconnect --reconnect-delay 0.05:0.4 -w -1 \
		"$url" </dev/null
	wait_for_text "$SERVER_OUT" '{"id":1,"event":"open"'
	server_send '{"close":1,"code":4000,"reason":"bye"}'
	wait_for_text "$SERVER_OUT" '{"id":2,"event":"open"'
	wait_for_line "$err" "wscat: reconnected to $url"
	server_send '{"close":2}'
	wait_for_status c 0
	run cat "$err"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^wscat: server closed the connection: 4000 "bye"; reconnecting in [0-9.]+ s \(attempt 1\)$'
	assert_line --index 1 "wscat: reconnected to $url"
	run grep -c '"event":"open"' "$SERVER_OUT"
	assert_output 2
	assert grep -qF '{"id":2,"event":"close","code":1000,"reason":""}' "$SERVER_OUT"
}

@test "--reconnect: nothing reconnects after stdin's EOF, -w, --count or /close" {
	start_wsserve --echo
	# EOF: a close with 1000.
	run_wscat 0 --reconnect "$URL" <<<eof
	assert_equal "$stderr" ''
	# -x and -w 0.
	run_wscat 0 --reconnect -x x -w 0 "$URL" </dev/null
	assert_equal "$stderr" ''
	# --count 1, stdin still open.
	open_input
	spawn c 10 "$WSCAT" --reconnect --count 1 "$URL" <"$CIN"
	send_input counted
	wait_for_status c 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/c.out")" counted
	# /close with a code of its own, stdin still open.
	spawn d 10 "$WSCAT" --reconnect --slash "$URL" <"$CIN"
	wait_for_clients 1
	send_input '/close 4001 done'
	wait_for_status d 0
	close_input
	assert_equal "$(cat "$BATS_TEST_TMPDIR/c.err")" ''
	assert_equal "$(cat "$BATS_TEST_TMPDIR/d.err")" ''
	# Four connections, each closed once, by wscat.
	wait_for_clients 0
	run grep -c ' connected$' "$SERVER_ERR"
	assert_output 4
	run grep -o 'disconnected ([0-9]*' "$SERVER_ERR"
	assert_output "$(printf 'disconnected (%s\n' 1000 1000 1000 4001)"
}

@test "--reconnect: a connection lost during -w after the input ended does not leave wscat waiting for ever" {
	start_wsserve
	local url=$URL
	# stdin is at EOF, the -w 3 wait has begun when the server goes.
	spawn c 20 "$WSCAT" --reconnect --reconnect-delay 0.05:0.2 -w 3 \
		"$url" <<<hi
	wait_for_line "$SERVER_OUT" hi
	stop_wsserve TERM
	restart_wsserve
	# Whether or not it comes back first, -w 3 is over within 10 s.
	wait_for_status c 0 10
}

@test "--reconnect: SIGTERM and SIGINT end it, connected or between attempts" {
	start_wsserve
	local url=$URL
	spawn t 20 "$WSCAT" --reconnect -w -1 "$url" </dev/null
	wait_for_clients 1
	kill -TERM "$SPAWN_PID"
	wait_for_status t 143
	spawn i 20 "$WSCAT" --reconnect -w -1 "$url" </dev/null
	wait_for_clients 1
	kill -INT "$SPAWN_PID"
	wait_for_status i 130
	wait_for_clients 0
	run grep -o 'disconnected ([0-9]*' "$SERVER_ERR"
	assert_output "$(printf 'disconnected (%s\n' 1001 1001)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/t.err")" ''
	assert_equal "$(cat "$BATS_TEST_TMPDIR/i.err")" ''
	# Between attempts (long delays): at once, with no more lines.
	spawn w 20 "$WSCAT" --reconnect --reconnect-delay 5:10 -w -1 \
		"$url" </dev/null
	wait_for_clients 1
	stop_wsserve TERM
	wait_until 5 has_attempts "$BATS_TEST_TMPDIR/w.err" 1
	kill -TERM "$SPAWN_PID"
	wait_for_status w 143 3
	# Nothing but the attempt lines: no last failure reported.
	run check_backoff "$BATS_TEST_TMPDIR/w.err" 5 10 0
	assert_success
}

@test "--reconnect: when the first connection fails there is no retry (exit 3, or 5 for a 503)" {
	local port
	port=$(free_port)
	run_wscat 3 --reconnect --reconnect-delay 0.05:0.1 \
		"ws://127.0.0.1:$port/" </dev/null
	assert_stderr_is "wscat: cannot connect to ws://127.0.0.1:$port/: Connection refused"
	start_peer busy 20 "$PY" "$PEERS/answer.py" \
		'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'
	run_wscat 5 --reconnect --reconnect-delay 0.05:0.1 \
		"ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$PEER_PORT/ failed: server answered 'HTTP/1.1 503 Service Unavailable'"
}

@test "--reconnect: a 5xx is retried, up to --reconnect-max, and then exit 5" {
	start_peer seq 30 "$PY" -c "$SEQ_PEER" 1011 503
	local url=ws://127.0.0.1:$PEER_PORT/
	run_wscat 5 --reconnect --reconnect-max 2 --reconnect-delay 0.05:0.1 \
		-w -1 "$url" </dev/null
	assert_equal "${#stderr_lines[@]}" 3
	assert_equal "${stderr_lines[0]%%;*}" 'wscat: server closed the connection: 1011'
	[[ ${stderr_lines[0]} =~ \(attempt\ 1\ of\ 2\)$ ]] || fail "${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]%%;*}" "wscat: server answered 'HTTP/1.1 503 Service Unavailable'"
	[[ ${stderr_lines[1]} =~ \(attempt\ 2\ of\ 2\)$ ]] || fail "${stderr_lines[1]}"
	assert_equal "${stderr_lines[2]}" "wscat: handshake with $url failed: server answered 'HTTP/1.1 503 Service Unavailable'"
	run grep -c '^REQUEST' "$BATS_TEST_TMPDIR/seq.out"
	assert_output 3
}

@test "--reconnect: after a lost connection a 404 is not retried (exit 5), a handshake timeout is (exit 6 at the end)" {
	start_peer seq 30 "$PY" -c "$SEQ_PEER" drop 404
	local url=ws://127.0.0.1:$PEER_PORT/
	run_wscat 5 --reconnect --reconnect-delay 0.05:0.1 -w -1 "$url" </dev/null
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} =~ ^wscat:\ connection\ lost\ without\ a\ close\ frame\;\ reconnecting\ in\ [0-9.]+\ s\ \(attempt\ 1\)$ ]] ||
		fail "${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" "wscat: handshake with $url failed: server answered 'HTTP/1.1 404 Not Found'"
	run grep -c '^REQUEST' "$BATS_TEST_TMPDIR/seq.out"
	assert_output 2

	start_peer mute 30 "$PY" -c "$SEQ_PEER" 4000 mute
	url=ws://127.0.0.1:$PEER_PORT/
	run_wscat 6 --reconnect --reconnect-max 1 --reconnect-delay 0.05:0.1 \
		--connect-timeout 1 -w -1 "$url" </dev/null
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} =~ ^wscat:\ server\ closed\ the\ connection:\ 4000\;\ reconnecting\ in\ [0-9.]+\ s\ \(attempt\ 1\ of\ 1\)$ ]] ||
		fail "${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" 'wscat: timed out after 1 s connecting'
}

@test "--reconnect with --exec, and a bad --reconnect-delay, are usage errors (exit 2)" {
	run_wscat 2 --reconnect ws://127.0.0.1:1/ --exec cat
	assert_stderr_is 'wscat: --reconnect does not go with --exec'
	local d
	for d in 5 2:1 0:1 a:b :1 1: 0.5:86401 -1:1; do
		run_wscat 2 --reconnect --reconnect-delay "$d" ws://127.0.0.1:1/ </dev/null
		[[ ${stderr_lines[0]} == "wscat: --reconnect-delay $d: expected MIN:MAX in seconds"* ]] ||
			fail "for $d: ${stderr_lines[0]}"
	done
	run_wscat 2 --reconnect-max -1 --reconnect ws://127.0.0.1:1/ </dev/null
}
