#!/usr/bin/env bats
# wscat at a terminal (a tmux pane): the console (Connected and
# Disconnected notices, prompt, line editing, history, slash commands,
# -P), what the server sends shown escaped with marks and colours; and the
# same features with stdin and stdout pipes, where wscat stays byte-exact
# and silent.

load helpers
load tty_helpers

# tty_wscat [ARGS...]: wscat ARGS $URL in the terminal, waited for until
# it has said Connected and prompts.
tty_wscat() {
	tty_start "$WSCAT" "$@" "$URL" || return 1
	tty_wait_for '^Connected \(press CTRL\+D to quit\)' || return 1
	tty_wait_last '> '
}

# peer [ARGS...]: tests/peers/tty_server.py ARGS in the background (start_peer
# peer): what it receives goes to peer.out; sets URL.
peer() {
	start_peer peer 40 "$PY" "$PEERS/tty_server.py" "$@" || return 1
	URL=ws://127.0.0.1:$PEER_PORT/
}

# peer_got: what the peer received, in $output (bats' run), without its
# PORT line.
peer_got() {
	run sed 1d "$BATS_TEST_TMPDIR/peer.out"
}

# tty_line TEXT: TEXT typed, then Enter.
tty_line() {
	tty_type "$1"
	tty_keys Enter
}

# exits_with STATUS: the program in the terminal ends with STATUS.
exits_with() {
	run tty_wait_status
	assert_output "$1"
}

# server_out_is FORMAT: wsserve's stdout is what printf FORMAT prints,
# byte for byte.
server_out_is() {
	# shellcheck disable=SC2059 # the format is the point
	cmp "$SERVER_OUT" <(printf "$1")
}

# wait_for_disconnect [N]: wsserve has logged N (1) disconnect lines.
disconnects_are() {
	[ "$(grep -c ' disconnected (' "$SERVER_ERR")" -ge "$1" ]
}
wait_for_disconnect() {
	wait_until 5 disconnects_are "${1:-1}"
}

# disconnected_with HOW: waits for wsserve's log line that its one client
# disconnected with HOW ('1000', '4002 "done"').
disconnected_with() {
	wait_for_line "$SERVER_ERR" \
		"$(sed -n "s/ connected\$/ disconnected ($1)/p" "$SERVER_ERR")"
}

@test "at a terminal wscat says Connected in green, then prompts" {
	start_wsserve
	tty_wscat
	run tty_screen
	assert_line --index 0 'Connected (press CTRL+D to quit)'
	assert_line --index 1 '> '
	run tty_sgr_at 'Connected (press'
	assert_output 32
	tty_keys C-d
	exits_with 0
}

@test "the Connected line names the subprotocol the server agreed to" {
	start_wsserve --subprotocol chat
	tty_wscat -s chat
	run tty_screen
	assert_line --index 0 'Connected (press CTRL+D to quit) (subprotocol: chat)'
	tty_keys C-d
	exits_with 0
}

@test "a typed line goes to the server exactly, and a text reply shows as < TEXT in blue" {
	start_wsserve
	tty_wscat
	tty_line '  hello, world  '
	wait_for_line "$SERVER_OUT" '  hello, world  '
	server_send 'from the server'
	tty_wait_for '^< from the server$'
	tty_wait_last '> '
	run tty_screen
	assert_line --index 1 '>   hello, world  '
	assert_line --index 2 '< from the server'
	assert_line --index 3 '> '
	run tty_sgr_at '< from the server'
	assert_output 34
	tty_keys C-d
	exits_with 0
	server_out_is '  hello, world  \n'
}

@test "a binary message shows as its length and bytes in hex" {
	start_wsserve
	tty_wscat
	# wsserve sends a line that is not UTF-8 as a binary message.
	printf '\000\001bin\377\n' >&4
	tty_wait_for '^< \[binary'
	run tty_screen
	assert_line --index 1 '< [binary, 6 bytes] 00 01 62 69 6e ff'
	tty_keys C-d
	exits_with 0
}

@test "control characters and escape sequences the server sends are shown escaped, never acted on" {
	start_wsserve
	tty_wscat
	title=$(tty_title)
	printf '\033[2J\033]0;PWNED\007FAKE: wscat: connected to ws://bank.example/\n' >&4
	printf 'one\rtwo\302\23331m \342\200\256evil\n' >&4
	tty_wait_for 'evil$'
	tty_wait_last '> '
	run tty_screen
	# Nothing was cleared: the first line is still there.
	assert_line --index 0 'Connected (press CTRL+D to quit)'
	assert_line --index 1 '< \x1b[2J\x1b]0;PWNED\x07FAKE: wscat: connected to ws://bank.example/'
	assert_line --index 2 '< one\rtwo\u009b31m \u202eevil'
	assert_line --index 3 '> '
	run tty_title
	refute_output --partial PWNED
	assert_output "$title"
	tty_keys C-d
	exits_with 0
}

@test "a message that comes while a line is half typed goes above the prompt, and the line goes on" {
	start_wsserve
	tty_wscat
	tty_type 'half of'
	tty_wait_for '^> half of$'
	server_send 'from the server'
	tty_wait_for '^< from the server$'
	tty_wait_last '> half of'
	run tty_screen
	assert_line --index 1 '< from the server'
	assert_line --index 2 '> half of'
	tty_type ' a line'
	tty_wait_for '^> half of a line$'
	tty_keys Enter
	wait_for_line "$SERVER_OUT" 'half of a line'
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	# Sent once, whole.
	server_out_is 'half of a line\n'
}

@test "Left arrow moves back in the line being typed" {
	start_wsserve
	tty_wscat
	tty_type abc
	tty_keys Left Left
	tty_type X
	tty_wait_for '^> aXbc$'
	tty_keys Enter
	wait_for_line "$SERVER_OUT" aXbc
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	server_out_is 'aXbc\n'
}

@test "the history outlives the run, in XDG_STATE_HOME/wscat/history, and Up brings it back" {
	local history=$BATS_TEST_TMPDIR/state/wscat/history
	start_wsserve
	tty_wscat
	tty_line first
	wait_for_line "$SERVER_OUT" first
	tty_line 'remember me'
	wait_for_line "$SERVER_OUT" 'remember me'
	# Up in the same run: the last line first.
	tty_keys Up
	tty_wait_for '^> remember me$'
	tty_keys C-u C-d
	exits_with 0
	[ -s "$history" ]
	grep -q remember "$history"
	tty_stop
	tty_wscat
	tty_keys Up
	tty_wait_for '^> remember me$'
	tty_keys Up
	tty_wait_for '^> first *$'
	tty_keys Enter
	wait_until 5 test "$(grep -c '^first$' "$SERVER_OUT")" -eq 2
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	server_out_is 'first\nremember me\nfirst\n'
}

@test "--no-history writes no history file" {
	start_wsserve
	tty_wscat --no-history
	tty_line 'forget me'
	wait_for_line "$SERVER_OUT" 'forget me'
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	[ ! -e "$BATS_TEST_TMPDIR/state/wscat/history" ]
	# And the next run has nothing to bring back.
	tty_stop
	tty_wscat
	tty_keys Up
	tty_type X
	tty_wait_for '^> X$'
}

@test "Ctrl-D at an empty prompt, Ctrl-C and /quit each close with 1000, show Disconnected in green and exit 0" {
	local how
	for how in C-d C-c /quit; do
		echo "--- $how"
		start_wsserve
		tty_wscat
		case $how in
		/*) tty_line "$how" ;;
		*) tty_keys "$how" ;;
		esac
		exits_with 0
		disconnected_with 1000
		tty_wait_for '^Disconnected'
		run tty_screen
		assert_line 'Disconnected (code: 1000, reason: "")'
		run tty_sgr_at 'Disconnected (code'
		assert_output 32
		tty_stop
		stop_wsserve
	done
}

@test "a second Ctrl-C ends wscat at once while the server does not answer the first one's close" {
	start_peer mute 30 "$PY" "$PEERS/hostile.py" server "$BATS_TEST_TMPDIR/go"
	URL=ws://127.0.0.1:$PEER_PORT/
	tty_wscat
	tty_keys C-c
	# The first one waits for the close reply (up to 5 s) ...
	sleep 1
	[ ! -s "$BATS_TEST_TMPDIR/tty.status" ] || fail "exited after one Ctrl-C"
	# ... the second does not.
	tty_keys C-c
	run tty_wait_status 2
	assert_output 130
}

@test "a server closing with 4001 bye shows Disconnected with that code and reason, and wscat exits 7" {
	peer --wait 1 --close 4001 --reason bye
	tty_wscat
	exits_with 7
	run tty_screen
	assert_line --index 0 'Connected (press CTRL+D to quit)'
	# The prompt makes way for the notice, which says it all.
	assert_line --index 1 'Disconnected (code: 4001, reason: "bye")'
	refute_output --partial 'server closed the connection'
	run tty_sgr_at 'Disconnected (code'
	assert_output 32
	wait_for_status peer 0
	peer_got
	assert_output 'close 4001 bye'
}

@test "/ping DATA shows the pong with its data and the round trip, and sends no message" {
	start_wsserve
	tty_wscat
	tty_line '/ping abc'
	tty_wait_for '^< pong'
	run tty_screen
	assert_line --regexp '^< pong \(data: "abc"\), round trip [0-9]+\.[0-9]{3} ms$'
	run tty_sgr_at '< pong'
	assert_output 34
	tty_keys C-d
	exits_with 0
	wait_for_disconnect
	server_out_is ''
}

@test "/pong DATA sends the server a pong with that data" {
	peer
	tty_wscat
	tty_line '/pong xyz'
	wait_for_line "$BATS_TEST_TMPDIR/peer.out" "pong $(printf xyz | od -An -tx1 | tr -d ' \n')"
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	wait_for_status peer 0
	peer_got
	assert_output $'pong 78797a\nclose 1000'
}

@test "/close CODE REASON closes with them and shows the server's answer" {
	start_wsserve
	tty_wscat
	tty_line '/close 4002 done'
	disconnected_with '4002 "done"'
	# wsserve answers with the code it was sent: the close we asked for,
	# so no failure, and no second line about it.
	exits_with 0
	run tty_screen
	assert_line --index 1 '> /close 4002 done'
	assert_line --index 2 'Disconnected (code: 4002, reason: "done")'
	refute_output --partial 'server closed the connection'
	server_out_is ''
}

@test "/binary HEX sends those bytes, and the echo shows them in hex" {
	start_wsserve --echo
	tty_wscat
	tty_line '/binary 00 01 ff'
	tty_wait_for '^< \[binary'
	tty_wait_last '> '
	run tty_screen
	assert_line --index 1 '> /binary 00 01 ff'
	assert_line --index 2 '< [binary, 3 bytes] 00 01 ff'
	tty_keys C-d
	exits_with 0
	server_out_is '\000\001\377\n'
}

@test "/binary @FILE sends the file's bytes as one binary message" {
	local file=$BATS_TEST_TMPDIR/bytes
	printf '\000\001\nline\r\n\376\377' >"$file"
	start_wsserve
	tty_wscat
	tty_line "/binary @$file"
	wait_for_lines "$SERVER_OUT" 3
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	server_out_is '\000\001\nline\r\n\376\377\n'
}

@test "/help lists the commands; an unknown one says so, shows them and sends nothing" {
	start_wsserve
	tty_wscat
	tty_line /help
	tty_wait_for '^/help '
	run tty_screen
	for cmd in ping pong close binary quit help; do
		assert_line --regexp "^/$cmd( |\$)"
	done
	tty_line /nope
	tty_wait_for '^unknown command /nope \(/help lists them\)$'
	tty_wait_last '> '
	run tty_screen
	assert_output --regexp "> /nope
unknown command /nope \(/help lists them\)
/ping .*
/pong .*
/close .*
/binary .*
/quit .*
/help .*
> \$"
	run tty_sgr_at 'unknown command'
	assert_output 31
	tty_line after
	wait_for_line "$SERVER_OUT" after
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	server_out_is 'after\n'
}

@test "/close with a code no one may send is refused and sends nothing, and //TEXT sends /TEXT" {
	start_wsserve
	tty_wscat
	tty_line '/close 1005'
	tty_wait_for '^/close: the code must be '
	tty_wait_last '> '
	tty_line //hi
	wait_for_line "$SERVER_OUT" /hi
	tty_wait_last '> '
	tty_keys C-d
	exits_with 0
	wait_for_disconnect
	run grep -F disconnected "$SERVER_ERR"
	assert_output --regexp ' disconnected \(1000\)$'
	server_out_is '/hi\n'
}

@test "-P shows a server's ping and the pong that answers it, with their data" {
	peer --ping 'are you there?'
	tty_wscat -P
	tty_wait_for '^> pong'
	tty_wait_last '> '
	run tty_screen
	assert_line --index 1 '< ping (data: "are you there?")'
	assert_line --index 2 '> pong (data: "are you there?")'
	run tty_sgr_at '< ping'
	assert_output 34
	tty_keys C-d
	exits_with 0
	wait_for_status peer 0
	peer_got
	assert_output "pong $(printf 'are you there?' | od -An -tx1 | tr -d ' \n')
close 1000"
}

@test "-P shows wsserve's keepalive pings, with empty data" {
	start_wsserve --ping-interval 0.5
	tty_wscat -P
	tty_wait_for '^> pong \(data: ""\)$'
	run tty_screen
	assert_line --index 1 '< ping (data: "")'
	assert_line --index 2 '> pong (data: "")'
	tty_keys C-d
	exits_with 0
}

@test "without -P a ping is answered but not shown" {
	peer --ping 'quietly'
	tty_wscat
	wait_for_line "$BATS_TEST_TMPDIR/peer.out" \
		"pong $(printf quietly | od -An -tx1 | tr -d ' \n')"
	# Typed after the ping was answered: anything it printed is above.
	tty_type after
	tty_wait_for '^> after$'
	run tty_screen
	refute_output --partial ping
	refute_output --partial pong
	tty_keys C-u C-d
	exits_with 0
}

@test "NO_COLOR, --no-color and --color never show no colour at all" {
	local how
	start_wsserve --echo
	for how in env-NO_COLOR --no-color --color=never; do
		echo "--- $how"
		if [ "$how" = env-NO_COLOR ]; then
			tty_start env NO_COLOR=1 "$WSCAT" "$URL"
			tty_wait_for '^Connected'
			tty_wait_last '> '
		else
			tty_wscat "$how"
		fi
		tty_line hello
		tty_wait_for '^< hello$'
		tty_line /nope
		tty_wait_for '^unknown command'
		tty_keys C-d
		exits_with 0
		run tty_screen -e
		assert_line 'Connected (press CTRL+D to quit)'
		assert_line '< hello'
		assert_line 'Disconnected (code: 1000, reason: "")'
		refute_output --partial $'\e['
		tty_stop
	done
}

@test "--color always colours a terminal even with NO_COLOR set" {
	start_wsserve --echo
	tty_start env NO_COLOR=1 "$WSCAT" --color always "$URL"
	tty_wait_for '^Connected'
	tty_wait_last '> '
	tty_line hello
	tty_wait_for '^< hello$'
	run tty_sgr_at 'Connected (press'
	assert_output 32
	run tty_sgr_at '< hello'
	assert_output 34
	tty_keys C-d
	exits_with 0
}

@test "in a pipe wscat is byte-exact: no prompt, colour, mark or notice, and received bytes come out raw" {
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	start_wsserve --echo
	printf 'hi\n' >"$in"
	run_wscat --out "$out" 0 -w 1 "$URL" <"$in"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	cmp "$out" <(printf 'hi\n')
	# A received ESC, BEL and CR come out as they are, --color always or not.
	printf 'a\033[2Jb\033]0;PWNED\007c\rd\n' >"$in"
	run_wscat --out "$out" 0 --color always -w 1 "$URL" <"$in"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	cmp "$out" <(printf 'a\033[2Jb\033]0;PWNED\007c\rd\n')
}

@test "in a pipe --slash makes /ping a command whose pong goes to stderr, and without it /ping is text" {
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	start_wsserve --echo
	printf '/ping x\nhi\n' >"$in"
	run_wscat --out "$out" 0 --slash -w 1 "$URL" <"$in"
	assert_one_stderr_line '^wscat: < pong \(data: "x"\), round trip [0-9]+\.[0-9]{3} ms$'
	cmp "$out" <(printf 'hi\n')
	wait_for_disconnect
	server_out_is 'hi\n'
	run_wscat --out "$out" 0 -w 1 "$URL" <"$in"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	cmp "$out" <(printf '/ping x\nhi\n')
	wait_for_disconnect 2
	server_out_is 'hi\n/ping x\nhi\n'
}

@test "in a pipe --slash takes each line as its own command, and /close CODE that the server echoes exits 0" {
	local in=$BATS_TEST_TMPDIR/in
	start_wsserve --echo
	printf '/binary 00 ff\n//hi\n/close 4002 done\n' >"$in"
	run_wscat 0 --slash "$URL" <"$in"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	wait_for_disconnect
	server_out_is '\000\377\n/hi\n'
	wait_for_text "$SERVER_ERR" 'disconnected (4002 "done")'
}

@test "in a pipe -P puts the ping lines on stderr and stdout stays exact" {
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	start_wsserve --echo --ping-interval 0.5
	printf 'hi\n' >"$in"
	run_wscat --out "$out" 0 -P -w 1.5 "$URL" <"$in"
	cmp "$out" <(printf 'hi\n')
	assert_stderr_line 'wscat: < ping (data: "")'
	assert_stderr_line 'wscat: > pong (data: "")'
	# Without -P: nothing on stderr, though pings came.
	run_wscat --out "$out" 0 -w 1.5 "$URL" <"$in"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	cmp "$out" <(printf 'hi\n')
}

@test "with stdout a terminal and stdin a pipe, messages are marked and escaped, with no prompt and no notices" {
	local in=$BATS_TEST_TMPDIR/wscat.in
	mkfifo "$in"
	exec 5<>"$in"
	start_wsserve --echo
	# shellcheck disable=SC2016 # expanded by the pane's sh
	tty_start sh -c 'exec "$0" "$1" <"$2"' "$WSCAT" "$URL" "$in"
	wait_for_text "$SERVER_ERR" ' connected'
	echo 'from stdin' >&5
	tty_wait_for '^< from stdin$'
	printf 'x\033[2Jy\n' >&4
	tty_wait_for '^< x\\x1b\[2Jy$'
	exec 5>&-
	exits_with 0
	wait_for_disconnect
	run tty_screen
	assert_line --index 0 '< from stdin'
	assert_line --index 1 '< x\x1b[2Jy'
	refute_line --regexp '^>'
	refute_output --partial Connected
	refute_output --partial Disconnected
	server_out_is 'from stdin\n'
	# No console: no history either.
	[ ! -e "$BATS_TEST_TMPDIR/state/wscat/history" ]
}
