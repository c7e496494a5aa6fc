#!/usr/bin/env bats
# wsserve's built-in page in a real browser: Debian's headless Chromium
# driven by tests/browser/page_test.js (playwright-core, pinned in
# tests/browser/package.json and package-lock.json; install it with
# `npm ci --prefix tests/browser`).  The script reports the page's state,
# its log entries and every console message, uncaught error, CSP violation
# and dialog as lines in page.out; the tests here play the server side
# through wsserve's stdin and stdout.  Screenshots go to tests/artifacts/.

load helpers
load browser_helpers

PAGE_TEST=$ROOT/tests/browser/page_test.js
ARTIFACTS=$ROOT/tests/artifacts
MARKUP='<img src=x onerror=alert(1)>'

# stop_page: ends page_test.js, if it still runs, with SIGTERM, so that it
# closes its Chromium (teardown kills what is left); it gets 10 s.
stop_page() {
	exec 5>&-
	if [ -n "${PAGE_PID:-}" ] && ! has_exited "$PAGE_PID"; then
		kill -TERM "$PAGE_PID" 2>/dev/null || true
		wait_until 10 test -e "$BATS_TEST_TMPDIR/page.rc" || true
	fi
	PAGE_PID=
}

page_diag() {
	echo "--- page.out:" >&2
	cat "$PAGE_OUT" >&2
	echo "--- page.err:" >&2
	cat "$PAGE_ERR" >&2
	echo "--- wsserve stderr:" >&2
	cat "$SERVER_ERR" >&2
}

# start_page [OPTIONS...]: runs page_test.js OPTIONS on wsserve's page
# ($PAGE_URL, by default http://127.0.0.1:$PORT/) with its commands on a
# FIFO held open on fd 5, and waits until the page has loaded with status
# 200.  Sets PAGE_PID (spawn page: PAGE_OUT is page.out, PAGE_ERR page.err).
start_page() {
	local fifo=$BATS_TEST_TMPDIR/page.in
	PAGE_OUT=$BATS_TEST_TMPDIR/page.out
	PAGE_ERR=$BATS_TEST_TMPDIR/page.err
	PAGE_SEQ=0
	rm -f "$fifo"
	mkfifo "$fifo"
	exec 5<>"$fifo"
	spawn page 90 node "$PAGE_TEST" "$@" \
		"${PAGE_URL:-http://127.0.0.1:$PORT/}" <"$fifo"
	PAGE_PID=$SPAWN_PID
	on_teardown stop_page
	wait_until 30 page_has '^(loaded|exit) ' || { page_diag; return 1; }
	grep -qx 'loaded 200' "$PAGE_OUT" || { page_diag; fail 'the page did not load with status 200'; }
}

page_has() { grep -qE -- "$1" "$PAGE_OUT"; }

# count_is FILE REGEX N: FILE has exactly N lines matching REGEX.
count_is() { [ "$(grep -cE -- "$2" "$1")" -eq "$3" ]; }

# page CMD [ARG]: sends a command to page_test.js and waits for its reply;
# sets PAGE_REPLY to what follows "done N".
page() {
	local reply
	PAGE_SEQ=$((PAGE_SEQ + 1))
	printf '%s\n' "$*" >&5
	wait_until 15 page_has "^((done|error) $PAGE_SEQ( |\$)|exit )" ||
		{ page_diag; return 1; }
	reply=$(grep -E "^(done|error) $PAGE_SEQ( |\$)" "$PAGE_OUT") || true
	[[ $reply == "done $PAGE_SEQ"* ]] || {
		page_diag
		fail "page $*: ${reply:-no reply}"
	}
	PAGE_REPLY=${reply#"done $PAGE_SEQ"}
	PAGE_REPLY=${PAGE_REPLY# }
}

# wait_for_page LINE [SECONDS]: page.out gets a line equal to LINE.
wait_for_page() {
	wait_for_line "$PAGE_OUT" "$1" "${2:-5}" || { page_diag; return 1; }
}

# quit_page: ends page_test.js and checks that it saw no problem (console
# message, uncaught error, CSP violation, dialog, failed request).
quit_page() {
	local status
	page quit
	wait_until 30 test -s "$BATS_TEST_TMPDIR/page.rc"
	status=$(<"$BATS_TEST_TMPDIR/page.rc")
	PAGE_PID=
	if [ "$PAGE_REPLY" != 'problems 0' ] || [ "$status" -ne 0 ]; then
		page_diag
		fail "the page had problems (exit $status): $PAGE_REPLY"
	fi
	run grep '^problem ' "$PAGE_OUT"
	assert_failure 1
}

# open_page [WSSERVE ARGS...]: wsserve and the page, open.
open_page() {
	start_wsserve "$@"
	start_page
	wait_for_page 'state Open'
	wait_for_clients 1
}

@test "the page connects back to wsserve and shows the connection open" {
	open_page
	run -0 sed -n 1p "$PAGE_OUT"
	assert_output 'state Connecting…'
	wait_for_page "log status connected to ws://127.0.0.1:$PORT/"
	wait_for_text "$SERVER_ERR" 'not upgraded: answered 200: GET /'
	page count '#reconnect:enabled'
	assert_equal "$PAGE_REPLY" 'count 1'
	quit_page
}

@test "Send Test Message makes wsserve print exactly Test" {
	open_page
	page click send-test
	wait_for_line "$SERVER_OUT" 'Test'
	wait_for_page 'log sent Test'
	quit_page
	run -0 cat "$SERVER_OUT"
	assert_output 'Test'
}

@test "text typed in the field is sent with Enter, and the field is emptied" {
	open_page
	page type 'hello, wsserve – ünïcode ✓ "quoted" & <b>'
	wait_for_line "$SERVER_OUT" 'hello, wsserve – ünïcode ✓ "quoted" & <b>'
	wait_for_page 'log sent hello, wsserve – ünïcode ✓ "quoted" & <b>'
	page value text
	assert_equal "$PAGE_REPLY" 'value '
	page type 'second'
	page click send
	wait_for_lines "$SERVER_OUT" 2
	quit_page
	run -0 cat "$SERVER_OUT"
	assert_output $'hello, wsserve – ünïcode ✓ "quoted" & <b>\nsecond'
}

@test "the Send button sends the field, and an empty field sends nothing" {
	open_page
	page click text
	page keys 'by button'
	page click send
	wait_for_line "$SERVER_OUT" 'by button'
	page click send
	page press Enter
	page click send-test
	wait_for_line "$SERVER_OUT" 'Test'
	quit_page
	run -0 cat "$SERVER_OUT"
	assert_output $'by button\nTest'
}

@test "Chromium offers permessage-deflate; long messages go both ways compressed, and with --no-deflate plain" {
	local long out
	long=$(printf 'compressible text %.0s' {1..40})
	for flags in -v '-v --no-deflate'; do
		# shellcheck disable=SC2086 # two words
		open_page $flags
		wait_for_text "$SERVER_ERR" 'Sec-WebSocket-Extensions: permessage-deflate'
		page type "$long"
		wait_for_line "$SERVER_OUT" "$long"
		server_send "$long back"
		wait_for_page "log received $long back"
		quit_page
		out=$(cat "$SERVER_ERR")
		stop_wsserve
		# wsserve -v says when it runs the extension.
		if [ "$flags" = -v ]; then
			[[ $out == *': permessage-deflate, window 15'* ]] ||
				fail "no permessage-deflate in: $out"
		else
			[[ $out != *': permessage-deflate, window'* ]] ||
				fail "permessage-deflate with --no-deflate: $out"
		fi
	done
}

@test "a line written to wsserve's stdin appears in the page's log" {
	open_page
	server_send 'hello from stdin'
	wait_for_page 'log received hello from stdin'
	quit_page
}

@test "markup sent by wsserve is shown as text and runs nothing" {
	open_page
	server_send "$MARKUP" 'after the markup'
	wait_for_page 'log received after the markup'
	# The entry is exactly the markup as text (page_test.js reports any
	# log entry that holds elements as a problem).
	grep -qxF "log received $MARKUP" "$PAGE_OUT" ||
		{ page_diag; fail 'the markup is not in the log as text'; }
	page count img
	assert_equal "$PAGE_REPLY" 'count 0'
	page count '#log .msg *'
	assert_equal "$PAGE_REPLY" 'count 0'
	# No dialog, no CSP violation, no console message: quit_page fails on
	# any of them.
	quit_page
	run grep -E '^(problem|allowed) ' "$PAGE_OUT"
	assert_failure 1
}

@test "a binary message from wsserve is shown by its size" {
	open_page
	# A line that is not UTF-8 goes out as a binary message.
	server_send $'\xff\xfe\xfd'
	wait_for_page 'log received [binary 3 bytes]'
	quit_page
}

@test "stopping wsserve with SIGTERM shows close code 1001 and disables sending" {
	open_page
	stop_wsserve TERM
	assert_equal "$SERVER_STATUS" 0
	wait_for_page 'state Closed: code 1001 (going away)'
	wait_for_page 'log status Closed: code 1001 (going away)'
	page count '#send:disabled, #send-test:disabled'
	assert_equal "$PAGE_REPLY" 'count 2'
	page count '#reconnect:enabled'
	assert_equal "$PAGE_REPLY" 'count 1'
	quit_page
}

@test "Reconnect closes the connection with 1000 and opens a new one" {
	open_page
	page click reconnect
	wait_for_text "$SERVER_ERR" 'disconnected (1000)'
	wait_until 5 count_is "$SERVER_ERR" ' connected$' 2
	wait_for_clients 1
	wait_until 5 count_is "$PAGE_OUT" '^state Open$' 2
	run -0 grep -c '^state Connecting…$' "$PAGE_OUT"
	assert_output 2
	page click send-test
	wait_for_line "$SERVER_OUT" 'Test'
	quit_page
}

@test "the page is usable from the keyboard alone" {
	open_page
	# Tab order: Reconnect, the log (it scrolls), the field, Send, Send
	# Test Message.
	local want id
	for want in reconnect log text send send-test; do
		page press Tab
		assert_equal "$PAGE_REPLY" "focus $want"
	done
	page press Shift+Tab
	page press Shift+Tab
	assert_equal "$PAGE_REPLY" 'focus text'
	page keys 'from the keyboard'
	page press Enter
	wait_for_line "$SERVER_OUT" 'from the keyboard'
	page press Tab
	page press Tab
	assert_equal "$PAGE_REPLY" 'focus send-test'
	page press Space
	wait_for_line "$SERVER_OUT" 'Test'
	quit_page
}

@test "the page has labels, a live log and a status for assistive technology" {
	open_page
	page count 'label[for=text] + input#text'
	assert_equal "$PAGE_REPLY" 'count 1'
	page count '#log[aria-live=polite][role=log]'
	assert_equal "$PAGE_REPLY" 'count 1'
	page count '#state[role=status]'
	assert_equal "$PAGE_REPLY" 'count 1'
	page count 'button#send, button#send-test, button#reconnect'
	assert_equal "$PAGE_REPLY" 'count 3'
	page count 'html[lang=en]'
	assert_equal "$PAGE_REPLY" 'count 1'
	quit_page
}

@test "the page fits a phone-width screen without sideways scrolling" {
	open_page
	page viewport 360 740
	server_send "$(printf 'x%.0s' {1..300})" 'short'
	page type "$(printf 'y%.0s' {1..200})"
	wait_for_page 'log received short'
	local sw cw
	page overflow
	read -r _ sw cw <<<"$PAGE_REPLY"
	[ "$sw" -le "$cw" ] || fail "the page is $sw px wide in a $cw px viewport"
	# Long messages wrap inside the log rather than scroll it sideways.
	page overflow '#log'
	read -r _ sw cw <<<"$PAGE_REPLY"
	[ "$sw" -le "$cw" ] || fail "the log is $sw px wide in $cw px"
	page count 'meta[name=viewport][content*="width=device-width"]'
	assert_equal "$PAGE_REPLY" 'count 1'
	quit_page
}

@test "--origin adds origins: the page's own origin stays allowed" {
	local port
	port=$(free_port)
	open_page -p "$port" --origin "http://127.0.0.1:$port"
	page click send-test
	wait_for_line "$SERVER_OUT" 'Test'
	quit_page
	stop_wsserve

	# Pages from other origins are refused: see browser_origin.bats.
	open_page --origin http://example.test
	page click send-test
	wait_for_line "$SERVER_OUT" 'Test'
	quit_page
	run grep -c 'refused 403' "$SERVER_ERR"
	assert_output 0
}

@test "screenshots of the page on a desktop and a phone, light and dark" {
	open_page
	page type 'Hello from the browser'
	server_send 'Hello from stdin' "$MARKUP" $'\x01\x02\xff'
	wait_for_page 'log received [binary 3 bytes]'
	local shots='page-desktop.png page-phone.png page-phone-dark.png' f
	for f in $shots; do
		rm -f "$ARTIFACTS/$f"
	done
	page screenshot "$ARTIFACTS/page-desktop.png"
	page viewport 390 740
	page screenshot "$ARTIFACTS/page-phone.png"
	page scheme dark
	page screenshot "$ARTIFACTS/page-phone-dark.png"
	quit_page
	for f in $shots; do
		run -0 od -An -tx1 -N8 "$ARTIFACTS/$f"
		assert_output ' 89 50 4e 47 0d 0a 1a 0a'
		[ "$(stat -c %s "$ARTIFACTS/$f")" -gt 10000 ]
	done
}

@test "with --cert the page is served on https:// and connects back with wss://" {
	local d=$BATS_TEST_TMPDIR/tls
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>"$d/openssl.err" ||
		fail "openssl could not make a certificate: $(cat "$d/openssl.err")"
	start_wsserve --cert "$d/cert.pem" --key "$d/key.pem"
	assert_equal "$SCHEME" wss
	PAGE_URL=https://127.0.0.1:$PORT/ start_page --insecure
	wait_for_page 'state Open'
	wait_for_page "log status connected to wss://127.0.0.1:$PORT/"
	page click send-test
	wait_for_line "$SERVER_OUT" 'Test'
	server_send 'over TLS'
	wait_for_page 'log received over TLS'
	quit_page
}
