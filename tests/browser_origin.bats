#!/usr/bin/env bats
# Cross-site WebSocket hijacking in a real browser: a page served by the
# test from another local origin (tests/browser/cross_origin_test.js, its
# own HTTP server on a free loopback port, in Debian's headless Chromium
# driven by playwright-core) runs new WebSocket('ws://127.0.0.1:PORT/')
# against wsserve.  By default the handshake must fail and nothing of the
# page may reach wsserve's stdout; with the page's origin given to
# --origin, the same page gets through (so the refusal is not an accident
# of the set-up).

load helpers
load browser_helpers

XORIGIN_TEST=$ROOT/tests/browser/cross_origin_test.js

# other_page [PORT]: runs cross_origin_test.js with its page on PORT (a
# free one by default), in PAGE_PORT, against wsserve's $URL, and waits
# until it has exited 0.  XOUT is its output.
other_page() {
	PAGE_PORT=${1:-$(free_port)}
	XOUT=$BATS_TEST_TMPDIR/xorigin.out
	spawn xorigin 60 node "$XORIGIN_TEST" --port "$PAGE_PORT" "$URL" \
		</dev/null
	wait_for_status xorigin 0 45 || {
		cat "$XOUT" >&2
		cat "$SERVER_ERR" >&2
		return 1
	}
	run -0 grep -x 'loaded 200' "$XOUT"
}

@test "a page from another local origin cannot open wsserve's WebSocket" {
	start_wsserve
	other_page
	run -0 grep '^event ' "$XOUT"
	assert_output $'event error\nevent close 1006'
	run -0 grep -c 'Unexpected response code: 403' "$XOUT"
	wait_for_text "$SERVER_ERR" "not upgraded: refused 403: origin 'http://127.0.0.1:$PAGE_PORT' not allowed"
	# Nothing of it reached the pipeline, and wsserve still serves.
	run cat "$SERVER_OUT"
	assert_output ''
	run_wscat 0 -x after "$URL" </dev/null
	wait_for_line "$SERVER_OUT" after
	run cat "$SERVER_OUT"
	assert_output after
}

@test "the same page gets through once its origin is given to --origin" {
	local port
	port=$(free_port)
	# Compared as an origin: the case of the scheme and a "/" do not count.
	start_wsserve --origin "HTTP://127.0.0.1:$port/"
	other_page "$port"
	run -0 grep '^event ' "$XOUT"
	assert_output $'event open\nevent close 1000'
	wait_for_line "$SERVER_OUT" hijacked
}
