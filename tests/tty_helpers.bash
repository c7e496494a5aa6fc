# Terminal tests: a program run in a real terminal, a tmux pane of its own
# tmux server (one per test, on its own socket, gone at teardown), driven
# by keys and read from the screen.  Load after helpers:
#   load helpers
#   load tty_helpers
# shellcheck shell=bash

# The pane's size.
TTY_COLS=120
TTY_ROWS=30

# tty_tmux ARGS...: tmux on this test's server, its socket in the test's
# directory (a socket path has at most 107 bytes: else one in tmux's own
# directory, named after the test's PID).  -f /dev/null: no user
# configuration; TMUX unset: never the tmux the tests may run in.
tty_tmux() {
	local sock=(-S "$BATS_TEST_TMPDIR/tmux")
	[ ${#BATS_TEST_TMPDIR} -le 100 ] || sock=(-L "wsst$$-$BATS_TEST_NUMBER")
	env -u TMUX tmux "${sock[@]}" -f /dev/null "$@"
}

# tty_start PROGRAM [ARGS...]: runs PROGRAM ARGS (a program, not shell
# text: use `sh -c` for a pipeline) in a new 120x30 pane through sh -c,
# with TERM=xterm-256color, XDG_STATE_HOME=$BATS_TEST_TMPDIR/state and
# NO_COLOR unset (use `env NO_COLOR=1 PROGRAM` to set it).  When PROGRAM
# ends, its exit status goes to $BATS_TEST_TMPDIR/tty.status (see
# tty_wait_status) and the pane stays as it was.  Sets TTY_PID, PROGRAM's
# PID, and TTY_SERVER, the tmux server's.  Teardown kills the tmux server
# and with it everything in the pane.
# shellcheck disable=SC2016 # expanded by the pane's sh
# shellcheck disable=SC2034 # TTY_PID: for the suites
tty_start() {
	local d=$BATS_TEST_TMPDIR
	rm -f "$d/tty.status" "$d/tty.pid"
	mkdir -p "$d/state"
	on_teardown tty_stop
	# The pane's sh outlives a Ctrl-C that PROGRAM survives (trap :, not
	# trap '': PROGRAM gets SIGINT's default disposition back).  3>&-
	# 4>&- 5>&-: the server must not hold bats' pipe or a FIFO open.
	tty_tmux new-session -d -s tty -x "$TTY_COLS" -y "$TTY_ROWS" -- \
		sh -c '
			d=$1
			shift
			trap : INT
			unset NO_COLOR
			export XDG_STATE_HOME="$d/state" TERM=xterm-256color
			sh -c "$0" "$d/tty.pid" "$@"
			echo $? >"$d/tty.status"
			exec sleep 600' \
		"$PID_TO" "$d" "$@" 3>&- 4>&- 5>&- || return 1
	TTY_SERVER=$(tty_tmux display -p '#{pid}') && track_pid "$TTY_SERVER"
	TTY_PID=$(pid_from "$d/tty.pid") || {
		echo "tty_start: $1 did not start; the screen:" >&2
		tty_screen >&2
		return 1
	}
}

# tty_stop: the tmux server killed, and the program in its pane with it
# (SIGHUP), for a tty_start again in the same test.
tty_stop() {
	tty_tmux kill-server 2>/dev/null || true
	wait_until 5 tty_gone "$TTY_SERVER" && wait_until 5 tty_gone "$TTY_PID"
}

# tty_gone PID: PID has exited.  Not has_exited (kill -0): the tmux server
# and, once its pane is gone, the program are no children of the test,
# and stay zombies until whoever adopted them reaps them.
tty_gone() {
	local stat
	[ -n "$1" ] || return 0
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

# tty_keys ARGS...: tmux send-keys to the pane: key names (Enter, Left,
# C-c, ...) or, after -l, literal text.
tty_keys() {
	tty_tmux send-keys -t tty "$@"
}

# tty_type TEXT: TEXT typed, as it is (no key names).
tty_type() {
	tty_keys -l -- "$1"
}

# tty_screen [-e]: the pane's visible lines, trailing spaces kept (so an
# empty prompt is "> ") and lines wider than the pane joined again; -e:
# with the colours as SGR escape sequences.
tty_screen() {
	tty_tmux capture-pane -p -J -N -t tty "$@"
}

# tty_has REGEX: a line of the screen matches the extended REGEX.
tty_has() {
	tty_screen | grep -qE -- "$1"
}

# tty_wait_for REGEX [SECONDS]: waits up to SECONDS (5) for a line of the
# screen to match the extended REGEX; prints the screen if none does.
tty_wait_for() {
	wait_until "${2:-5}" tty_has "$1" && return 0
	echo "no line of the screen matches /$1/; the screen:" >&2
	tty_screen >&2
	return 1
}

# tty_last_is LINE: the last line of the screen that is not empty is LINE.
tty_last_is() {
	[ "$(tty_screen | grep -v '^$' | tail -n 1)" = "$1" ]
}

# tty_wait_last LINE [SECONDS]: waits up to SECONDS (5) for the last line
# of the screen that is not empty to be LINE (a prompt back on the screen,
# below what was printed); prints the screen if it does not come.
tty_wait_last() {
	wait_until "${2:-5}" tty_last_is "$1" && return 0
	echo "the last line of the screen is not '$1'; the screen:" >&2
	tty_screen >&2
	return 1
}

# tty_wait_status [SECONDS]: waits up to SECONDS (5) for the program
# tty_start ran to end and prints its exit status.
tty_wait_status() {
	local f=$BATS_TEST_TMPDIR/tty.status
	if ! wait_until "${1:-5}" test -s "$f"; then
		echo "the program in the terminal is still running; the screen:" >&2
		tty_screen >&2
		return 1
	fi
	cat "$f"
}

# tty_title: the pane's title, as the program may have set it (OSC 0/2).
tty_title() {
	tty_tmux display -p -t tty '#{pane_title}'
}

# tty_sgr_at TEXT: the parameters of the last SGR escape sequence before
# the first TEXT on the screen ("32" for green, "39" or "0" for the
# default colour), or nothing when there is none before it: the colour
# TEXT is shown in.  Fails if TEXT is not on the screen.
tty_sgr_at() {
	local screen before sgr
	screen=$(tty_screen -e)
	before=${screen%%"$1"*}
	if [ "$before" = "$screen" ]; then
		echo "tty_sgr_at: '$1' is not on the screen:" >&2
		echo "$screen" >&2
		return 1
	fi
	case $before in
	*$'\e['*) ;;
	*) return 0 ;;
	esac
	sgr=${before##*$'\e['}
	echo "${sgr%%m*}"
}
