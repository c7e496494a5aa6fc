#!/usr/bin/env bats
# wsserve's plain HTTP answers, seen with curl: the built-in page at GET /
# (src/page.html) with its headers and a Content-Security-Policy whose
# hashes match the page, 404, 405 and 431, --no-page, the handshake
# timeout, the log line, and WebSocket upgrades on any path beside it.

load helpers

PAGE=$ROOT/src/page.html

setup() {
	local cmd
	for cmd in curl openssl; do
		command -v "$cmd" >/dev/null ||
			fail "$cmd is missing: run \`apt-get install -y $cmd\`"
	done
}

# fetch [CURL ARGS...]: curl against wsserve, bounded in time.  The
# response head goes to $HEAD with CRs removed, the body to $BODY.
fetch() {
	HEAD=$BATS_TEST_TMPDIR/head
	BODY=$BATS_TEST_TMPDIR/body
	rm -f "$HEAD" "$BODY"
	timeout 10 curl -sS --max-time 5 -D "$HEAD.raw" -o "$BODY" "$@"
	tr -d '\r' <"$HEAD.raw" >"$HEAD"
	touch "$BODY"
}

# header NAME: the value of header NAME in $HEAD.
header() { sed -n "s/^$1: //Ip" "$HEAD"; }

# block FILE TAG: the bytes between the first <TAG> and the next </TAG>,
# as src/page.c hashes them.
block() {
	"$PY" -c '
import sys
data = open(sys.argv[1], "rb").read()
tag = sys.argv[2].encode()
start = data.index(b"<" + tag + b">") + len(tag) + 2
sys.stdout.buffer.write(data[start:data.index(b"</" + tag + b">", start)])
' "$1" "$2"
}

sha256_b64() { openssl dgst -sha256 -binary | base64; }

@test "GET / answers 200 with the page and every header it should carry" {
	start_wsserve
	fetch "http://127.0.0.1:$PORT/"
	run -0 cat "$HEAD"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'Content-Type: text/html; charset=utf-8'
	assert_line 'Cache-Control: no-store'
	assert_line 'X-Content-Type-Options: nosniff'
	assert_line 'Referrer-Policy: no-referrer'
	assert_line 'Connection: close'
	assert_line --regexp '^Content-Length: [0-9]+$'
	assert_line --regexp '^Content-Security-Policy: '
	run -0 head -c 16 "$BODY"
	assert_output '<!doctype html>'
	# The page served is src/page.html as it is now: `make` re-embedded it.
	run -0 cmp "$PAGE" "$BODY"
}

@test "Content-Length equals the length of the body" {
	start_wsserve
	fetch "http://127.0.0.1:$PORT/"
	local cl
	cl=$(header Content-Length)
	[ -n "$cl" ] || fail 'no Content-Length'
	assert_equal "$cl" "$(wc -c <"$BODY")"
	assert_equal "$cl" "$(wc -c <"$PAGE")"
}

@test "the CSP allows exactly the page's own script and style, by their sha256" {
	start_wsserve
	fetch "http://127.0.0.1:$PORT/"
	local script style
	script=$(block "$BODY" script | sha256_b64)
	style=$(block "$BODY" style | sha256_b64)
	# Hashes of something real: not of an empty block.
	[ "$script" != "$(printf '' | sha256_b64)" ]
	[ "$style" != "$(printf '' | sha256_b64)" ]
	assert_equal "$(header Content-Security-Policy)" \
		"default-src 'none'; script-src 'sha256-$script'; style-src 'sha256-$style'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

@test "src/page.html has one <script> and one <style> and nothing the CSP blocks" {
	run -0 "$PY" - "$PAGE" <<-'EOF'
		import sys
		from html.parser import HTMLParser
		text = open(sys.argv[1], encoding="utf-8").read()
		bad = []
		count = {"script": 0, "style": 0}

		class Check(HTMLParser):
		    def handle_starttag(self, tag, attrs):
		        if tag in count:
		            count[tag] += 1
		            if attrs:
		                bad.append("<%s> with attributes %r" % (tag, attrs))
		        if tag in ("img", "link", "iframe", "object", "embed",
		                   "picture", "video", "audio", "svg", "base"):
		            bad.append("<%s> element" % tag)
		        for name, value in attrs:
		            if name.startswith("on") or name in ("style", "src",
		                                                 "href", "srcset"):
		                bad.append("%s=%r on <%s>" % (name, value, tag))

		Check().feed(text)
		for tag, n in count.items():
		    if n != 1 or text.count("<%s>" % tag) != 1:
		        bad.append("%d <%s> blocks; the CSP hashes exactly one, "
		                   "written as <%s>" % (n, tag, tag))
		for b in bad:
		    print(b)
		sys.exit(1 if bad else 0)
	EOF
	assert_output ''
}

@test "GET /?query serves the page too" {
	start_wsserve
	fetch "http://127.0.0.1:$PORT/?x=1"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 200 OK'
	run -0 cmp "$PAGE" "$BODY"
	wait_for_text "$SERVER_ERR" 'answered 200: GET /?x=1'
}

@test "a page request is logged as answered 200 with the peer" {
	start_wsserve
	fetch "http://127.0.0.1:$PORT/"
	wait_for_text "$SERVER_ERR" 'answered 200'
	run -0 grep 'not upgraded' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ not upgraded: answered 200: GET /$'
}

@test "the connection is closed after the page: no keep-alive" {
	start_wsserve
	run -0 timeout 10 curl -sS --max-time 5 -o /dev/null -o /dev/null \
		-w '%{http_code} %{num_connects}\n' \
		"http://127.0.0.1:$PORT/" "http://127.0.0.1:$PORT/"
	assert_output $'200 1\n200 1'
}

@test "other paths answer 404 and name the path in the log" {
	start_wsserve
	local path
	for path in /other /index.html /other/ // /%2F; do
		fetch "http://127.0.0.1:$PORT$path"
		run -0 sed -n 1p "$HEAD"
		assert_output 'HTTP/1.1 404 Not Found'
		assert_equal "$(header Content-Length)" "$(wc -c <"$BODY")"
		run grep -c doctype "$BODY"
		assert_output 0
	done
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 404: GET /other'
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 404: GET /%2F'
}

@test "POST / answers 405 with Allow: GET" {
	start_wsserve
	fetch -X POST --data 'x=1' "http://127.0.0.1:$PORT/"
	run -0 cat "$HEAD"
	assert_line --index 0 'HTTP/1.1 405 Method Not Allowed'
	assert_line 'Allow: GET'
	assert_line 'Connection: close'
	run -0 cat "$BODY"
	assert_output --partial 'method POST is not GET'
}

@test "HEAD / answers like GET / without the body, and HEAD /other 404" {
	start_wsserve
	fetch -I "http://127.0.0.1:$PORT/"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 200 OK'
	# The length of the body a GET would get, and no body.
	assert_equal "$(header Content-Length)" "$(wc -c <"$ROOT/src/page.html")"
	assert_equal "$(header Content-Type)" 'text/html; charset=utf-8'
	wait_for_text "$SERVER_ERR" 'not upgraded: answered 200: HEAD /'
	# curl -I never reads a body; a raw socket shows there is none.
	for path in / /other; do
		run -0 timeout 5 "$PY" "$PEERS/raw.py" request "$PORT" \
			< <(printf '%s\n' "HEAD $path HTTP/1.1" "Host: 127.0.0.1:$PORT")
		assert_line 'BODY-LENGTH 0'
		assert_line EOF
	done
	assert_line --index 0 'HTTP/1.1 404 Not Found'
}

@test "a plain GET without Host answers 400, not the page" {
	start_wsserve
	run -0 timeout 5 "$PY" "$PEERS/raw.py" request "$PORT" < <(printf '%s\n' 'GET / HTTP/1.1')
	assert_line --index 0 --regexp '^HTTP/1\.1 400 '
	refute_output --partial doctype
}

@test "--no-page answers 404 to GET / and still accepts WebSockets on /" {
	start_wsserve --no-page --echo
	fetch "http://127.0.0.1:$PORT/"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 404 Not Found'
	run grep -c doctype "$BODY"
	assert_output 0
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 404: GET /'
	run_wscat --timeout 5 0 -1 -x 'still here' "$URL"
	assert_output 'still here'
}

@test "a GET / with any WebSocket header is a failed upgrade, not a page request" {
	start_wsserve
	local h
	for h in 'Upgrade: websocket' 'Sec-WebSocket-Version: 13' \
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='; do
		fetch -H "$h" "http://127.0.0.1:$PORT/"
		run -0 cat "$HEAD"
		assert_line --index 0 'HTTP/1.1 426 Upgrade Required'
		assert_line 'Sec-WebSocket-Version: 13'
		run grep -c doctype "$BODY"
		assert_output 0
	done
}

@test "a request head over 8 KiB answers 431, page path or not" {
	start_wsserve
	local pad
	pad=$(printf 'a%.0s' {1..9000})
	fetch -H "X-Pad: $pad" "http://127.0.0.1:$PORT/"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 431 Request Header Fields Too Large'
	run grep -c doctype "$BODY"
	assert_output 0
	wait_for_text "$SERVER_ERR" 'refused 431'
}

@test "--handshake-timeout drops a page request whose head never ends" {
	start_wsserve --handshake-timeout 1
	local t0 ms
	t0=$(date +%s%N)
	run -0 timeout 10 "$PY" "$PEERS/raw.py" request "$PORT" --no-end \
		--timeout 5 < <(printf '%s\n' 'GET / HTTP/1.1' "Host: 127.0.0.1:$PORT")
	ms=$((($(date +%s%N) - t0) / 1000000))
	# No answer at all (an empty head), and the server closed the
	# connection.
	assert_output $'\n\nBODY b\'\'\nBODY-LENGTH 0\nEOF'
	[ "$ms" -ge 800 ] && [ "$ms" -lt 4000 ] ||
		fail "dropped after $ms ms, not after about 1 s"
	wait_for_text "$SERVER_ERR" 'not upgraded: handshake timed out'
	# A page request that is complete in time is still answered.
	fetch "http://127.0.0.1:$PORT/"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 200 OK'
}

@test "the page is served whatever --origin allows: the allowlist is for its WebSocket" {
	start_wsserve --origin http://example.test
	fetch "http://127.0.0.1:$PORT/"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 200 OK'
	run_wscat --timeout 5 5 -o http://other.test -x hi "$URL"
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 403 Forbidden': 403 Forbidden: origin 'http://other.test' not allowed"
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 403'
	run_wscat --timeout 5 0 -o http://example.test -x hi "$URL"
	wait_for_line "$SERVER_OUT" hi
}

@test "WebSocket upgrades still work on / and on any other path" {
	start_wsserve --echo
	local path
	for path in / /any/path '/any/path?x=1'; do
		run_wscat --timeout 5 0 -1 -x "echo $path" "ws://127.0.0.1:$PORT$path"
		assert_output "echo $path"
	done
	wait_for_line "$SERVER_OUT" 'echo /any/path'
	run -0 grep -c ' connected$' "$SERVER_ERR"
	assert_output 3
}
