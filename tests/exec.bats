#!/usr/bin/env bats
# wsserve --exec (a program per connection, bridged to its client) and
# wscat --exec (a program in place of stdin and stdout): the bridge both
# ways, the environment, how programs end and are ended (EOF, SIGTERM
# after --close-grace, SIGKILL, their process groups), 200 at once,
# backpressure both ways, the framings, and the usage errors.  The
# programs are the scripts in tests/exec/.

load helpers

EXEC=$ROOT/tests/exec

# py_client ARGS...: tests/peers/py_client.py, bounded in time.
py_client() {
	timeout -k 5 30 "$PY" "$PEERS/py_client.py" "$@"
}

# proc_state PID: the state letter of PID (R, S, Z...), or fails when
# there is no such process.
proc_state() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	echo "${stat%% *}"
}

# gone PID...: none of PIDs runs any more.  A zombie counts as gone: a
# member of a program's group is reaped by init, not by wsserve (whose
# own children are checked with no_zombies).
gone() {
	local pid state
	for pid; do
		state=$(proc_state "$pid") || continue
		[ "$state" = Z ] || return 1
	done
}

# no_zombies PID: PID has no child that is a zombie (it reaped them all).
no_zombies() {
	! ps --ppid "$1" -o stat= | grep -q Z
}

# read_pids DIR NAME...: the PIDs in DIR/NAME..., each recorded for
# teardown (processes of a program's group outlive a SIGKILLed wsserve).
read_pids() {
	local d=$1 n
	shift
	for n; do
		wait_until 5 test -s "$d/$n" || return 1
		track_pid "$(<"$d/$n")"
		cat "$d/$n"
	done
}

# stop_if_running: teardown's first step: a SIGTERM, so that wsserve
# kills its programs' process groups itself.
stop_if_running() {
	if [ -n "${SERVER_PID-}" ] && ! has_exited "$SERVER_PID"; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait_until 15 has_exited "$SERVER_PID"
	fi
}

setup() {
	on_teardown stop_if_running
}

# env_of ARGS...: the environment a --exec env program gets for a wscat
# with ARGS: the variables, one a line as env printed them, in ENV_OUT
# (and in $output, from run_wscat).
env_of() {
	run_wscat 0 -w -1 "$@" </dev/null
	ENV_OUT=$output
}

# names: the variable names in ENV_OUT, sorted, one a line.
names() {
	sed 's/=.*//' <<<"$ENV_OUT" | LC_ALL=C sort
}

# value NAME: NAME's value in ENV_OUT; fails unless it is there once.
value() {
	local v
	v=$(grep "^$1=" <<<"$ENV_OUT") || {
		echo "no $1 in:" >&2
		echo "$ENV_OUT" >&2
		return 1
	}
	[ "$(wc -l <<<"$v")" -eq 1 ] || {
		echo "$1 more than once" >&2
		return 1
	}
	echo "${v#*=}"
}

# ---- the bridge --------------------------------------------------------

@test "wsserve --exec cat sends each message of a client back to it" {
	start_wsserve --exec cat
	run -0 --separate-stderr py_client "$URL" -t hello -t 'wörld, two words' -n 2
	assert_output $'open\nsubprotocol none\ntext "hello"\ntext "wörld, two words"\nclose 1000 '
}

@test "each line a program writes goes to its client as a text message, as it is written" {
	start_wsserve --exec "$EXEC/upper.sh"
	run -0 --separate-stderr py_client "$URL" -t abc -t 'Mixed Case 1' -n 2
	assert_output $'open\nsubprotocol none\ntext "ABC"\ntext "MIXED CASE 1"\nclose 1000 '
}

@test "wsserve --exec reads nothing from its own stdin and prints nothing on its stdout" {
	start_wsserve --exec cat
	server_send 'from stdin'
	# A broadcast of stdin would come before the echo.
	run -0 --separate-stderr py_client "$URL" -t mine -n 1
	assert_output $'open\nsubprotocol none\ntext "mine"\nclose 1000 '
	wait_for_text "$SERVER_ERR" "disconnected (1000)"
	[ ! -s "$SERVER_OUT" ] || fail "stdout: $(cat "$SERVER_OUT")"
}

@test "a program's stderr lines are logged as 'wsserve: ID: line', ids counting clients from 1" {
	start_wsserve --exec "$EXEC/exit_with.sh" 0
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	wait_for_line "$SERVER_ERR" 'wsserve: 2: leaving with 0'
	run grep -c 'leaving with' "$SERVER_ERR"
	assert_output 2
	grep -qxF 'wsserve: 1: leaving with 0' "$SERVER_ERR"
}

@test "a program's stderr is logged at most 100 lines a second, and the lines not shown are counted" {
	local shown counted
	start_wsserve --exec sh -c 'i=0; while [ $i -lt 1000 ]; do echo "err $i" >&2; i=$((i + 1)); done'
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	wait_for_text "$SERVER_ERR" 'stderr lines not shown' 10
	shown=$(grep -c 'wsserve: 1: err ' "$SERVER_ERR")
	[ "$shown" -ge 100 ] && [ "$shown" -lt 1000 ] ||
		fail "$shown stderr lines shown"
	# What was shown and what was counted make the 1000.
	counted=$(sed -n 's/^wsserve: 1: \([0-9]*\) more stderr lines\{0,1\} not shown$/\1/p' \
		"$SERVER_ERR" | awk '{ n += $1 } END { print n + 0 }')
	assert_equal $((shown + counted)) 1000
}

@test "WSSERVE_ID is 1, 2, 3 for clients in the order they came" {
	start_wsserve --exec "$EXEC/id_upper.sh"
	# Not $i: bats's run sets a global i.
	for id in 1 2 3; do
		run -0 --separate-stderr py_client "$URL" -t x -n 2
		assert_output "open
subprotocol none
text \"id $id\"
text \"X\"
close 1000 "
	done
}

@test "the command is looked up in wsserve's PATH, though its program gets no PATH" {
	PATH=$EXEC:$PATH start_wsserve --exec exit_with.sh 0
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "one"\ntext "two"\nclose 1000 '
}

@test "everything after --exec is the command, options included" {
	start_wsserve --exec printf '%s\n' --echo -p 1
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "--echo"\ntext "-p"\ntext "1"\nclose 1000 '
}

# ---- the environment -----------------------------------------------------

@test "a program's environment is exactly the request's variables, nothing of wsserve's" {
	export WSTEST_SECRET=leak
	start_wsserve --subprotocol chat --exec env
	env_of -s chat --auth user:pass -H 'X-Custom: some value' \
		-H 'X-Multi: a' -H 'X-Multi: b' \
		"ws://127.0.0.1:$PORT/a/b%20c?x=1&y=%2F"
	run names
	assert_output "HTTP_CONNECTION
HTTP_HOST
HTTP_SEC_WEBSOCKET_EXTENSIONS
HTTP_SEC_WEBSOCKET_KEY
HTTP_SEC_WEBSOCKET_PROTOCOL
HTTP_SEC_WEBSOCKET_VERSION
HTTP_UPGRADE
HTTP_X_CUSTOM
HTTP_X_MULTI
PATH_INFO
QUERY_STRING
REMOTE_ADDR
REMOTE_PORT
REQUEST_METHOD
REQUEST_URI
SERVER_NAME
SERVER_PORT
SERVER_PROTOCOL
SUBPROTOCOL
WSSERVE_ID"
	assert_equal "$(value HTTP_HOST)" "127.0.0.1:$PORT"
	assert_equal "$(value HTTP_UPGRADE)" websocket
	assert_equal "$(value HTTP_CONNECTION)" Upgrade
	assert_equal "$(value HTTP_SEC_WEBSOCKET_VERSION)" 13
	assert_equal "$(value HTTP_SEC_WEBSOCKET_PROTOCOL)" chat
	assert_equal "$(value HTTP_SEC_WEBSOCKET_EXTENSIONS)" \
		'permessage-deflate; client_max_window_bits'
	[[ $(value HTTP_SEC_WEBSOCKET_KEY) =~ ^[A-Za-z0-9+/]{22}==$ ]]
	assert_equal "$(value HTTP_X_CUSTOM)" 'some value'
	assert_equal "$(value HTTP_X_MULTI)" 'a, b'
	assert_equal "$(value REMOTE_ADDR)" 127.0.0.1
	assert_equal "$(value SERVER_NAME)" 127.0.0.1
	assert_equal "$(value SERVER_PORT)" "$PORT"
	assert_equal "$(value SERVER_PROTOCOL)" HTTP/1.1
	assert_equal "$(value REQUEST_METHOD)" GET
	assert_equal "$(value REQUEST_URI)" '/a/b%20c?x=1&y=%2F'
	assert_equal "$(value PATH_INFO)" '/a/b%20c'
	assert_equal "$(value QUERY_STRING)" 'x=1&y=%2F'
	assert_equal "$(value SUBPROTOCOL)" chat
	assert_equal "$(value WSSERVE_ID)" 1
	# REMOTE_PORT is the port wsserve logged for the client.
	port=$(value REMOTE_PORT)
	[[ $port =~ ^[0-9]+$ ]]
	grep -qxF "wsserve: 127.0.0.1:$port connected" "$SERVER_ERR"
}

@test "without a query or a subprotocol QUERY_STRING and SUBPROTOCOL are empty" {
	start_wsserve --exec env
	env_of "ws://127.0.0.1:$PORT/just/a/path"
	assert_equal "$(value REQUEST_URI)" /just/a/path
	assert_equal "$(value PATH_INFO)" /just/a/path
	assert_equal "$(value QUERY_STRING)" ''
	assert_equal "$(value SUBPROTOCOL)" ''
	refute_line --regexp '^(HTTP_SEC_WEBSOCKET_PROTOCOL|HTTPS|HOME|PATH)='
}

@test "--passenv passes the variables it names that wsserve has, and no others" {
	export WSTEST_SET='a b=c'
	unset WSTEST_UNSET
	export WSTEST_OTHER=other
	start_wsserve --passenv WSTEST_SET,WSTEST_UNSET --passenv HOME,PATH \
		--exec env
	env_of "$URL"
	assert_equal "$(value WSTEST_SET)" 'a b=c'
	assert_equal "$(value HOME)" "$HOME"
	assert_equal "$(value PATH)" "$PATH"
	refute_line --regexp '^(WSTEST_UNSET|WSTEST_OTHER)='
	# 6 headers (wscat offers permessage-deflate), 11 variables of every
	# request, 3 passed.
	assert_equal "$(names | wc -l)" $((6 + 11 + 3))
}

@test "without --passenv a program has neither HOME nor PATH" {
	[ -n "${HOME-}" ] && [ -n "${PATH-}" ]
	start_wsserve --exec env
	env_of "$URL"
	refute_line --regexp '^(HOME|PATH|PWD|SHELL|USER|LOGNAME)='
	assert_equal "$(value WSSERVE_ID)" 1
}

@test "a Host without a port gives SERVER_PORT 80, and no HTTPS" {
	start_wsserve --exec env
	env_of --host localhost "$URL"
	assert_equal "$(value SERVER_NAME)" localhost
	assert_equal "$(value SERVER_PORT)" 80
	refute_line --regexp '^HTTPS='
}

@test "over TLS a program sees HTTPS=on, and SERVER_PORT 443 for a Host without a port" {
	(
		cd "$BATS_TEST_TMPDIR" &&
			openssl req -x509 -newkey ec \
				-pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout key.pem -out cert.pem -days 2 \
				-subj /CN=localhost 2>/dev/null
	)
	start_wsserve --cert "$BATS_TEST_TMPDIR/cert.pem" \
		--key "$BATS_TEST_TMPDIR/key.pem" --exec env
	assert_equal "$SCHEME" wss
	env_of -k --host localhost "wss://127.0.0.1:$PORT/"
	assert_equal "$(value HTTPS)" on
	assert_equal "$(value SERVER_NAME)" localhost
	assert_equal "$(value SERVER_PORT)" 443
	env_of -k "wss://127.0.0.1:$PORT/"
	assert_equal "$(value HTTPS)" on
	assert_equal "$(value SERVER_PORT)" "$PORT"
}

@test "over IPv6 REMOTE_ADDR and SERVER_NAME are the bare addresses" {
	start_wsserve -a ::1 --exec env
	env_of "ws://[::1]:$PORT/"
	assert_equal "$(value REMOTE_ADDR)" ::1
	assert_equal "$(value SERVER_NAME)" ::1
	assert_equal "$(value SERVER_PORT)" "$PORT"
	assert_equal "$(value HTTP_HOST)" "[::1]:$PORT"
	[[ $(value REMOTE_PORT) =~ ^[0-9]+$ ]]
}

@test "a request with 250 headers, 3 KiB in all, still gets its program" {
	start_wsserve --exec "$EXEC/exit_with.sh" 0
	run -0 timeout 10 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           + "".join("X-H%d: v\r\n" % i for i in range(250)) + "\r\n")
          .encode())
print(s.recv(4096).split(b"\r\n")[0].decode())' "$PORT"
	assert_output 'HTTP/1.1 101 Switching Protocols'
}

# ---- how programs end ----------------------------------------------------

@test "a program that exits 0 has its connection closed with 1000 after all of its output" {
	start_wsserve --exec "$EXEC/exit_with.sh" 0
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "one"\ntext "two"\nclose 1000 '
	wait_for_text "$SERVER_ERR" "disconnected (1000)"
	run ! grep -E 'exited with|killed by' "$SERVER_ERR"
}

@test "a program that exits 3 has its connection closed with 1011 after its output, and is logged" {
	start_wsserve --exec "$EXEC/exit_with.sh" 3
	run -0 --separate-stderr py_client "$URL" --expect-close 1011
	assert_output $'open\nsubprotocol none\ntext "one"\ntext "two"\nclose 1011 '
	wait_for_line "$SERVER_ERR" \
		"wsserve: 1: $EXEC/exit_with.sh exited with status 3"
}

@test "a program killed by a signal not from wsserve closes with 1011 and is logged" {
	start_wsserve --exec "$EXEC/selfkill.sh"
	run -0 --separate-stderr py_client "$URL" --expect-close 1011
	assert_output $'open\nsubprotocol none\ntext "bye"\nclose 1011 '
	wait_for_line "$SERVER_ERR" \
		"wsserve: 1: $EXEC/selfkill.sh killed by signal 9"
}

@test "a program that cannot be run gets its client a 503 and is logged, and wsserve goes on" {
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/noexec.sh"
	chmod -x "$BATS_TEST_TMPDIR/noexec.sh"
	start_wsserve --exec "$BATS_TEST_TMPDIR/nonexistent" arg
	run_wscat 5 "$URL" </dev/null
	assert_stderr_line "wscat: handshake with $URL failed: server answered 'HTTP/1.1 503 Service Unavailable': 503 Service Unavailable: cannot run the program"
	wait_for_line "$SERVER_ERR" \
		"wsserve: 1: cannot run the program: $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	run_wscat 5 "$URL" </dev/null
	wait_for_line "$SERVER_ERR" \
		"wsserve: 2: cannot run the program: $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	has_exited "$SERVER_PID" && fail "wsserve exited"
	stop_wsserve

	start_wsserve --exec "$BATS_TEST_TMPDIR/noexec.sh"
	run_wscat 5 "$URL" </dev/null
	wait_for_line "$SERVER_ERR" \
		"wsserve: 1: cannot run the program: $BATS_TEST_TMPDIR/noexec.sh: Permission denied"
	stop_wsserve

	start_wsserve --exec no-such-command-for-wsserve-tests
	run_wscat 5 "$URL" </dev/null
	wait_for_line "$SERVER_ERR" \
		"wsserve: 1: cannot run the program: no-such-command-for-wsserve-tests: No such file or directory"
}

@test "what a client sent before it closed reaches its program whole, then EOF" {
	start_wsserve --exec "$EXEC/late_cat.sh" "$BATS_TEST_TMPDIR/got" 1
	# 20 messages of 16 KiB: more than a pipe holds, so most are queued
	# in wsserve when the client closes.
	run -0 timeout 20 "$PY" -c '
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        for i in range(20):
            await ws.send(chr(ord("a") + i) * 16383)
    print("close", ws.close_code)
asyncio.run(main())' "$URL"
	assert_output 'close 1000'
	"$PY" -c '
import sys
sys.stdout.write("".join(chr(ord("a") + i) * 16383 + "\n" for i in range(20)))' \
		>"$BATS_TEST_TMPDIR/want"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/got.done"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/got.done")" "got $((20 * 16384))"
	cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
}

@test "a program that ignores EOF and SIGTERM gets EOF, SIGTERM after --close-grace, then SIGKILL with its group" {
	d=$BATS_TEST_TMPDIR/p
	mkdir "$d"
	start_wsserve --close-grace 2 --exec "$EXEC/stubborn.sh" "$d"
	run -0 --separate-stderr py_client "$URL" -t hello -n 2
	assert_output $'open\nsubprotocol none\ntext "ready"\ntext "hello"\nclose 1000 '
	pid=$(read_pids "$d/1" pid)
	child=$(read_pids "$d/1" child)
	# Its group: the program leads it.
	assert_equal "$(ps -o pgid= -p "$child" | tr -d ' ')" "$pid"
	wait_until 5 test -s "$d/1/eof"
	[ ! -e "$d/1/term" ] || fail "SIGTERM with the EOF, before the grace"
	wait_until 6 test -s "$d/1/term"
	# SIGKILL comes 1 s after SIGTERM: both still run right after it.
	gone "$pid" && fail "killed with the SIGTERM"
	wait_until 5 gone "$pid" "$child"
	run awk 'NR == FNR { eof = $1; next } { print ($1 - eof >= 1.5 && $1 - eof < 4) ? "ok" : "off by " $1 - eof }' \
		"$d/1/eof" "$d/1/term"
	assert_output ok
	no_zombies "$SERVER_PID"
	run ps --ppid "$SERVER_PID" -o pid=,stat=,args=
	assert_output ''
	# We killed it: that is no news for the log.
	run ! grep -E 'killed by|exited with' "$SERVER_ERR"
}

@test "what a program leaves behind in its process group is killed when it ends" {
	start_wsserve --exec "$EXEC/leave_child.sh" "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "started"\nclose 1000 '
	child=$(read_pids "$BATS_TEST_TMPDIR" child)
	wait_until 5 gone "$child"
	wait_until 5 no_zombies "$SERVER_PID"
}

@test "a program whose leftover keeps its stdout open still ends its connection within seconds" {
	start_wsserve --exec "$EXEC/leave_child.sh" "$BATS_TEST_TMPDIR" hold
	SECONDS=0
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	[ "$SECONDS" -le 6 ] || fail "took $SECONDS s"
	assert_output $'open\nsubprotocol none\ntext "started"\nclose 1000 '
	child=$(read_pids "$BATS_TEST_TMPDIR" child)
	wait_until 5 gone "$child"
}

@test "SIGTERM to wsserve ends every program and every member of their groups" {
	d=$BATS_TEST_TMPDIR/p
	mkdir "$d"
	start_wsserve --exec "$EXEC/stubborn.sh" "$d"
	for id in 1 2 3; do
		spawn "c$id" 30 "$PY" "$PEERS/py_client.py" "$URL" \
			--expect-close 1001 </dev/null
	done
	pids=()
	for id in 1 2 3; do
		pids+=("$(read_pids "$d/$id" pid)" "$(read_pids "$d/$id" child)")
	done
	gone "${pids[@]:0:1}" && fail "not running"
	# The programs ignore EOF and SIGTERM: the shutdown's grace ends them.
	stop_wsserve TERM 15
	assert_equal "$SERVER_STATUS" 0
	wait_until 5 gone "${pids[@]}"
	for id in 1 2 3; do
		wait_for_status "c$id" 0
		test -s "$d/$id/eof"
	done
}

@test "SIGTERM to wsserve ends it at once when its programs end at their EOF" {
	start_wsserve --exec "$EXEC/until_eof.sh" "$BATS_TEST_TMPDIR/eof"
	spawn c1 30 "$PY" "$PEERS/py_client.py" "$URL" -t hi -n 1 \
		--expect-close 1001 </dev/null
	wait_for_text "$BATS_TEST_TMPDIR/c1.out" 'text "hi"'
	SECONDS=0
	stop_wsserve TERM 5
	[ "$SECONDS" -le 3 ] || fail "took $SECONDS s"
	assert_equal "$SERVER_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/eof")" eof
	wait_for_status c1 0
}

@test "--max-clients bounds the programs: the client over it gets 503 and starts none" {
	start_wsserve --max-clients 2 --exec "$EXEC/count_starts.sh" \
		"$BATS_TEST_TMPDIR/starts"
	spawn c1 30 "$WSCAT" -w -1 "$URL" </dev/null
	spawn c2 30 "$WSCAT" -w -1 "$URL" </dev/null
	wait_for_lines "$BATS_TEST_TMPDIR/starts" 2
	run_wscat 5 "$URL" </dev/null
	assert_stderr_line "wscat: handshake with $URL failed: server answered 'HTTP/1.1 503 Service Unavailable': 503 Service Unavailable: too many clients"
	run cat "$BATS_TEST_TMPDIR/starts"
	assert_output $'1\n2'
}

# ---- many at once, and backpressure ----------------------------------------

@test "200 clients at once each get a program of their own, with 200 distinct ids" {
	# About 200 fds for the clients, 4 a client in wsserve (which
	# raises its own soft limit to the hard one).
	[ "$(ulimit -n)" -ge 2048 ] || ulimit -n 2048 || true
	# 200 handshakes may be pending at once: over the default 128 the
	# oldest would give way (README, "Bounds").  Each program is started
	# in turn, at its request, and on a loaded machine 200 of them can
	# take longer than the default handshake timeout of 10 s.
	start_wsserve --max-pending 256 --handshake-timeout 60 \
		--exec "$EXEC/id_upper.sh"
	run --separate-stderr timeout -k 5 90 "$PY" "$EXEC/many.py" "$URL" 200
	assert_output $'ok 200\nids 200 1 200'
	assert_success
	wait_until 20 clients_are 0
	wait_until 10 no_zombies "$SERVER_PID"
	run ps --ppid "$SERVER_PID" -o pid=
	assert_output ''
}

@test "a program that does not read holds its client back, and wsserve's memory stays small" {
	# 64 MiB go to a program that reads nothing for 5 s, then all of it.
	bytes=$((64 * 1024 * 1024))
	start_wsserve --exec "$EXEC/late_cat.sh" "$BATS_TEST_TMPDIR/got" 5 "$bytes"
	run -0 --separate-stderr timeout -k 5 60 \
		"$PY" "$EXEC/push.py" "$URL" "$SERVER_PID" 64 5
	# The sends stalled for a second and more, far short of it all.
	assert_line 'stalled yes'
	held=$(sed -n 's/^held //p' <<<"$output")
	[ "$held" -lt $((32 * 1024 * 1024)) ] || fail "$held bytes sent"
	rss=$(sed -n 's/^rss //p' <<<"$output")
	[ "$rss" -lt $((32 * 1024)) ] || fail "wsserve's RSS reached $rss KiB"
	# Then it all arrived, in order, and the program's "got" came back.
	assert_line "text \"got $bytes\""
	assert_line 'close 1000'
	run -0 "$PY" -c '
import sys
ok = True
with open(sys.argv[1], "rb") as f:
    for k in range(1024):
        ok = ok and f.read(65536) == bytes([97 + k % 26]) * 65535 + b"\n"
    ok = ok and f.read() == b""
print("same" if ok else "differs")' "$BATS_TEST_TMPDIR/got"
	assert_output same
}

@test "a client that does not read holds its program back, and wsserve's memory stays small" {
	count=$BATS_TEST_TMPDIR/count
	start_wsserve --close-grace 1 --exec "$EXEC/flood.sh" "$count"
	spawn noread 60 "$PY" "$EXEC/noread.py" "$PORT" </dev/null
	noread=$SPAWN_PID
	wait_for_line "$BATS_TEST_TMPDIR/noread.out" sent
	prog=$(read_pids "$BATS_TEST_TMPDIR" count.pid)
	wait_until 5 test -s "$count"
	# Stuck: no MiB more over a second (within 10 s), far short of 50.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		a=$(cat "$count")
		sleep 1
		n=$(cat "$count")
		[ "$a" != "$n" ] || break
	done
	[ "$a" = "$n" ] || fail "still writing: $n MiB"
	[ "$n" != done ] && [ "$n" -lt 25 ] || fail "$n MiB written"
	gone "$prog" && fail "the program ended"
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
	[ "$rss" -lt $((32 * 1024)) ] || fail "wsserve's RSS is $rss KiB"
	# The client goes: the program is no longer held back, and ends.
	kill "$noread"
	wait_until 10 gone "$prog"
	wait_until 5 no_zombies "$SERVER_PID"
}

# ---- framings ------------------------------------------------------------------

@test "a program's line that is not UTF-8 goes as a binary message, the others as text" {
	start_wsserve --exec printf 'plain\n\377\376\nend\n'
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "plain"\nbinary fffe\ntext "end"\nclose 1000 '
}

@test "wsserve -b sends a program's lines as binary messages; its stdin still gets lines" {
	start_wsserve -b --exec tee "$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr py_client "$URL" -t hi -t 'é' -n 2
	assert_output $'open\nsubprotocol none\nbinary 6869\nbinary c3a9\nclose 1000 '
	cmp "$BATS_TEST_TMPDIR/in" <(printf 'hi\n\303\251\n')
}

@test "wsserve -0 gives a program NUL-ended records and takes them back: newlines round-trip" {
	start_wsserve -0 --exec tee "$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr py_client "$URL" -t $'a\nb' -t $'c\n' -t '' -n 3
	assert_output $'open\nsubprotocol none\ntext "a\\nb"\ntext "c\\n"\ntext ""\nclose 1000 '
	cmp "$BATS_TEST_TMPDIR/in" <(printf 'a\nb\0c\n\0\0')
}

@test "wsserve --whole sends a program's whole output as one message when it ends" {
	start_wsserve --whole --exec printf 'a\nb\n'
	run -0 --separate-stderr py_client "$URL" --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "a\\nb\\n"\nclose 1000 '
}

@test "wsserve --whole writes the messages to a program's stdin with nothing between them" {
	start_wsserve --whole --exec head -c 4
	run -0 --separate-stderr py_client "$URL" -t ab -t cd --expect-close 1000
	assert_output $'open\nsubprotocol none\ntext "abcd"\nclose 1000 '
}

# ---- wscat --exec ----------------------------------------------------------------

@test "wscat --exec echo hi URL runs echo: --exec is not --execute" {
	start_wsserve
	run_wscat 0 --exec echo hi "$URL"
	wait_for_line "$SERVER_OUT" hi
	run cat "$SERVER_OUT"
	assert_output hi
}

@test "wscat URL --exec CMD: its lines are sent, the replies go to its stdin" {
	start_wsserve --echo
	run_wscat 0 "$URL" --exec "$EXEC/ask.sh" "$BATS_TEST_TMPDIR/replies"
	assert_output ''
	run cat "$BATS_TEST_TMPDIR/replies"
	assert_output $'one\ntwo'
}

@test "wscat --exec CMD ARG URL takes the last word as the URL and exits with the program's status" {
	start_wsserve
	PATH=$EXEC:$PATH run_wscat 3 --exec exit_with.sh 3 "$URL"
	assert_stderr_is 'wscat: exit_with.sh: leaving with 3'
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'one\ntwo'
	# Its close was a normal one, after what it wrote.
	wait_for_text "$SERVER_ERR" "disconnected (1000)"
}

@test "wscat --exec exits 128+N for a program killed by signal N" {
	start_wsserve
	run_wscat 137 "$URL" --exec "$EXEC/selfkill.sh"
	wait_for_line "$SERVER_OUT" bye
}

@test "wscat logs each stderr line of its program after the program's whole name" {
	# A name of more than 31 characters.
	ln -s "$EXEC/exit_with.sh" "$BATS_TEST_TMPDIR/a-program-with-a-rather-long-name.sh"
	prog=$BATS_TEST_TMPDIR/a-program-with-a-rather-long-name.sh
	start_wsserve
	run_wscat 0 "$URL" --exec "$prog" 0
	assert_stderr_is "wscat: $prog: leaving with 0"
}

@test "when the server closes first, wscat's program gets EOF and wscat exits 0" {
	start_wsserve
	spawn w 30 "$WSCAT" "$URL" --exec "$EXEC/until_eof.sh" \
		"$BATS_TEST_TMPDIR/eof" </dev/null
	wait_for_clients 1
	server_send hello
	# The program echoes what it gets: wsserve prints it.
	wait_for_line "$SERVER_OUT" hello
	stop_wsserve
	wait_for_status w 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/eof")" eof
}

@test "wscat's program that ignores the EOF gets SIGTERM after --close-grace" {
	start_wsserve
	spawn w 30 "$WSCAT" --close-grace 1 "$URL" --exec \
		"$EXEC/term_exit.sh" "$BATS_TEST_TMPDIR" </dev/null
	wait_for_clients 1
	# Not stop_wsserve: wsserve waits for wscat's side of the close.
	kill -TERM "$SERVER_PID"
	wait_until 5 test -s "$BATS_TEST_TMPDIR/eof"
	[ ! -e "$BATS_TEST_TMPDIR/term" ] || fail "SIGTERM with the EOF"
	wait_for_status w 143 5
	assert_equal "$(cat "$BATS_TEST_TMPDIR/term")" term
	wait_until 10 has_exited "$SERVER_PID"
}

@test "wscat --exec stopped by SIGTERM closes with 1001, gives its program EOF and says nothing false" {
	start_wsserve
	spawn w 30 "$WSCAT" --close-grace 6 "$URL" --exec \
		"$EXEC/term_exit.sh" "$BATS_TEST_TMPDIR" </dev/null
	wscat=$SPAWN_PID
	wait_for_clients 1
	kill -TERM "$wscat"
	wait_for_text "$SERVER_ERR" "disconnected (1001)"
	wait_until 5 test -s "$BATS_TEST_TMPDIR/eof"
	wait_for_status w 143 15
	# wsserve answered the close at once: no "no close reply" here.
	run cat "$BATS_TEST_TMPDIR/w.err"
	refute_output --partial 'close reply'
}

@test "wscat --exec exits with the connection's status when that is not 0, whatever its program's" {
	start_peer py_server 30 "$PY" "$PEERS/py_server.py" \
		send-then-close 4000 bye hello
	run_wscat 7 "ws://127.0.0.1:$PEER_PORT/" --exec tee "$BATS_TEST_TMPDIR/got"
	assert_stderr_line 'wscat: server closed the connection: 4000 "bye"'
	# What tee wrote back may come after the close: then it is counted.
	local l
	for l in "${stderr_lines[@]}"; do
		[[ $l == 'wscat: server closed the connection: 4000 "bye"' ||
			$l == 'wscat: 1 message not delivered' ]] ||
			fail "unexpected stderr line: $l"
	done
	# tee got the message, then EOF, and exited 0.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/got")" hello
}

@test "wscat --exec with a program that cannot be run exits 1 and says why" {
	start_wsserve
	run_wscat 1 --exec "$BATS_TEST_TMPDIR/nonexistent" "$URL"
	assert_stderr_line "wscat: $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	assert_output ''
}

# ---- usage errors ------------------------------------------------------------------

@test "wsserve --exec with --echo, -E, --jsonl or --ids is a usage error" {
	for opt in --echo -E --jsonl --ids; do
		run_wsserve 2 "$opt" --exec cat </dev/null
		assert_stderr_is 'wsserve: --exec gives each client to its program: not with --echo, -E, --jsonl or --ids'
		assert_output ''
	done
}

@test "wsserve --passenv without --exec, with a bad name, and --exec without a command are usage errors" {
	run_wsserve 2 --passenv HOME </dev/null
	assert_stderr_is 'wsserve: --passenv needs --exec'
	for bad in 1A A-B A,,B ,A A, 'A B' A=B; do
		run_wsserve 2 --passenv "$bad" --exec cat </dev/null
		assert_equal "${stderr_lines[0]}" "wsserve: --passenv $bad: expected NAME[,NAME...]"
	done
	run_wsserve 2 --exec </dev/null
	assert_equal "${stderr_lines[0]}" 'wsserve: --exec needs a command'
	run_wsserve 2 -q --exec </dev/null
	assert_equal "${stderr_lines[0]}" 'wsserve: --exec needs a command'
}

@test "wscat --exec without a command, or with -x or --echo, is a usage error" {
	run_wscat 2 --exec </dev/null
	assert_equal "${stderr_lines[0]}" 'wscat: --exec needs a command'
	run_wscat 2 ws://127.0.0.1:9/ --exec </dev/null
	assert_equal "${stderr_lines[0]}" 'wscat: --exec needs a command'
	run_wscat 2 -x hi ws://127.0.0.1:9/ --exec cat </dev/null
	assert_output ''
	[[ ${stderr_lines[0]} == 'wscat: --exec takes the place of stdin and '* ]]
	run_wscat 2 --echo ws://127.0.0.1:9/ --exec cat </dev/null
	[[ ${stderr_lines[0]} == 'wscat: --exec takes the place of stdin and '* ]]
}
