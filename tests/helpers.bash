# Shared set-up for the bats suites: paths; run_wscat and run_wsserve for
# the tools in the foreground (under timeout, the exit status checked, stdout
# and stderr apart) and assertions on stderr; start_wsserve, spawn and
# start_peer for anything in the background, each recorded by PID so that
# the one teardown stops it (suites add their own steps with on_teardown);
# bounded waits (never fixed sleeps).
# shellcheck shell=bash

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# make asan points WS_BIN_DIR at sanitizer builds.
WSSERVE=$ROOT/${WS_BIN_DIR:-.}/wsserve
WSCAT=$ROOT/${WS_BIN_DIR:-.}/wscat
# Debian's python3 has python3-websockets; a pyenv one on PATH may not.
PY=/usr/bin/python3
# shellcheck disable=SC2034 # for the suites
PEERS=$ROOT/tests/peers
# How long run_wscat and run_wsserve let a tool run, in seconds.
RUN_TIMEOUT=10

# ---- bounded waits ---------------------------------------------------------

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

# has_exited PID: PID is gone (a child of this shell: bash has reaped it).
has_exited() { ! kill -0 "$1" 2>/dev/null; }

# ---- wscat and wsserve in the foreground -----------------------------------

# run_wscat [--timeout SECONDS] [--out FILE] STATUS [ARGS...]
# run_wsserve [--timeout SECONDS] [--out FILE] STATUS [ARGS...]
#   Runs the tool with ARGS through bats' `run --separate-stderr` under
#   `timeout SECONDS` (RUN_TIMEOUT by default): $output and $lines hold its
#   stdout, $stderr and $stderr_lines its stderr, $status its exit status.
#   Fails, showing both, unless the status is STATUS: a number, '!' for any
#   failure but a timeout, '?' for anything but a timeout.  With --out FILE
#   stdout goes to FILE byte for byte (for cmp) and $output is empty.  The
#   tool reads the caller's stdin: redirect it where that matters.
run_wscat() { run_tool "$WSCAT" "$@"; }
run_wsserve() { run_tool "$WSSERVE" "$@"; }

# shellcheck disable=SC2154 # status, output and stderr: set by bats' run
run_tool() {
	local bin=$1 secs=$RUN_TIMEOUT out='' want why=''
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--timeout) secs=$2 ;;
		--out) out=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	want=${1-}
	[[ $want =~ ^([0-9]+|[?!])$ ]] || {
		fail "run_${bin##*/}: the expected exit status comes first, not '$want'"
		return
	}
	shift
	echo "\$ ${bin##*/} $*" >&2
	if [ -n "$out" ]; then
		run --separate-stderr to_file "$out" \
			timeout -k 5 "$secs" "$bin" "$@"
	else
		run --separate-stderr timeout -k 5 "$secs" "$bin" "$@"
	fi
	if [ "$status" -eq 124 ] && [ "$want" != 124 ]; then
		why="timed out after $secs s"
	elif [ "$want" = '!' ]; then
		[ "$status" -ne 0 ] || why='exited 0, want a failure'
	elif [ "$want" != '?' ] && [ "$status" -ne "$want" ]; then
		why="exited $status, want $want"
	fi
	[ -z "$why" ] || fail "${bin##*/} $why
--- stdout:
${output:0:4000}
--- stderr:
${stderr:0:4000}"
}

# assert_one_stderr_line REGEX: after `run --separate-stderr`, stderr is
# exactly one line and it matches the extended REGEX.
# shellcheck disable=SC2154 # stderr and stderr_lines: set by bats' run
assert_one_stderr_line() {
	[ "${#stderr_lines[@]}" -eq 1 ] ||
		fail "want one stderr line, got ${#stderr_lines[@]}: $stderr"
	[[ ${stderr_lines[0]} =~ $1 ]] ||
		fail "stderr line does not match /$1/: ${stderr_lines[0]}"
}

# assert_stderr_is LINE: stderr is exactly LINE (one line).
assert_stderr_is() {
	if [ "${#stderr_lines[@]}" -ne 1 ] || [ "$stderr" != "$1" ]; then
		fail "stderr: want '$1', got '$stderr'"
	fi
}

# assert_stderr_line LINE: after `run --separate-stderr`, one line of stderr
# is LINE (bats-assert's assert_line looks at stdout only).
assert_stderr_line() {
	local l
	for l in "${stderr_lines[@]}"; do
		[ "$l" != "$1" ] || return 0
	done
	fail "no stderr line '$1' in:
$stderr"
}

# strip_cr: after run_wscat -v, which prints the handshake heads as they
# went over the wire (a CR ends every line of a head but its last), the
# same stderr and stderr_lines without the CRs.
strip_cr() {
	stderr=${stderr//$'\r'/}
	mapfile -t stderr_lines <<<"$stderr"
}

# to_file FILE CMD...: CMD with its stdout in FILE.
to_file() {
	local file=$1
	shift
	"$@" >"$file"
}

# ---- processes in the background -------------------------------------------

# track_pid PID...: teardown kills each PID that is still running.  Works
# from subshells too (the list is a file).  A PID is killed only if it is
# still the process recorded (its start time is the same), never another
# process that got the number later.
track_pid() {
	local pid start
	for pid; do
		start=$(proc_start "$pid") &&
			echo "$pid $start" >>"$BATS_TEST_TMPDIR/.pids"
	done
	return 0
}

# proc_start PID: the start time of PID (/proc/PID/stat, field 22).
proc_start() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }	# the fields after the command name
	read -r -a stat <<<"$stat"
	echo "${stat[19]}"
}

# on_teardown CMD [ARGS...]: teardown runs CMD ARGS before it kills what
# is left, in the order registered (e.g. to let a process end cleanly).
TEARDOWN_CMDS=()
on_teardown() {
	TEARDOWN_CMDS+=("$(printf '%q ' "$@")")
}

# teardown: the steps on_teardown registered, then SIGKILL for every PID
# track_pid recorded and for every background job of the test's own shell
# (SERVER_PID among them): those are its children, so their PIDs cannot
# have gone to another process yet.
teardown() {
	local cmd pid start jobs
	for cmd in "${TEARDOWN_CMDS[@]}"; do
		eval "$cmd" || true
	done
	exec 4>&-
	jobs=$(jobs -p)
	disown -a	# or bash reports each job it sees killed
	if [ -f "$BATS_TEST_TMPDIR/.pids" ]; then
		while read -r pid start; do
			if [ "$(proc_start "$pid")" = "$start" ]; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
		done <"$BATS_TEST_TMPDIR/.pids"
	fi
	for pid in $jobs; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	return 0
}

# sh -c "$PID_TO" FILE CMD...: runs the program CMD with its PID written
# to FILE first.
# shellcheck disable=SC2016 # expanded by sh
PID_TO='echo $$ >"$0" && exec "$@"'

# pid_to FILE CMD...: the same as a command, for a member of a pipeline
# started in the background; pid_from FILE waits for FILE, records the
# PID for teardown and prints it.
pid_to() { sh -c "$PID_TO" "$@"; }
pid_from() {
	wait_until 5 test -s "$1" || return 1
	track_pid "$(<"$1")"
	cat "$1"
}

# spawn NAME SECONDS CMD...: runs the program CMD (not a shell function) in
# the background under `timeout SECONDS`, with the stdin given to spawn,
# its stdout in $BATS_TEST_TMPDIR/NAME.out and stderr in NAME.err; its exit
# status lands in NAME.rc when it ends (see wait_for_status).  Sets
# SPAWN_PID to the PID of CMD itself (not of timeout), for kill and /proc.
spawn() {
	local base=$BATS_TEST_TMPDIR/$1 secs=$2
	shift 2
	rm -f "$base.pid" "$base.rc"
	(
		rc=0
		timeout -k 5 "$secs" sh -c "$PID_TO" "$base.pid" "$@" \
			>"$base.out" 2>"$base.err" || rc=$?
		echo "$rc" >"$base.rc"
	) <&0 3>&- 4>&- 5>&- &	# <&0: an async list would get /dev/null
				# otherwise; 4>&- 5>&-: keep FIFOs from
				# staying open (wsserve's stdin, the page's)
	track_pid $!
	SPAWN_PID=$(pid_from "$base.pid")
}

# wait_for_status NAME STATUS [SECONDS]: what spawn NAME started ends, within
# SECONDS (5), with exit status STATUS.
wait_for_status() {
	local rc=$BATS_TEST_TMPDIR/$1.rc
	if ! wait_until "${3:-5}" test -s "$rc" || [ "$(<"$rc")" != "$2" ]; then
		echo "$1: status $(cat "$rc" 2>/dev/null), want $2; its stderr:" >&2
		cat "$BATS_TEST_TMPDIR/$1.err" >&2
		return 1
	fi
}

# start_peer NAME SECONDS CMD...: spawn NAME SECONDS CMD </dev/null for a
# peer that prints "PORT n" on stdout once it listens, and waits for that
# line.  Sets PEER_PID (CMD's PID) and PEER_PORT.
# shellcheck disable=SC2034 # PEER_PID and PEER_PORT: for the suites
start_peer() {
	local base=$BATS_TEST_TMPDIR/$1
	spawn "$@" </dev/null || return 1
	PEER_PID=$SPAWN_PID
	wait_until 10 grep -q '^PORT [0-9]' "$base.out" || {
		echo "$1 did not listen; its stderr:" >&2
		cat "$base.err" >&2
		return 1
	}
	PEER_PORT=$(sed -n 's/^PORT //p' "$base.out")
}

# ---- wsserve in the background ---------------------------------------------

# start_wsserve [ARGS...]: runs wsserve -p 0 ARGS in the background with
# stdin on a FIFO held open on fd 4 (server_send writes a line, server_eof
# closes it).  Sets SERVER_PID, PORT, SCHEME (ws or wss), URL, SERVER_OUT,
# SERVER_ERR.
# shellcheck disable=SC2034 # URL: for the suites
start_wsserve() {
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server.err
	SERVER_IN=$BATS_TEST_TMPDIR/server.in
	rm -f "$SERVER_IN" "$SERVER_OUT" "$SERVER_ERR"
	mkfifo "$SERVER_IN"
	"$WSSERVE" -p 0 "$@" <"$SERVER_IN" >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- 4>&- 5>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	exec 4>"$SERVER_IN"
	wait_until 5 server_ready_or_gone
	grep -qsF "listening on ws" "$SERVER_ERR" || {
		echo "wsserve did not start; its stderr:" >&2
		cat "$SERVER_ERR" >&2
		return 1
	}
	PORT=$(sed -n 's|.*listening on wss\{0,1\}://.*:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR" | head -1)
	SCHEME=$(sed -n 's|.*listening on \(wss\{0,1\}\)://.*|\1|p' \
		"$SERVER_ERR" | head -1)
	URL=$SCHEME://127.0.0.1:$PORT/
}

server_ready_or_gone() {
	grep -qsF "listening on ws" "$SERVER_ERR" || has_exited "$SERVER_PID"
}

server_send() { printf '%s\n' "$@" >&4; }
server_eof() { exec 4>&-; }

# reap_wsserve: the exit status of a wsserve that has exited, in
# SERVER_STATUS.
# shellcheck disable=SC2034 # SERVER_STATUS: for the suites
reap_wsserve() {
	SERVER_STATUS=0
	wait "$SERVER_PID" || SERVER_STATUS=$?
	SERVER_PID=
}

# stop_wsserve [SIGNAL [SECONDS]]: signals the server (TERM by default),
# waits up to SECONDS (10) for it to exit and sets SERVER_STATUS.
stop_wsserve() {
	kill -"${1:-TERM}" "$SERVER_PID" 2>/dev/null
	wait_until "${2:-10}" has_exited "$SERVER_PID" || return 1
	reap_wsserve
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
