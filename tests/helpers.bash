# Shared set-up for the bats suites: paths, a wsserve started on a free
# port with its stdin on a FIFO, and bounded waits (never fixed sleeps).

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# make asan points WS_BIN_DIR at sanitizer builds.
WSSERVE=$ROOT/${WS_BIN_DIR:-.}/wsserve
WSCAT=$ROOT/${WS_BIN_DIR:-.}/wscat
# Debian's python3 has python3-websockets; a pyenv one on PATH may not.
PY=/usr/bin/python3
PEERS=$ROOT/tests/peers

# wait_until SECONDS CMD...: polls CMD every 50 ms, fails after SECONDS.
wait_until() {
	local limit=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		if [ $i -ge $((limit * 20)) ]; then
			echo "timed out after ${limit}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# wait_for_line FILE LINE [SECONDS]: FILE gets a line equal to LINE.
wait_for_line() {
	wait_until "${3:-5}" grep -qsxF -- "$2" "$1"
}

# wait_for_text FILE TEXT [SECONDS]: FILE gets TEXT anywhere.
wait_for_text() {
	wait_until "${3:-5}" grep -qsF -- "$2" "$1"
}

# wait_for_lines FILE N [SECONDS]: FILE has at least N lines.
has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_for_lines() {
	wait_until "${3:-5}" has_lines "$1" "$2"
}

# start_wsserve [ARGS...]: runs wsserve -p 0 ARGS in the background with
# stdin on a FIFO held open on fd 4 (server_send writes a line, server_eof
# closes it).  Sets SERVER_PID, PORT, SCHEME (ws or wss), URL, SERVER_OUT,
# SERVER_ERR.
start_wsserve() {
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	SERVER_IN=$BATS_TEST_TMPDIR/server.in
	rm -f "$SERVER_IN" "$SERVER_OUT" "$SERVER_ERR"
	mkfifo "$SERVER_IN"
	"$WSSERVE" -p 0 "$@" <"$SERVER_IN" >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- 4>&- &
	SERVER_PID=$!
	exec 4>"$SERVER_IN"
	wait_for_text "$SERVER_ERR" "listening on ws" || {
		cat "$SERVER_ERR" >&2
		return 1
	}
	PORT=$(sed -n 's|.*listening on wss\{0,1\}://.*:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR" | head -1)
	SCHEME=$(sed -n 's|.*listening on \(wss\{0,1\}\)://.*|\1|p' \
		"$SERVER_ERR" | head -1)
	URL=$SCHEME://127.0.0.1:$PORT/
}

server_send() { printf '%s\n' "$@" >&4; }
server_eof() { exec 4>&-; }

# stop_wsserve [SIGNAL]: signals the server and waits for it; sets
# SERVER_STATUS.
stop_wsserve() {
	kill -"${1:-TERM}" "$SERVER_PID" 2>/dev/null
	SERVER_STATUS=0
	wait "$SERVER_PID" || SERVER_STATUS=$?
	SERVER_PID=
}

# open_clients: number of clients wsserve has logged as connected and not
# yet as gone.
open_clients() {
	local c d
	c=$(grep -c ' connected$' "$SERVER_ERR")
	d=$(grep -c ' disconnected (' "$SERVER_ERR")
	echo $((c - d))
}
clients_are() { [ "$(open_clients)" -eq "$1" ]; }
wait_for_clients() { wait_until "${2:-5}" clients_are "$1"; }

# free_port: a port nothing listens on right now.
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

teardown() {
	exec 4>&- 2>/dev/null || true
	if [ -n "${SERVER_PID:-}" ]; then
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [ -n "${PEER_PID:-}" ]; then
		kill -KILL "$PEER_PID" 2>/dev/null || true
		wait "$PEER_PID" 2>/dev/null || true
	fi
}

# run_bg NAME CMD...: runs CMD in the background with stdout and stderr in
# $BATS_TEST_TMPDIR/NAME.out and NAME.err and stdin as given to run_bg; its
# exit status lands in NAME.rc when it ends (see wait_for_status).
run_bg() {
	local name=$1
	shift
	(
		rc=0
		"$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" || rc=$?
		echo "$rc" >"$BATS_TEST_TMPDIR/$name.rc"
	) <&0 3>&- 4>&- &	# <&0: an async list would get /dev/null otherwise;
				# 4>&-: keep the server FIFO from staying open
}

# wait_for_status NAME STATUS [SECONDS]
wait_for_status() {
	wait_for_line "$BATS_TEST_TMPDIR/$1.rc" "$2" "${3:-5}" || {
		echo "status: $(cat "$BATS_TEST_TMPDIR/$1.rc" 2>/dev/null)" >&2
		cat "$BATS_TEST_TMPDIR/$1.err" >&2
		return 1
	}
}
