# The harness of conformance.bats and conformance_tls.bats: the cases of
# tests/peers/conform.py run against wsserve --echo (server_cases) and
# wscat --echo (client_cases).  Load after helpers.
# shellcheck shell=bash
# Settings a caller may add: WSSERVE_ARGS, WSCAT_ARGS, CONFORM_SERVER_ARGS,
# CONFORM_CLIENT_ARGS (arrays) and CLIENT_SCHEME (ws or wss).

CONFORM=$PEERS/conform.py
CLIENT_JOBS=6		# client-role cases run this many at a time

# show_results FILE: non-strict cases go to the TAP log as comments; the
# test fails listing every failing case.
show_results() {
	local ok bad
	ok=$(grep -c '^ok ' "$1" || true)
	grep '^ok .*(non-strict' "$1" | sed 's/^/# /' >&3 || true
	bad=$(grep -c '^FAIL ' "$1" || true)
	echo "# $ok cases ok, $bad failed" >&3
	if [ "$bad" -ne 0 ] || [ "$ok" -eq 0 ]; then
		fail "$(awk '/^FAIL /{p=1} /^ok /{p=0} p' "$1")"
	fi
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
	local name=$1 d=$BATS_TEST_TMPDIR/client.$1 rc=0 want
	mkdir -p "$d"
	if ! start_peer "client.$name/peer" 60 "$PY" "$CONFORM" client "$name" \
		"${CONFORM_CLIENT_ARGS[@]}" 2>/dev/null; then
		echo "FAIL $name: conform.py did not listen: $(cat "$d/peer.err")" \
			>"$d/result"
		return
	fi
	# In the background with the others, and its stdout can be 16 MiB:
	# not for run_wscat.
	timeout 30 "$WSCAT" --echo "${WSCAT_ARGS[@]}" \
		"${CLIENT_SCHEME:-ws}://127.0.0.1:$PEER_PORT/" </dev/null \
		>/dev/null 2>"$d/wscat.err" 3>&- 4>&- || rc=$?
	wait_until 30 test -e "$d/peer.rc" 2>/dev/null || true
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
		track_pid $!
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
