#!/usr/bin/env bats
# wscat -L/--location: 301, 302, 303, 307 and 308 answers to the upgrade
# request followed (absolute, scheme-relative, absolute-path and relative
# Locations) to a real wsserve, --max-redirects, Locations that are no URL,
# wss:// to ws:// refused unless --insecure-redirect, and credentials
# (--auth, user:pass@, -H Authorization and Cookie) kept for the same host
# and port only.  The redirects come from tests/peers/redirect.py, whose
# log of the requests it got (request line, Host, Authorization, Cookie)
# is what most tests assert on.

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers
load tls_helpers

setup_file() {
	export PKI=$BATS_FILE_TMPDIR/pki
	make_pki "$PKI"
}

# start_redirect NAME [--cert FILE --key FILE] RULE...: tests/peers/
# redirect.py in the background, its log in $BATS_TEST_TMPDIR/NAME.out.
# Sets REDIR_PORT and R (ws://127.0.0.1:REDIR_PORT, no path; wss:// with
# --cert).
# shellcheck disable=SC2034 # R: for the tests
start_redirect() {
	local name=$1 scheme=ws
	shift
	[ "${1-}" != --cert ] || scheme=wss
	start_peer "$name" 30 "$PY" "$PEERS/redirect.py" "$@" || return
	REDIR_PORT=$PEER_PORT
	R=$scheme://127.0.0.1:$REDIR_PORT
}

# requests NAME: the requests redirect server NAME has logged, one a line.
requests() {
	grep -v '^PORT ' "$BATS_TEST_TMPDIR/$1.out"
}

# connections: how many clients wsserve has logged as connected.
connections() {
	grep -c ' connected$' "$SERVER_ERR" || true
}

# Basic authorization of alice:s3cret and of bob:pw.
ALICE='Basic YWxpY2U6czNjcmV0'
BOB='Basic Ym9iOnB3'

@test "-L follows relative, absolute-path, scheme-relative, http:// and ws:// Locations to wsserve, and -v says each hop" {
	start_wsserve --jsonl
	start_redirect r '/dir/page 302 a/b?x=1' \
		'/dir/a/b 301 //127.0.0.1:{port}/c/d' \
		'/c/d 307 /e' \
		'/e 303 http://127.0.0.1:{port}/f' \
		"/f 308 ws://127.0.0.1:$PORT/final?z=9"
	run_wscat 0 -L -v -w 0 -x hello "$R/dir/page?q=1" </dev/null
	run requests r
	assert_output "$(printf '%s\n' \
		"GET /dir/page?q=1 | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /dir/a/b?x=1 | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /c/d | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /e | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /f | Host: 127.0.0.1:$REDIR_PORT")"
	wait_for_text "$SERVER_OUT" '"data":"hello"'
	run cat "$SERVER_OUT"
	assert_line --index 0 --regexp '^\{"id":1,"event":"open","peer":"127\.0\.0\.1:[0-9]+","path":"/final\?z=9","subprotocol":""\}$'
	assert_line --index 1 '{"id":1,"type":"text","data":"hello"}'
	# Under -v, one line per hop, with the Location as it was sent.
	assert_stderr_line 'wscat: redirected (302) to a/b?x=1'
	assert_stderr_line "wscat: redirected (301) to //127.0.0.1:$REDIR_PORT/c/d"
	assert_stderr_line 'wscat: redirected (307) to /e'
	assert_stderr_line "wscat: redirected (303) to http://127.0.0.1:$REDIR_PORT/f"
	assert_stderr_line "wscat: redirected (308) to ws://127.0.0.1:$PORT/final?z=9"
	assert_stderr_line "wscat: connected to ws://127.0.0.1:$PORT/final?z=9 (127.0.0.1:$PORT)"
	run grep -c '^wscat: redirected ' <<<"$stderr"
	assert_output 5
}

@test "-L: a followed redirect is silent without -v, and stdin goes to the final server" {
	start_wsserve
	start_redirect r "/ 302 ws://127.0.0.1:$PORT/"
	run_wscat 0 -L "$R/" < <(printf 'one\ntwo\n')
	assert_equal "$stderr" ''
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'one\ntwo'
}

@test "-L follows 301, 302, 303, 307 and 308, and no other 3xx" {
	start_wsserve
	local s
	start_redirect r "* 404" \
		"/301 301 ws://127.0.0.1:$PORT/" "/302 302 ws://127.0.0.1:$PORT/" \
		"/303 303 ws://127.0.0.1:$PORT/" "/307 307 ws://127.0.0.1:$PORT/" \
		"/308 308 ws://127.0.0.1:$PORT/" "/300 300 ws://127.0.0.1:$PORT/" \
		"/304 304 ws://127.0.0.1:$PORT/"
	for s in 301 302 303 307 308; do
		run_wscat 0 -L -w 0 -x "via $s" "$R/$s" </dev/null
	done
	wait_for_lines "$SERVER_OUT" 5
	run cat "$SERVER_OUT"
	assert_output "$(printf 'via %s\n' 301 302 303 307 308)"
	for s in 300 304; do
		run_wscat 5 -L -w 0 -x "via $s" "$R/$s" </dev/null
		assert_one_stderr_line "^wscat: handshake with $R/$s failed: server answered 'HTTP/1\.1 $s "
	done
	assert_equal "$(connections)" 5
}

@test "without -L a redirect is exit 5 that names the Location, and nothing else is asked" {
	start_redirect r '/loop 302 /loop'
	run_wscat 5 "$R/loop" </dev/null
	assert_stderr_is "wscat: handshake with $R/loop failed: server answered 'HTTP/1.1 302 Found', Location: /loop (redirects are not followed)"
	run requests r
	assert_output "GET /loop | Host: 127.0.0.1:$REDIR_PORT"
}

@test "-L: a redirect loop ends after --max-redirects (10 by default) with exit 5" {
	start_redirect r '/loop 302 /loop'
	run_wscat 5 -L "$R/loop" </dev/null
	assert_stderr_is "wscat: handshake with $R/loop failed: too many redirects (10)"
	run requests r
	assert_equal "${#lines[@]}" 11
	run_wscat 5 -L -v --max-redirects 3 "$R/loop" </dev/null
	assert_stderr_line "wscat: handshake with $R/loop failed: too many redirects (3)"
	run grep -c '^wscat: redirected (302) to /loop$' <<<"$stderr"
	assert_output 3
	run requests r
	assert_equal "${#lines[@]}" 15
}

@test "-L --max-redirects 0 follows none, 1 one, and N reaches a server N hops away" {
	start_wsserve
	start_redirect r '/ 302 /a' '/a 307 b' "/b 308 ws://127.0.0.1:$PORT/end"
	run_wscat 5 -L --max-redirects 0 "$R/" </dev/null
	assert_stderr_is "wscat: handshake with $R/ failed: too many redirects (0)"
	run requests r
	assert_output "GET / | Host: 127.0.0.1:$REDIR_PORT"
	# The URL named is the last one tried.
	run_wscat 5 -L --max-redirects 1 "$R/" </dev/null
	assert_stderr_is "wscat: handshake with $R/a failed: too many redirects (1)"
	run_wscat 5 -L --max-redirects 2 "$R/" </dev/null
	assert_stderr_is "wscat: handshake with $R/b failed: too many redirects (2)"
	assert_equal "$(connections)" 0
	run_wscat 0 -L --max-redirects 3 -w 0 -x arrived "$R/" </dev/null
	assert_equal "$stderr" ''
	wait_for_line "$SERVER_OUT" arrived
	run requests r
	assert_output "$(printf "GET %s | Host: 127.0.0.1:$REDIR_PORT\n" \
		/ / /a / /a /b / /a /b)"
}

@test "-L: a Location that is no usable URL, and refusals without one, are exit 5" {
	start_redirect r '/ftp 302 ftp://x' '/port0 301 ws://127.0.0.1:0/' \
		'/noloc 302' '/ok 200' '/frag 302 #top'
	run_wscat 5 -L "$R/ftp" </dev/null
	assert_stderr_is "wscat: handshake with $R/ftp failed: redirect to 'ftp://x': scheme must be ws://, wss://, http:// or https://"
	run_wscat 5 -L "$R/port0" </dev/null
	assert_stderr_is "wscat: handshake with $R/port0 failed: redirect to 'ws://127.0.0.1:0/': port must be 1-65535"
	# "#top" is the URL itself (RFC 3986 5.2): a loop.
	run_wscat 5 -L --max-redirects 2 "$R/frag" </dev/null
	assert_stderr_is "wscat: handshake with $R/frag failed: too many redirects (2)"
	run_wscat 5 -L "$R/noloc" </dev/null
	assert_one_stderr_line "^wscat: handshake with $R/noloc failed: server answered 'HTTP/1\.1 302 Found'"
	run_wscat 5 -L "$R/ok" </dev/null
	assert_stderr_is "wscat: handshake with $R/ok failed: server answered 'HTTP/1.1 200 OK'"
	run_wscat 5 -L "$R/nothing-here" </dev/null
	assert_stderr_is "wscat: handshake with $R/nothing-here failed: server answered 'HTTP/1.1 404 Not Found'"
	# One request each (three for the loop): nothing else was followed.
	run requests r
	assert_equal "${#lines[@]}" 8
}

@test "-L keeps --auth and -H Cookie for the same host and port, and drops them, not other headers, for another host" {
	start_wsserve -v
	start_redirect r '/ 302 /same' \
		'/same 302 ws://127.0.0.1:{port}/abs' \
		'/abs 302 ws://localhost:{port}/lh' \
		"/lh 302 ws://127.0.0.1:$PORT/final"
	run_wscat 0 -L --auth alice:s3cret -H 'Cookie: sid=1' -H 'X-Other: kept' \
		-w 0 -x hi "$R/" </dev/null
	run requests r
	assert_output "$(printf '%s\n' \
		"GET / | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE | Cookie: sid=1" \
		"GET /same | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE | Cookie: sid=1" \
		"GET /abs | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE | Cookie: sid=1" \
		"GET /lh | Host: localhost:$REDIR_PORT")"
	# wsserve (another port) got the request without them: its -v log
	# shows the head (Authorization masked, but named).
	wait_for_line "$SERVER_OUT" hi
	run sed 's/\r$//' "$SERVER_ERR"
	assert_line --partial 'request GET /final HTTP/1.1'
	assert_line "Host: 127.0.0.1:$PORT"
	assert_line 'X-Other: kept'
	refute_line --partial 'Authorization'
	refute_line --partial 'Cookie'
}

@test "-L keeps -H Authorization and Cookie for the same port and drops them for another port" {
	start_redirect other '* 404'
	local other=$REDIR_PORT
	start_redirect r '/ 302 next' "/next 302 ws://127.0.0.1:$other/far"
	run_wscat 5 -L -H 'Authorization: Bearer tok' -H 'Cookie: a=b' "$R/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$other/far failed: server answered 'HTTP/1.1 404 Not Found'"
	run requests r
	assert_output "$(printf '%s\n' \
		"GET / | Host: 127.0.0.1:$REDIR_PORT | Authorization: Bearer tok | Cookie: a=b" \
		"GET /next | Host: 127.0.0.1:$REDIR_PORT | Authorization: Bearer tok | Cookie: a=b")"
	run requests other
	assert_output "GET /far | Host: 127.0.0.1:$other"
}

@test "-L keeps the URL's user:pass@ for the same host and port" {
	start_redirect r '/ 302 /same' '/same 302 ws://127.0.0.1:{port}/abs' \
		'/abs 302 ws://localhost:{port}/lh'
	run_wscat 5 -L "ws://alice:s3cret@127.0.0.1:$REDIR_PORT/" </dev/null
	run requests r
	assert_output "$(printf '%s\n' \
		"GET / | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE" \
		"GET /same | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE" \
		"GET /abs | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE" \
		"GET /lh | Host: localhost:$REDIR_PORT")"
}

@test "-L drops the URL's user:pass@ for another host" {
	start_redirect r '/ 302 ws://localhost:{port}/lh'
	run_wscat 5 -L "ws://alice:s3cret@127.0.0.1:$REDIR_PORT/" </dev/null
	run requests r
	assert_output "$(printf '%s\n' \
		"GET / | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE" \
		"GET /lh | Host: localhost:$REDIR_PORT")"
}

@test "-L sends the user:pass@ of a Location, to another host too" {
	start_redirect other '* 404'
	local other=$REDIR_PORT
	start_redirect r "/ 302 ws://bob:pw@127.0.0.1:$other/far" \
		'/here 302 ws://bob:pw@127.0.0.1:{port}/there'
	run_wscat 5 -L --auth alice:s3cret "$R/" </dev/null
	run_wscat 5 -L --auth alice:s3cret "$R/here" </dev/null
	run requests other
	assert_output "GET /far | Host: 127.0.0.1:$other | Authorization: $BOB"
	run requests r
	assert_output "$(printf '%s\n' \
		"GET / | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE" \
		"GET /here | Host: 127.0.0.1:$REDIR_PORT | Authorization: $ALICE" \
		"GET /there | Host: 127.0.0.1:$REDIR_PORT | Authorization: $BOB")"
}

@test "-L refuses a redirect from wss:// to ws:// (or http://) unless --insecure-redirect" {
	start_wsserve
	start_redirect tls --cert "$PKI/server.pem" --key "$PKI/server.key" \
		"/down 302 ws://127.0.0.1:$PORT/plain" \
		"/http 301 http://127.0.0.1:$PORT/plain"
	run_wscat 5 -L --ca "$PKI/ca.pem" -w 0 -x no "$R/down" </dev/null
	assert_stderr_is "wscat: handshake with $R/down failed: refusing the redirect from wss:// to 'ws://127.0.0.1:$PORT/plain' (--insecure-redirect allows it)"
	run_wscat 5 -L --ca "$PKI/ca.pem" -w 0 -x no "$R/http" </dev/null
	assert_stderr_is "wscat: handshake with $R/http failed: refusing the redirect from wss:// to 'http://127.0.0.1:$PORT/plain' (--insecure-redirect allows it)"
	assert_equal "$(connections)" 0
	run_wscat 0 -L --insecure-redirect --ca "$PKI/ca.pem" -w 0 -x yes "$R/down" </dev/null
	assert_equal "$stderr" ''
	wait_for_line "$SERVER_OUT" yes
	run cat "$SERVER_OUT"
	assert_output yes
	run requests tls
	assert_output "$(printf '%s\n' "GET /down | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /http | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /down | Host: 127.0.0.1:$REDIR_PORT")"
}

@test "-L stays on TLS for relative and scheme-relative Locations from wss://, and goes to TLS for https://" {
	start_wss
	start_redirect plain "/up 302 https://localhost:$PORT/up"
	local plain=$R
	start_redirect tls --cert "$PKI/server.pem" --key "$PKI/server.key" \
		'/rel 302 x/y' "/x/y 302 //localhost:$PORT/tls"
	run_wscat 0 -L -v --ca "$PKI/ca.pem" -w 0 -x over-tls "$R/rel" </dev/null
	assert_stderr_line "wscat: connected to wss://localhost:$PORT/tls (127.0.0.1:$PORT)"
	run requests tls
	assert_output "$(printf '%s\n' "GET /rel | Host: 127.0.0.1:$REDIR_PORT" \
		"GET /x/y | Host: 127.0.0.1:$REDIR_PORT")"
	run_wscat 0 -L -v --ca "$PKI/ca.pem" -w 0 -x upgraded "$plain/up" </dev/null
	assert_stderr_line "wscat: connected to wss://localhost:$PORT/up (127.0.0.1:$PORT)"
	wait_for_lines "$SERVER_OUT" 2
	run cat "$SERVER_OUT"
	assert_output $'over-tls\nupgraded'
}
