#!/usr/bin/env bats
# Strictness at both ends of the opening handshake.  wsserve: raw requests
# (python3 over loopback) with obs-fold, a body, an HTTP version other than
# 1.1 or two Origin headers are refused, and every answer says nosniff.
# wscat: a value that would inject a header is a usage error, and URL user
# info is percent-decoded.  TLS: on TLS 1.2 only ECDHE with AEAD ciphers,
# both roles, checked with openssl s_client and s_server; --ciphers.

load helpers

setup_file() {
	export RSA=$BATS_FILE_TMPDIR/rsa
	mkdir -p "$RSA"
	# An RSA certificate: with EC keys, static RSA key exchange could not
	# be chosen whatever the policy, and the tests below would prove
	# nothing.
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$RSA/key.pem" \
		-out "$RSA/cert.pem" -days 2 -subj /CN=localhost \
		-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
		>/dev/null 2>&1
}

# The headers of a valid upgrade request, without the request line.
WS_HEADERS=('Host: 127.0.0.1' 'Upgrade: websocket' 'Connection: Upgrade'
	'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' 'Sec-WebSocket-Version: 13')

# request LINE...: a request head of LINEs, each ended by CRLF, then CRLF.
request() {
	printf '%s\r\n' "$@" ''
}

# raw: sends its stdin to wsserve at $PORT as it is; $output and $lines
# hold the answer's head, CRs removed (run it with `run`).
raw() {
	timeout 10 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
out = b""
while b"\r\n\r\n" not in out:
    b = s.recv(4096)
    if not b:
        break
    out += b
head = out.split(b"\r\n\r\n")[0].decode("latin-1").replace("\r", "")
print(head)
' "$PORT"
}

# refused STATUS TEXT WHY: the last raw answer is STATUS TEXT with
# nosniff, and wsserve logs the refusal with WHY.
refused() {
	assert_line --index 0 "HTTP/1.1 $1 $2"
	assert_line 'X-Content-Type-Options: nosniff'
	assert_line 'Connection: close'
	wait_for_text "$SERVER_ERR" " not upgraded: refused $1: $3"
}

# --- wsserve: HTTP strictness ------------------------------------------

@test "wsserve answers 400 to a folded Upgrade header (obs-fold)" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/1.1' 'Host: 127.0.0.1' 'Upgrade:' \
		' websocket' 'Connection: Upgrade' \
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		'Sec-WebSocket-Version: 13')
	refused 400 'Bad Request' 'header line folded (obs-fold)'
}

@test "wsserve answers 400 to any folded header line, tab or space" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'X-Note: a' $'\tb')
	refused 400 'Bad Request' 'header line folded (obs-fold)'
	run -0 raw < <(request 'GET / HTTP/1.1' 'Host:' ' 127.0.0.1')
	refused 400 'Bad Request' 'header line folded (obs-fold)'
}

@test "wsserve answers 400 to a GET with a Content-Length body, not to Content-Length: 0" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Content-Length: 5'; printf 'hello')
	refused 400 'Bad Request' 'GET request with a body'
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Content-Length: 0')
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
}

@test "wsserve answers 400 to a GET with Transfer-Encoding" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Transfer-Encoding: chunked'; printf '0\r\n\r\n')
	refused 400 'Bad Request' 'GET request with a body'
}

@test "wsserve answers 400 to HTTP/1.0" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/1.0' "${WS_HEADERS[@]}")
	refused 400 'Bad Request' 'HTTP/1.0 is not HTTP/1.1'
}

@test "wsserve answers 400 to HTTP/1.9, a later minor version" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/1.9' "${WS_HEADERS[@]}")
	refused 400 'Bad Request' 'HTTP/1.9 is not HTTP/1.1'
}

@test "wsserve answers 505 to HTTP/2.0 and HTTP/3.0" {
	start_wsserve
	run -0 raw < <(request 'GET / HTTP/2.0' "${WS_HEADERS[@]}")
	refused 505 'HTTP Version Not Supported' 'HTTP/2.0 is not HTTP/1.1'
	run -0 raw < <(request 'GET / HTTP/3.0' "${WS_HEADERS[@]}")
	refused 505 'HTTP Version Not Supported' 'HTTP/3.0 is not HTTP/1.1'
}

@test "wsserve answers 400 to two Origin headers, whatever --origin allows" {
	start_wsserve --origin http://good.example
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Origin: http://evil.example' 'Origin: http://good.example')
	refused 400 'Bad Request' 'repeated Origin header'
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Origin: http://good.example' 'Origin: http://good.example')
	refused 400 'Bad Request' 'repeated Origin header'
}

@test "wsserve says nosniff in its 403, 404 and 101 answers" {
	start_wsserve --origin http://good.example
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Origin: http://evil.example')
	refused 403 Forbidden "origin 'http://evil.example' not allowed"
	run -0 raw < <(request 'GET /nope HTTP/1.1' 'Host: 127.0.0.1')
	assert_line --index 0 'HTTP/1.1 404 Not Found'
	assert_line 'X-Content-Type-Options: nosniff'
	run -0 raw < <(request 'GET / HTTP/1.1' "${WS_HEADERS[@]}" \
		'Origin: http://good.example')
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	assert_line 'X-Content-Type-Options: nosniff'
}

# --- wscat: values that would inject headers -----------------------------

@test "wscat exits 2 on -s or -o with CR LF, and shows the value escaped" {
	run_wscat 2 -s $'chat\r\nEvil: b' ws://127.0.0.1:1/ </dev/null
	assert_output ''
	assert_stderr_is "wscat: -s 'chat\\r\\nEvil: b': not a token"
	run_wscat 2 --subprotocol $'chat\nEvil: b' ws://127.0.0.1:1/ </dev/null
	assert_stderr_is "wscat: --subprotocol 'chat\\nEvil: b': not a token"
	run_wscat 2 -o $'http://a\r\nEvil: b' ws://127.0.0.1:1/ </dev/null
	assert_output ''
	assert_stderr_is "wscat: -o 'http://a\\r\\nEvil: b': control character not allowed"
	run_wscat 2 --origin $'http://a\e[2J' ws://127.0.0.1:1/ </dev/null
	assert_stderr_is "wscat: --origin 'http://a\\x1b[2J': control character not allowed"
}

@test "wscat exits 2 on a subprotocol that is not a token" {
	run_wscat 2 -s 'a b' ws://127.0.0.1:1/ </dev/null
	assert_stderr_is 'wscat: -s a b: not a token'
	run_wscat 2 -s '' ws://127.0.0.1:1/ </dev/null
	assert_stderr_is "wscat: -s '': not a token"
	run_wscat 2 -s chat -s 'a,b' ws://127.0.0.1:1/ </dev/null
	assert_stderr_is 'wscat: -s a,b: not a token'
}

@test "wscat exits 2 on --auth with CR LF" {
	run_wscat 2 --auth $'u:p\r\nEvil: b' ws://127.0.0.1:1/ </dev/null
	assert_output ''
	assert_stderr_is "wscat: --auth 'u:p\\r\\nEvil: b': control character not allowed"
}

@test "wscat shows a bad -H and a bad URL escaped" {
	run_wscat 2 -H $'X-A: b\r\nEvil: c' ws://127.0.0.1:1/ </dev/null
	assert_stderr_is "wscat: -H 'X-A: b\\r\\nEvil: c': not a 'Name: value' header"
	run_wscat 2 $'ws://127.0.0.1:1/\r\nEvil: b' </dev/null
	assert_stderr_is "wscat: 'ws://127.0.0.1:1/\\r\\nEvil: b': invalid URL"
}

@test "wscat sends percent-decoded URL user info as Basic authorization" {
	start_wsserve --auth 'us@er:p:ss'
	run_wscat 0 "ws://us%40er:p%3Ass@127.0.0.1:$PORT/" </dev/null
	run_wscat 5 "ws://us%40er:p%3As@127.0.0.1:$PORT/" </dev/null
}

@test "wscat exits 2 on URL user info that decodes to CR LF" {
	run_wscat 2 'ws://u:p%0D%0AEvil:%20b@127.0.0.1:1/' </dev/null
	# The password is not shown, even there.
	assert_stderr_is 'wscat: ws://u:***@127.0.0.1:1/: control character in user info'
	run_wscat 2 'ws://u:p%00@127.0.0.1:1/' </dev/null
	assert_stderr_is 'wscat: ws://u:***@127.0.0.1:1/: control character in user info'
}

# --- TLS 1.2: ECDHE and AEAD only ------------------------------------------

# s_client CIPHER [ARGS...]: a TLS 1.2 handshake with wsserve at $PORT
# offering only CIPHER; $output holds what openssl printed.
s_client() {
	local cipher=$1
	shift
	run timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 \
		-cipher "$cipher" "$@" </dev/null
}

# negotiated CIPHER: the last s_client got through with CIPHER.
negotiated() {
	assert_success
	assert_line --regexp "^New, [A-Za-z0-9.]+, Cipher is $1\$"
	assert_line --regexp '^ +Protocol +: TLSv1\.2$'
}

# refused_tls: the last s_client failed the handshake.
refused_tls() {
	assert_failure
	refute_line --regexp '^New, [A-Za-z0-9.]+, Cipher is [A-Z]'
}

@test "wsserve on TLS 1.2 takes ECDHE with AES-GCM or ChaCha20-Poly1305, not static RSA or CBC" {
	start_wsserve --cert "$RSA/cert.pem" --key "$RSA/key.pem"
	s_client AES128-SHA
	refused_tls
	s_client AES128-GCM-SHA256
	refused_tls
	s_client AES256-SHA256
	refused_tls
	s_client ECDHE-RSA-AES128-SHA
	refused_tls
	s_client ECDHE-RSA-AES256-SHA384
	refused_tls
	# What it takes, and TLS 1.3 as before.
	s_client ECDHE-RSA-AES128-GCM-SHA256
	negotiated ECDHE-RSA-AES128-GCM-SHA256
	s_client ECDHE-RSA-AES256-GCM-SHA384
	negotiated ECDHE-RSA-AES256-GCM-SHA384
	s_client ECDHE-RSA-CHACHA20-POLY1305
	negotiated ECDHE-RSA-CHACHA20-POLY1305
	run timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 \
		</dev/null
	assert_success
	assert_line --regexp '^New, TLSv1\.3, Cipher is TLS_'
}

@test "wsserve --ciphers replaces the TLS 1.2 list" {
	start_wsserve --cert "$RSA/cert.pem" --key "$RSA/key.pem" \
		--ciphers 'ECDHE+AESGCM:ECDHE+AES'
	s_client ECDHE-RSA-AES128-SHA
	negotiated ECDHE-RSA-AES128-SHA
	s_client ECDHE-RSA-AES128-GCM-SHA256
	negotiated ECDHE-RSA-AES128-GCM-SHA256
	s_client AES128-SHA
	refused_tls
	stop_wsserve
	start_wsserve --cert "$RSA/cert.pem" --key "$RSA/key.pem" \
		--ciphers AES128-SHA
	s_client AES128-SHA
	negotiated AES128-SHA
	s_client ECDHE-RSA-AES128-GCM-SHA256
	refused_tls
}

# start_s_server ARGS...: openssl s_server on a free port, TLS 1.2 only,
# with the RSA certificate, answering HTTP with its status page; sets
# S_PORT.
start_s_server() {
	S_PORT=$(free_port)
	spawn s_server 60 openssl s_server -accept "127.0.0.1:$S_PORT" \
		-tls1_2 -cert "$RSA/cert.pem" -key "$RSA/key.pem" -www "$@" \
		</dev/null
	wait_for_text "$BATS_TEST_TMPDIR/s_server.out" ACCEPT 10
}

@test "wscat on TLS 1.2 offers ECDHE with AES-GCM, not static RSA or CBC" {
	start_s_server -cipher AES128-SHA:ECDHE-RSA-AES128-SHA
	run_wscat 4 -k "wss://127.0.0.1:$S_PORT/" </dev/null
	assert_stderr_line "wscat: TLS handshake with wss://127.0.0.1:$S_PORT/ failed: sslv3 alert handshake failure"
	# An ECDHE and AES-GCM server: the TLS handshake succeeds, and the
	# HTTP upgrade then fails against s_server's status page (5, not 4).
	kill "$SPAWN_PID"
	start_s_server -cipher ECDHE-RSA-AES256-GCM-SHA384
	run_wscat 5 -k "wss://127.0.0.1:$S_PORT/" </dev/null
	assert_stderr_line "wscat: handshake with wss://127.0.0.1:$S_PORT/ failed: server answered 'HTTP/1.0 200 ok'"
}

@test "wscat --ciphers replaces the TLS 1.2 list it offers" {
	start_s_server -cipher AES128-SHA
	# The TLS handshake succeeds (status 5, not 4), as above.
	run_wscat 5 -k --ciphers AES128-SHA "wss://127.0.0.1:$S_PORT/" </dev/null
	assert_stderr_line "wscat: handshake with wss://127.0.0.1:$S_PORT/ failed: server answered 'HTTP/1.0 200 ok'"
}

@test "a --ciphers list that selects nothing is a usage error naming the option" {
	run --separate-stderr -2 timeout 5 "$WSSERVE" --cert "$RSA/cert.pem" \
		--key "$RSA/key.pem" --ciphers bogus </dev/null
	assert_output ''
	assert_equal "$stderr" 'wsserve: --ciphers bogus: no TLS 1.2 cipher suite matches'
	run --separate-stderr -2 timeout 5 "$WSCAT" --ciphers bogus wss://127.0.0.1:1/ </dev/null
	assert_output ''
	assert_equal "$stderr" 'wscat: --ciphers bogus: no TLS 1.2 cipher suite matches'
	# TLS 1.3 suites are not what --ciphers sets.
	run --separate-stderr -2 timeout 5 "$WSCAT" --ciphers TLS_AES_128_GCM_SHA256 \
		wss://127.0.0.1:1/ </dev/null
	assert_equal "$stderr" 'wscat: --ciphers TLS_AES_128_GCM_SHA256: no TLS 1.2 cipher suite matches'
}

@test "wsserve --ciphers without --cert is a usage error" {
	run --separate-stderr -2 timeout 5 "$WSSERVE" --ciphers ECDHE+AESGCM </dev/null
	assert_output ''
	assert_equal "$stderr" 'wsserve: --ciphers needs --cert and --key'
}

@test "a peer's close reason reaches wsserve's log escaped, on one line" {
	start_wsserve
	run timeout 10 "$PY" - "$PORT" "$PEERS" <<'PYEOF'
import socket, sys, time
sys.path.insert(0, sys.argv[2])
import wsframe
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(wsframe.upgrade_request(wsframe.new_key()))
wsframe.recv_head(s)
s.sendall(wsframe.masked_frame(wsframe.CLOSE, wsframe.close_payload(
    4000, b"\x1b[2Jbye\nwsserve: forged")))
wsframe.read_until_eof(s, bytearray(), time.monotonic() + 5)
PYEOF
	assert_success
	wait_for_text "$SERVER_ERR" 'disconnected (4000'
	run grep -c 'forged' "$SERVER_ERR"
	assert_output 1
	run grep -F 'disconnected (4000 "\x1b[2Jbye\nwsserve: forged")' "$SERVER_ERR"
	assert_success
	run grep -c $'\x1b' "$SERVER_ERR"
	assert_output 0
}
