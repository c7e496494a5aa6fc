#!/usr/bin/env bats
# wsserve at a terminal (a tmux pane): the console (prompt, line editing,
# history, slash commands), what clients send shown escaped with marks
# and colours, and the pipe behaviour kept when stdin or stdout is not a
# terminal.

load helpers
load tty_helpers

# tty_wsserve [ARGS...]: wsserve -p 0 ARGS in the terminal, waited for
# until it prompts; sets PORT and URL from its first line.
tty_wsserve() {
	tty_start "$WSSERVE" -p 0 "$@" || return 1
	tty_ready || return 1
	tty_wait_for '^> $'
}

# tty_ready: the first line of the screen is wsserve's ready line; sets
# PORT and URL from it.
tty_ready() {
	tty_wait_for '^wsserve: listening on ws://127\.0\.0\.1:[0-9]+/$' ||
		return 1
	PORT=$(tty_screen | sed -n \
		'1s|^wsserve: listening on ws://127\.0\.0\.1:\([0-9]*\)/$|\1|p')
	if [ -z "$PORT" ]; then
		echo "the ready line is not the first; the screen:" >&2
		tty_screen >&2
		return 1
	fi
	URL=ws://127.0.0.1:$PORT/
}

# client NAME [ARGS...]: tests/peers/tty_client.py on $URL with ARGS, in
# the background (spawn NAME): what it receives goes to NAME.out.
client() {
	local name=$1
	shift
	spawn "$name" 30 "$PY" "$PEERS/tty_client.py" "$URL" "$@" </dev/null
}

# connected ID: waits for the "+ID 127.0.0.1:PORT connected" line; sets
# CPORT to the client's port.
connected() {
	tty_wait_for "^\\+$1 127\\.0\\.0\\.1:[0-9]+ connected" || return 1
	CPORT=$(tty_screen |
		sed -n "s/^+$1 127\\.0\\.0\\.1:\\([0-9]*\\) connected.*/\\1/p")
}

# tty_line TEXT: TEXT typed, then Enter.
tty_line() {
	tty_type "$1"
	tty_keys Enter
}

# received NAME: what client NAME printed, in $output (bats' run).
received() {
	run cat "$BATS_TEST_TMPDIR/$1.out"
}

# help_shown N: the help is on the screen N times.
help_shown() {
	[ "$(tty_screen | grep -c '^/help')" -eq "$1" ]
}

# quit_and_check: /quit typed; wsserve must exit 0.
quit_and_check() {
	tty_line /quit
	run tty_wait_status
	assert_output 0
}

@test "at a terminal wsserve prompts and numbers clients from 1 on green connected lines" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	client c2 --wait 10
	connected 2
	tty_wait_last '> '
	run tty_sgr_at "+1 127.0.0.1:"
	assert_output 32
	run tty_sgr_at "+2 127.0.0.1:"
	assert_output 32
	# The prompt stays on the last line, below what was printed.
	run tty_screen
	assert_line --index 1 --regexp '^\+1 127\.0\.0\.1:[0-9]+ connected$'
	assert_line --index 2 --regexp '^\+2 127\.0\.0\.1:[0-9]+ connected$'
	assert_line --index 3 '> '
	quit_and_check
}

@test "the connected line names the subprotocol wsserve agreed to" {
	tty_wsserve --subprotocol chat
	client c1 -s chat --wait 10
	connected 1
	client c2 --wait 10
	connected 2
	run tty_screen
	assert_line --regexp "^\\+1 127\\.0\\.0\\.1:[0-9]+ connected \\(subprotocol: chat\\)$"
	assert_line --regexp "^\\+2 127\\.0\\.0\\.1:[0-9]+ connected$"
	quit_and_check
}

@test "a text message shows as <ID TEXT in blue, a binary one as its first 32 bytes in hex" {
	tty_wsserve
	client c1 -t hello -b 000162696eff \
		-b 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627 \
		--wait 10
	connected 1
	tty_wait_for '^<1 \[binary, 40 bytes\]'
	tty_wait_last '> '
	run tty_screen
	assert_line --index 2 '<1 hello'
	assert_line --index 3 '<1 [binary, 6 bytes] 00 01 62 69 6e ff'
	assert_line --index 4 '<1 [binary, 40 bytes] 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f ... (8 more)'
	assert_line --index 5 '> '
	run tty_sgr_at '<1 hello'
	assert_output 34
	quit_and_check
}

@test "control characters a client sends are shown escaped, never acted on" {
	tty_wsserve
	title=$(tty_title)
	client c1 -j '"\u001b[2J\u001b]0;PWNED\u0007FAKE: wscat: connected"' \
		-j '"one\ntwo\rthree"' -j '"\u009b31mc1"' -j '"\u202eevil"' \
		--wait 10
	connected 1
	tty_wait_for '^<1 .u202eevil$'
	tty_wait_last '> '
	run tty_screen
	# Nothing was cleared: the first lines are still there.
	assert_line --index 0 "wsserve: listening on $URL"
	assert_line --index 1 --regexp '^\+1 127\.0\.0\.1:[0-9]+ connected$'
	assert_line --index 2 '<1 \x1b[2J\x1b]0;PWNED\x07FAKE: wscat: connected'
	assert_line --index 3 '<1 one\ntwo\rthree'
	assert_line --index 4 '<1 \u009b31mc1'
	assert_line --index 5 '<1 \u202eevil'
	assert_line --index 6 '> '
	run tty_title
	refute_output --partial PWNED
	assert_output "$title"
	quit_and_check
}

@test "a typed line goes to every open client exactly" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	client c2 --wait 10
	connected 2
	tty_line 'hello, both of you  '
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "hello, both of you  "'
	wait_for_line "$BATS_TEST_TMPDIR/c2.out" 'text "hello, both of you  "'
	quit_and_check
	wait_for_status c1 0
	wait_for_status c2 0
	received c1
	assert_output $'text "hello, both of you  "\nclose 1001'
	received c2
	assert_output $'text "hello, both of you  "\nclose 1001'
}

@test "a line typed with no client open is reported and never sent later" {
	tty_wsserve
	tty_line 'for nobody'
	tty_wait_for '^\(no clients; not sent\)$'
	client c1 --wait 10
	connected 1
	tty_line 'for c1'
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "for c1"'
	quit_and_check
	wait_for_status c1 0
	received c1
	assert_output $'text "for c1"\nclose 1001'
}

@test "a message that comes while a line is half typed goes above the prompt, and the line goes on" {
	tty_wsserve
	mkfifo "$BATS_TEST_TMPDIR/c1.in"
	exec 5<>"$BATS_TEST_TMPDIR/c1.in"
	spawn c1 30 "$PY" "$PEERS/tty_client.py" "$URL" --stdin --wait 20 \
		<"$BATS_TEST_TMPDIR/c1.in"
	connected 1
	tty_type 'half of'
	tty_wait_for '^> half of$'
	echo 'from the client' >&5
	tty_wait_for '^<1 from the client$'
	tty_wait_last '> half of'
	run tty_screen
	assert_line --index 2 '<1 from the client'
	assert_line --index 3 '> half of'
	tty_type ' a line'
	tty_wait_for '^> half of a line$'
	tty_keys Enter
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "half of a line"'
	quit_and_check
	wait_for_status c1 0
	received c1
	assert_output $'text "half of a line"\nclose 1001'
}

@test "Left arrow moves back in the line being typed" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	tty_type abc
	tty_keys Left Left
	tty_type X
	tty_wait_for '^> aXbc$'
	tty_keys Enter
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "aXbc"'
	quit_and_check
	wait_for_status c1 0
	received c1
	assert_output $'text "aXbc"\nclose 1001'
}

@test "the history outlives the run, in XDG_STATE_HOME/wsserve/history, and Up brings it back" {
	local history=$BATS_TEST_TMPDIR/state/wsserve/history
	tty_wsserve
	tty_line 'remember me'
	tty_wait_for '^\(no clients; not sent\)$'
	quit_and_check
	[ -s "$history" ]
	grep -q remember "$history"
	tty_stop
	tty_wsserve
	# Up: the last line first, /quit, then the one before it.
	tty_keys Up
	tty_wait_for '^> /quit$'
	tty_keys Up
	tty_wait_for '^> remember me$'
	client c1 --wait 10
	connected 1
	tty_wait_for '^> remember me$'
	tty_keys Enter
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "remember me"'
	quit_and_check
}

@test "--no-history writes no history file" {
	tty_wsserve --no-history
	tty_line 'forget me'
	tty_wait_for '^\(no clients; not sent\)$'
	quit_and_check
	[ ! -e "$BATS_TEST_TMPDIR/state/wsserve/history" ]
	# And the next run has nothing to bring back.
	tty_stop
	tty_wsserve
	tty_keys Up
	tty_type X
	tty_wait_for '^> X$'
}

@test "/list shows each open client's id, address, seconds connected and subprotocol" {
	tty_wsserve --subprotocol chat
	tty_line /list
	tty_wait_for '^\(no clients\)$'
	client c1 --wait 10
	connected 1
	local p1=$CPORT
	client c2 -s chat --wait 10
	connected 2
	local p2=$CPORT
	tty_line /list
	tty_wait_for '^2 '
	run tty_screen
	assert_line --regexp "^1 +127\\.0\\.0\\.1:$p1 +[0-9]+s *\$"
	assert_line --regexp "^2 +127\\.0\\.0\\.1:$p2 +[0-9]+s chat\$"
	quit_and_check
}

@test "/to ID TEXT sends to that client only, and names a client that is not open" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	client c2 --wait 10
	connected 2
	tty_line '/to 2 only for two'
	wait_for_line "$BATS_TEST_TMPDIR/c2.out" 'text "only for two"'
	tty_line '/to 9 x'
	tty_wait_for '^no open client 9$'
	tty_line 'for all'
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "for all"'
	wait_for_line "$BATS_TEST_TMPDIR/c2.out" 'text "for all"'
	quit_and_check
	wait_for_status c1 0
	wait_for_status c2 0
	received c1
	assert_output $'text "for all"\nclose 1001'
	received c2
	assert_output $'text "only for two"\ntext "for all"\nclose 1001'
}

@test "/close ID CODE REASON closes that client with them" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	local p1=$CPORT
	client c2 --wait 10
	connected 2
	tty_line '/close 1 4001 bye'
	wait_for_status c1 0
	received c1
	assert_output 'close 4001 bye'
	tty_wait_for "^-1 127\\.0\\.0\\.1:$p1 disconnected \\(code: 4001, reason: \"bye\"\\)\$"
	# The other one is still open.
	tty_line still
	wait_for_line "$BATS_TEST_TMPDIR/c2.out" 'text "still"'
	quit_and_check
}

@test "/kick ID drops that client with 1008" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	local p1=$CPORT
	tty_line '/kick 1'
	wait_for_status c1 0
	received c1
	assert_output --regexp '^close 1008( .*)?$'
	tty_wait_for "^-1 127\\.0\\.0\\.1:$p1 disconnected \\(.+\\)\$"
	quit_and_check
}

@test "/help lists the commands, and an unknown command shows them and sends nothing" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	tty_line /help
	tty_wait_for '^/help'
	run tty_screen
	for cmd in list to close kick quit help; do
		assert_line --regexp "^/$cmd( |\$)"
	done
	tty_line /nope
	tty_wait_for '^unknown command /nope \(/help lists them\)$'
	# The help again, after that line.
	wait_until 5 help_shown 2
	tty_wait_last '> '
	run tty_screen
	assert_output --regexp "unknown command /nope \(/help lists them\)
/list.*
/to .*
/close .*
/kick .*
/quit.*
/help.*
> \$"
	tty_line after
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "after"'
	quit_and_check
	wait_for_status c1 0
	received c1
	assert_output $'text "after"\nclose 1001'
}

@test "//TEXT sends /TEXT" {
	tty_wsserve
	client c1 --wait 10
	connected 1
	tty_line //hi
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "/hi"'
	quit_and_check
	wait_for_status c1 0
	received c1
	assert_output $'text "/hi"\nclose 1001'
}

@test "/quit, Ctrl-D at an empty prompt and Ctrl-C each close every client with 1001 and exit 0" {
	local how
	for how in /quit C-d C-c; do
		echo "--- $how"
		tty_wsserve
		client c1 --wait 10
		connected 1
		client c2 --wait 10
		connected 2
		case $how in
		/*) tty_line "$how" ;;
		*) tty_keys "$how" ;;
		esac
		run tty_wait_status
		assert_output 0
		wait_for_status c1 0
		wait_for_status c2 0
		received c1
		assert_output 'close 1001'
		received c2
		assert_output 'close 1001'
		tty_stop
	done
}

@test "a client closing normally shows a disconnected line with code 1000 and no reason" {
	tty_wsserve
	client c1 -t bye --wait 0
	wait_for_status c1 0
	tty_wait_for '^-1 '
	tty_wait_last '> '
	run tty_screen
	assert_line --index 1 --regexp '^\+1 127\.0\.0\.1:[0-9]+ connected$'
	assert_line --index 2 '<1 bye'
	assert_line --index 3 --regexp '^-1 127\.0\.0\.1:[0-9]+ disconnected \(code: 1000, reason: ""\)$'
	assert_line --index 4 '> '
	run tty_sgr_at '-1 127.0.0.1:'
	assert_output 32
	quit_and_check
}

@test "NO_COLOR, --no-color and --color never show no colour at all" {
	local how
	for how in env-NO_COLOR --no-color --color=never; do
		echo "--- $how"
		if [ "$how" = env-NO_COLOR ]; then
			tty_start env NO_COLOR=1 "$WSSERVE" -p 0
			tty_ready
			tty_wait_for '^> $'
		else
			tty_wsserve "$how"
		fi
		client c1 -t hello -b 00ff --wait 0
		tty_wait_for '^-1 '
		tty_line /nope
		tty_wait_for '^unknown command'
		run tty_screen -e
		assert_line '<1 hello'
		refute_output --partial $'\e['
		tty_stop
	done
}

@test "with stdout not a terminal nothing changes: raw message bytes, no prompt, marks, colour or commands" {
	# --color always is for the terminal only.
	start_wsserve --color always
	server_send /list
	client c1 -t $'\e[31mred\e[0m\r' -b 000162696eff0a --wait 2
	wait_for_status c1 0 10
	received c1
	assert_output $'text "/list"\nclose 1000'
	wait_for_text "$SERVER_ERR" disconnected
	cmp "$SERVER_OUT" <(printf '\033[31mred\033[0m\r\n\000\001bin\377\n\n')
	run cat "$SERVER_ERR"
	assert_line --index 1 --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ connected$'
	refute_output --partial $'\e'
	refute_output --partial '> '
}

@test "with stdout a terminal and stdin not, messages are shown escaped without a prompt, and stdin waits for a client" {
	local in=$BATS_TEST_TMPDIR/wsserve.in
	mkfifo "$in"
	exec 5<>"$in"
	# shellcheck disable=SC2016 # expanded by the pane's sh
	tty_start sh -c 'exec "$0" -p 0 <"$1"' "$WSSERVE" "$in"
	tty_ready
	echo 'sent before any client' >&5
	client c1 -j '"\u001b[2Jraw?"' --wait 10
	connected 1
	tty_wait_for '^<1 \\x1b\[2Jraw\?$'
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "sent before any client"'
	echo /quit >&5
	wait_for_line "$BATS_TEST_TMPDIR/c1.out" 'text "/quit"'
	run tty_screen
	assert_line --index 0 "wsserve: listening on $URL"
	assert_line --index 1 --regexp '^\+1 127\.0\.0\.1:[0-9]+ connected$'
	assert_line --index 2 '<1 \x1b[2Jraw?'
	refute_line --regexp '^>'
	refute_line --partial 'not sent'
	# No console: no history either.
	[ ! -e "$BATS_TEST_TMPDIR/state/wsserve/history" ]
	kill -TERM "$TTY_PID"
	run tty_wait_status
	assert_output 0
	wait_for_status c1 0
	received c1
	assert_output $'text "sent before any client"\ntext "/quit"\nclose 1001'
}
