#!/usr/bin/env bats
# RFC 6455 conformance at the byte level, in the spirit of the Autobahn
# TestSuite categories 1-7, 9 and 10.  tests/peers/conform.py plays the
# peer with raw sockets: the client of wsserve --echo (server role) and the
# server of wscat --echo (client role).  It checks every frame the tool
# sends, the close code, who closes TCP first, and, for wscat, prints the
# exit statuses its contract allows.  One @test per category and role; a
# failure names each failing case and what differed (hex of what came).
#
# One case by hand:  conform.py server PORT 7.code-1012
#                    conform.py client 7.code-1012   (then wscat --echo)

load helpers

# --- shared with conformance_tls.bats (which sources this section) ------
# Settings a caller may add: WSSERVE_ARGS, WSCAT_ARGS, CONFORM_SERVER_ARGS,
# CONFORM_CLIENT_ARGS (arrays) and CLIENT_SCHEME (ws or wss).

CONFORM=$PEERS/conform.py
CLIENT_JOBS=6		# client-role cases run this many at a time

# helpers.bash's teardown, kept under another name and extended.
eval "helpers_$(declare -f teardown)"
teardown() {
	local pid
	for pid in $(cat "$BATS_TEST_TMPDIR/pids" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	helpers_teardown
}

# show_results FILE: non-strict cases go to the TAP log as comments; the
# test fails listing every failing case.
show_results() {
	local ok bad
	ok=$(grep -c '^ok ' "$1" || true)
	grep '^ok .*(non-strict' "$1" | sed 's/^/# /' >&3 || true
	bad=$(grep -c '^FAIL ' "$1" || true)
	echo "# $ok cases ok, $bad failed" >&3
	[ "$bad" -eq 0 ] && [ "$ok" -gt 0 ] ||
		fail "$(awk '/^FAIL /{p=1} /^ok /{p=0} p' "$1")"
}

# server_cases CATEGORY: every server-role case of CATEGORY, one after the
# other, against one wsserve --echo, which must survive them all.
server_cases() {
	local res=$BATS_TEST_TMPDIR/server.results
	start_wsserve --echo "${WSSERVE_ARGS[@]}"
	timeout 120 "$PY" "$CONFORM" server "$PORT" "$1" \
		"${CONFORM_SERVER_ARGS[@]}" >"$res" 2>&1 3>&- 4>&- || true
	kill -0 "$SERVER_PID" || fail "wsserve died: $(cat "$SERVER_ERR")"
	wait_for_clients 0 || fail "connections left open: $(cat "$SERVER_ERR")"
	show_results "$res"
}

# client_case NAME: conform.py client NAME, wscat --echo against it, and
# the exit status checked; the outcome goes to client.NAME/result.
client_case() {
	local name=$1 d=$BATS_TEST_TMPDIR/client.$1 pid port rc=0 want
	mkdir -p "$d"
	"$PY" "$CONFORM" client "$name" "${CONFORM_CLIENT_ARGS[@]}" \
		>"$d/peer.out" 2>"$d/peer.err" 3>&- 4>&- &
	pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/pids"
	if ! wait_until 10 grep -q '^PORT [0-9]' "$d/peer.out" 2>/dev/null; then
		echo "FAIL $name: conform.py did not listen: $(cat "$d/peer.err")" \
			>"$d/result"
		return
	fi
	port=$(sed -n 's/^PORT //p' "$d/peer.out")
	timeout 30 "$WSCAT" --echo "${WSCAT_ARGS[@]}" \
		"${CLIENT_SCHEME:-ws}://127.0.0.1:$port/" </dev/null \
		>/dev/null 2>"$d/wscat.err" 3>&- 4>&- || rc=$?
	wait "$pid" || true
	want=$(sed -n 's/^WSCAT-EXIT //p' "$d/peer.out")
	{
		if grep -q '^ok ' "$d/peer.out" && [[ " $want " == *" $rc "* ]]
		then
			grep '^ok ' "$d/peer.out"
		else
			if grep -q '^ok ' "$d/peer.out"; then
				echo "FAIL $name: wscat exited $rc, want $want" \
					"(every frame was as expected)"
			else
				grep -v '^PORT \|^WSCAT-EXIT ' "$d/peer.out"
				cat "$d/peer.err"
			fi
			echo "    wscat exited $rc; its stderr: $(cat "$d/wscat.err")"
		fi
	} >"$d/result"
}

# client_cases CATEGORY: every client-role case of CATEGORY, CLIENT_JOBS at
# a time, each with its own wscat --echo.
client_cases() {
	local names name running=() res=$BATS_TEST_TMPDIR/client.results
	mapfile -t names < <("$PY" "$CONFORM" list client "$1")
	for name in "${names[@]}"; do
		if [ "${#running[@]}" -ge "$CLIENT_JOBS" ]; then
			wait "${running[0]}" || true
			running=("${running[@]:1}")
		fi
		client_case "$name" &
		running+=($!)
	done
	for name in "${running[@]}"; do
		wait "$name" || true
	done
	: >"$res"
	for name in "${names[@]}"; do
		cat "$BATS_TEST_TMPDIR/client.$name/result" >>"$res" 2>/dev/null ||
			echo "FAIL $name: no result" >>"$res"
	done
	show_results "$res"
}
# --- end of the shared section -------------------------------------------

@test "conformance 1 framing (lengths, encodings, masking): wsserve --echo" {
	server_cases 1
}

@test "conformance 1 framing (lengths, encodings, masking): wscat --echo" {
	client_cases 1
}

@test "conformance 2 ping/pong: wsserve --echo" {
	server_cases 2
}

@test "conformance 2 ping/pong: wscat --echo" {
	client_cases 2
}

@test "conformance 3 reserved bits: wsserve --echo" {
	server_cases 3
}

@test "conformance 3 reserved bits: wscat --echo" {
	client_cases 3
}

@test "conformance 4 reserved opcodes: wsserve --echo" {
	server_cases 4
}

@test "conformance 4 reserved opcodes: wscat --echo" {
	client_cases 4
}

@test "conformance 5 fragmentation: wsserve --echo" {
	server_cases 5
}

@test "conformance 5 fragmentation: wscat --echo" {
	client_cases 5
}

@test "conformance 6 UTF-8: wsserve --echo" {
	server_cases 6
}

@test "conformance 6 UTF-8: wscat --echo" {
	client_cases 6
}

@test "conformance 7 close handshake and codes: wsserve --echo" {
	server_cases 7
}

@test "conformance 7 close handshake and codes: wscat --echo" {
	client_cases 7
}

@test "conformance 9 many and large messages: wsserve --echo" {
	server_cases 9
}

@test "conformance 9 many and large messages: wscat --echo" {
	client_cases 9
}

@test "conformance 10 frames in 1-byte writes: wsserve --echo" {
	server_cases 10
}

@test "conformance 10 frames in 1-byte writes: wscat --echo" {
	client_cases 10
}
