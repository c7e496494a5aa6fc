#!/usr/bin/env bats
# wsserve safe on a laptop (issue 11): the Host check against DNS
# rebinding, the Origin check against cross-site WebSocket hijacking, the
# page under the same checks, --origin, --allow-host, Basic authorization
# with --auth and --auth-file, credentials kept out of logs, and refusal
# lines rate-limited.  Raw requests go over loopback from python3 (a
# socket, or ssl for wss://) and curl, each bounded in time.

load helpers
load tls_helpers

setup() {
	command -v curl >/dev/null ||
		fail "curl is missing: run \`apt-get install -y curl\`"
}

# The upgrade request of hs(), in python: argv is ADDR PORT [HEADER...];
# CA=FILE in the environment makes it TLS, verified with that CA.
HS_PY='
import os, socket, ssl, sys
addr, port = sys.argv[1], int(sys.argv[2])
extra = [os.fsencode(h) for h in sys.argv[3:]]  # the bytes as given
if not any(h.lower().startswith(b"host:") for h in extra):
    name = "[%s]" % addr if ":" in addr else addr
    extra.insert(0, b"Host: %s:%d" % (name.encode(), port))
head = [b"GET / HTTP/1.1"] + extra + [
    b"Upgrade: websocket", b"Connection: Upgrade",
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    b"Sec-WebSocket-Version: 13", b"", b""]
s = socket.create_connection((addr, port), timeout=5)
if os.environ.get("CA"):
    ctx = ssl.create_default_context(cafile=os.environ["CA"])
    s = ctx.wrap_socket(s, server_hostname=addr)
s.sendall(b"\r\n".join(head))
got = b""
while b"\r\n\r\n" not in got:
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
sys.stdout.write(got.split(b"\r\n\r\n")[0].decode("latin-1").replace("\r", ""))
print()
'

# hs ADDR PORT [HEADER...]: sends an upgrade request for / to ADDR:PORT
# with HEADERs (and "Host: ADDR:PORT" unless one of them is a Host) and
# prints the head of the answer.
hs() { timeout 10 "$PY" -c "$HS_PY" "$@"; }

# upgrade STATUS [HEADER...]: hs to wsserve on 127.0.0.1:$PORT; the answer
# has STATUS.
upgrade() {
	local want=$1
	shift
	run -0 hs 127.0.0.1 "$PORT" "$@"
	assert_line --index 0 --regexp "^HTTP/1\.1 $want "
}

# get STATUS [CURL ARGS...]: curl GET of wsserve's page answers STATUS; the
# head goes to $HEAD, CRs removed, the body to $BODY.
get() {
	local want=$1
	HEAD=$BATS_TEST_TMPDIR/head
	BODY=$BATS_TEST_TMPDIR/body
	shift
	run -0 timeout 10 curl -sS --max-time 5 -D "$HEAD.raw" -o "$BODY" \
		-w '%{http_code}' "$@" "http://127.0.0.1:$PORT/"
	assert_output "$want"
	tr -d '\r' <"$HEAD.raw" >"$HEAD"
}

# refusal_logged STATUS REASON: wsserve logged the refusal as one line.
refusal_logged() {
	wait_until 5 grep -qxE \
		"wsserve: 127\\.0\\.0\\.1:[0-9]+ not upgraded: refused $1: $2" \
		"$SERVER_ERR"
}

# no_output: nothing of a refused client reached wsserve's stdout.
no_output() {
	run cat "$SERVER_OUT"
	assert_output ''
}

# --- Host and Origin by default ------------------------------------------

@test "by default wsserve refuses a foreign Origin with 403, upgrade and page alike" {
	start_wsserve
	upgrade 403 'Origin: https://evil.example'
	run -0 hs 127.0.0.1 "$PORT" 'Origin: https://evil.example'
	refute_line --partial 'Sec-WebSocket-Accept'
	refusal_logged 403 "origin 'https://evil\\.example' not allowed"
	get 403 -H 'Origin: https://evil.example'
	run cat "$BODY"
	assert_output "403 Forbidden: origin 'https://evil.example' not allowed"
	no_output
}

@test "by default wsserve refuses a foreign Host with 403 on the upgrade, GET / and HEAD /" {
	start_wsserve
	upgrade 403 "Host: attacker.example:$PORT"
	refusal_logged 403 "host 'attacker\\.example' not allowed"
	get 403 -H "Host: attacker.example:$PORT"
	run cat "$BODY"
	assert_output "403 Forbidden: host 'attacker.example' not allowed"
	get 403 -I -H "Host: attacker.example"
	run -0 sed -n 1p "$HEAD"
	assert_output 'HTTP/1.1 403 Forbidden'
	# The name wsserve answers to, with any port, gets the page.
	get 200 -H 'Host: localhost:1'
	no_output
}

@test "DNS rebinding: Host and Origin both http://rebind.test:PORT are refused" {
	start_wsserve
	upgrade 403 "Host: rebind.test:$PORT" "Origin: http://rebind.test:$PORT"
	refusal_logged 403 "host 'rebind\\.test' not allowed"
	get 403 -H "Host: rebind.test:$PORT"
	no_output
}

@test "clients without an Origin header are accepted, with or without --origin" {
	start_wsserve --origin https://app.example
	upgrade 101
	run_wscat 0 -x 'no origin' "$URL" </dev/null
	wait_for_line "$SERVER_OUT" 'no origin'
}

@test "the page's own origin is accepted as 127.0.0.1, localhost and [::1]" {
	local port host
	port=$(free_port)
	start_wsserve -a 127.0.0.1 -a ::1 -p "$port"
	for host in 127.0.0.1 localhost '[::1]'; do
		run -0 hs 127.0.0.1 "$port" "Host: $host:$port" \
			"Origin: http://$host:$port"
		assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	done
	run -0 hs ::1 "$port" "Origin: http://[::1]:$port"
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	# Same host, another port, another scheme: another origin.
	upgrade 403 "Origin: http://127.0.0.1:$(free_port)"
	upgrade 403 "Origin: http://localhost"
	upgrade 403 "Origin: https://localhost:$port"
	run -0 timeout 10 curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
		-g "http://[::1]:$port/"
	assert_output 200
}

@test "with --cert the own origin is https://, and http:// is refused" {
	make_pki "$BATS_TEST_TMPDIR/pki"
	start_wsserve --cert "$BATS_TEST_TMPDIR/pki/server.pem" \
		--key "$BATS_TEST_TMPDIR/pki/server.key"
	export CA=$BATS_TEST_TMPDIR/pki/ca.pem
	run -0 hs 127.0.0.1 "$PORT" "Origin: https://127.0.0.1:$PORT"
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	run -0 hs 127.0.0.1 "$PORT" "Host: localhost:$PORT" \
		"Origin: https://localhost:$PORT"
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	run -0 hs 127.0.0.1 "$PORT" "Origin: http://127.0.0.1:$PORT"
	assert_line --index 0 --regexp '^HTTP/1\.1 403 '
	refusal_logged 403 "origin 'http://127\\.0\\.0\\.1:$PORT' not allowed"
}

# --- --origin and --allow-host ----------------------------------------------

@test "--origin matches exactly, as an RFC 6454 origin: case and default ports" {
	start_wsserve --origin https://App.Example --origin http://x.test:8080/
	upgrade 101 'Origin: https://app.example'
	upgrade 101 'Origin: HTTPS://APP.EXAMPLE:443'
	upgrade 101 'Origin: http://x.test:8080'
	upgrade 403 'Origin: https://app.example:8443'
	upgrade 403 'Origin: http://app.example'
	upgrade 403 'Origin: https://app.example.evil'
	upgrade 403 'Origin: null'
	refusal_logged 403 "origin 'https://app\\.example:8443' not allowed"
}

@test "--origin null lets in the opaque origin, and --origin '*' any origin" {
	start_wsserve --origin null
	upgrade 101 'Origin: null'
	upgrade 403 'Origin: https://evil.example'
	stop_wsserve
	start_wsserve --origin '*'
	upgrade 101 'Origin: https://evil.example'
	upgrade 101 'Origin: null'
	# The Host check still holds.
	upgrade 403 "Host: attacker.example:$PORT" 'Origin: https://evil.example'
}

@test "wsserve exits 2 naming a value of --origin or --allow-host that is not one" {
	run_wsserve 2 --origin app.example </dev/null
	assert_stderr_is 'wsserve: --origin app.example: not an origin (scheme://host[:port], null or *)'
	run_wsserve 2 --origin https://app.example/path </dev/null
	assert_stderr_is 'wsserve: --origin https://app.example/path: not an origin (scheme://host[:port], null or *)'
	run_wsserve 2 --allow-host 'a b' </dev/null
	assert_stderr_is 'wsserve: --allow-host a b: not a host name'
}

@test "--allow-host adds names, ports aside, and '*' turns the Host check off" {
	start_wsserve --allow-host proxy.example --allow-host Other.Test:443
	upgrade 101 "Host: proxy.example:$PORT"
	upgrade 101 'Host: other.test'
	upgrade 101 "Host: PROXY.example" "Origin: http://proxy.example:$PORT"
	upgrade 403 'Host: proxy.example.evil'
	get 200 -H 'Host: proxy.example'
	stop_wsserve
	start_wsserve --allow-host '*'
	upgrade 101 "Host: attacker.example:$PORT"
	get 200 -H 'Host: attacker.example'
	# An Origin is still ours only with the host the request names.
	upgrade 101 "Host: attacker.example:$PORT" \
		"Origin: http://attacker.example:$PORT"
	upgrade 403 "Origin: http://attacker.example:$PORT"
}

# --- authorization ----------------------------------------------------------

@test "--auth: the right credentials are let in, wrong or missing ones get 401" {
	start_wsserve --auth 'user:s3cr3t:pw'
	run_wscat 0 --auth 'user:s3cr3t:pw' -x 'let in' "$URL" </dev/null
	wait_for_line "$SERVER_OUT" 'let in'
	run_wscat 5 --auth 'user:wrong' -x nope "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 401 Unauthorized': 401 Unauthorized: authorization wrong"
	refusal_logged 401 'authorization wrong'
	run_wscat 5 -x nope "$URL" </dev/null
	refusal_logged 401 'authorization missing'
	# The page asks a browser for them.
	get 401
	run -0 grep -x 'WWW-Authenticate: Basic realm="wsserve"' "$HEAD"
	get 200 -u 'user:s3cr3t:pw'
	get 401 -u 'user:s3cr3t'
	run cat "$SERVER_OUT"
	assert_output 'let in'
	run grep -c 's3cr3t' "$SERVER_ERR"
	assert_output 0
}

@test "credentials in wscat's URL are sent, and neither tool shows them, -v included" {
	local b64
	b64=$(printf 'user:s3cr3t' | base64)
	start_wsserve -v --auth user:s3cr3t
	run_wscat 0 -v -x 'from url' "ws://user:s3cr3t@127.0.0.1:$PORT/" </dev/null
	wait_for_line "$SERVER_OUT" 'from url'
	strip_cr
	assert_stderr_line 'Authorization: Basic ***'
	assert_stderr_line "wscat: connected to ws://user:***@127.0.0.1:$PORT/ (127.0.0.1:$PORT)"
	[[ $stderr != *s3cr3t* && $stderr != *"$b64"* ]] ||
		fail "wscat showed the credentials: $stderr"
	run_wscat 5 "ws://user:wrong@127.0.0.1:$PORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://user:***@127.0.0.1:$PORT/ failed: server answered 'HTTP/1.1 401 Unauthorized': 401 Unauthorized: authorization wrong"
	wait_for_text "$SERVER_ERR" 'Authorization: Basic ***'
	run grep -cE "s3cr3t|$b64" "$SERVER_ERR"
	assert_output 0
}

@test "--auth-file takes user:pass lines and skips blank lines and comments" {
	printf '%s\n' '# users' '' 'alice:one' '  # more' 'bob:two:three' \
		>"$BATS_TEST_TMPDIR/users"
	start_wsserve --auth-file "$BATS_TEST_TMPDIR/users"
	run_wscat 0 -x alice "ws://alice:one@127.0.0.1:$PORT/" </dev/null
	run_wscat 0 --auth bob:two:three -x bob "$URL" </dev/null
	wait_for_line "$SERVER_OUT" bob
	run_wscat 5 --auth 'alice:two' -x no "$URL" </dev/null
	get 200 -u alice:one
	run cat "$SERVER_OUT"
	assert_output $'alice\nbob'
}

@test "--auth-file that is missing, malformed or empty exits 2 naming the file and line" {
	local f=$BATS_TEST_TMPDIR/users
	run_wsserve 2 --auth-file "$f" </dev/null
	assert_stderr_is "wsserve: --auth-file $f: No such file or directory"
	printf '%s\n' 'alice:one' '# x' 'secretwithoutcolon' >"$f"
	run_wsserve 2 --auth-file "$f" </dev/null
	assert_stderr_is "wsserve: --auth-file $f:3: expected user:pass"
	printf '%s\n' '# nobody' '' >"$f"
	run_wsserve 2 --auth-file "$f" </dev/null
	assert_stderr_is "wsserve: --auth-file $f: no user:pass line"
	run_wsserve 2 --auth $'a:b\x01' </dev/null
	assert_stderr_is 'wsserve: --auth: expected user:pass, without control characters'
}

@test "--auth without TLS warns once on a wildcard address, not on loopback" {
	start_wsserve --auth u:p
	run grep -c 'warning' "$SERVER_ERR"
	assert_output 0
	stop_wsserve
	start_wsserve -a 0.0.0.0 --auth u:p
	run grep -c 'warning: --auth without --cert' "$SERVER_ERR"
	assert_output 1
	# A wildcard address answers to the host name too; still over loopback.
	run -0 hs 127.0.0.1 "$PORT" \
		"Host: $("$PY" -c 'import socket; print(socket.gethostname())'):$PORT" \
		'Authorization: Basic dTpw'
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	upgrade 403 "Host: attacker.example:$PORT" 'Authorization: Basic dTpw'
}

# --- log lines --------------------------------------------------------------

@test "refusals are logged once a second per reason, then the count of those suppressed" {
	start_wsserve
	timeout 30 "$PY" -c '
import socket, sys
port = int(sys.argv[1])
def send(extra):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % extra).encode())
    assert s.recv(4096).startswith(b"HTTP/1.1 403 ")
    s.close()
for i in range(50):
    send("Origin: https://evil%d.example\r\n" % i)
' "$PORT"
	wait_for_text "$SERVER_ERR" 'not logged'
	# Let a second pass: a report still due would come now.
	sleep 1.2
	local logged suppressed=0 n
	logged=$(grep -cE 'not upgraded: refused 403: origin ' "$SERVER_ERR")
	for n in $(sed -n -E \
		's/^wsserve: ([0-9]+) more requests? refused 403 \(origin\) not logged$/\1/p' \
		"$SERVER_ERR"); do
		suppressed=$((suppressed + n))
	done
	[ "$logged" -ge 1 ] && [ "$logged" -le 2 ] ||
		fail "$logged lines for 50 refusals: $(cat "$SERVER_ERR")"
	assert_equal "$((logged + suppressed))" 50
	# Another reason has its own line at once.
	upgrade 403 "Host: attacker.example:$PORT"
	refusal_logged 403 "host 'attacker\\.example' not allowed"
	no_output
}

@test "a refused request's Origin is logged with its bytes escaped" {
	start_wsserve
	upgrade 403 $'Origin: https://\xc3\xa9\x9b.example'
	refusal_logged 403 "origin 'https://\\\\xc3\\\\xa9\\\\x9b\\.example' not allowed"
}
