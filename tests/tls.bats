#!/usr/bin/env bats
# wss://: wscat and wsserve over TLS, with each other, with python3-websockets
# peers and with openssl s_client; certificate verification and its
# failures, mutual TLS, and bad files.  The PKI is made afresh for each run
# (tests/tls_helpers.bash, make_pki).

load helpers
load tls_helpers

setup_file() {
	export PKI=$BATS_FILE_TMPDIR/pki
	make_pki "$PKI"
}

# --- wscat and wsserve -----------------------------------------------

@test "wsserve --cert --key says listening on wss:// in its ready line" {
	start_wss
	assert_equal "$SCHEME" wss
	run grep -c 'listening on' "$SERVER_ERR"
	assert_output 1
	run grep 'listening on' "$SERVER_ERR"
	assert_output --regexp '^wsserve: listening on wss://127\.0\.0\.1:[0-9]+/$'
}

@test "wsserve --cert listens on wss:// on every address" {
	start_wss -a 127.0.0.1 -a ::1
	run grep -c 'listening on wss://' "$SERVER_ERR"
	assert_output 2
	run grep -c 'listening on ws://' "$SERVER_ERR"
	assert_output 0
}

@test "wscat --ca: text lines come back exactly from wsserve --echo over wss://" {
	start_wss --echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	printf '%s\n' 'hello' '  spaces around  ' $'tab\there' 'ünïcödé ✓' \
		'' 'last' >"$in"
	run_wscat --out "$out" 0 --ca "$PKI/ca.pem" "$URL" <"$in"
	cmp "$in" "$out"
	# In a pipe, a verified connection is silent.
	assert_equal "$stderr" ''
	wait_for_lines "$SERVER_OUT" 6
	cmp "$in" "$SERVER_OUT"
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
	run grep -E ' (connected|disconnected .*)$' "$SERVER_ERR"
	assert_line --index 0 --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ connected$'
	assert_line --index 1 --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ disconnected \(1000\)$'
	[ "$(count_in_log 'not upgraded')" -eq 0 ]
}

@test "an invalid UTF-8 line goes over wss:// as binary and comes back byte for byte" {
	start_wss --echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	# Every byte value but LF and CR: not UTF-8, so sent as binary.
	"$PY" -c 'import sys
sys.stdout.buffer.write(bytes(b for b in range(256) if b not in (10, 13)) + b"\n")' >"$in"
	[ "$(wc -c <"$in")" -eq 255 ]
	run_wscat --out "$out" 0 --ca "$PKI/ca.pem" "$URL" <"$in"
	cmp "$in" "$out"
	assert_one_stderr_line '^wscat: .*line 1.*binary'
	wait_for_lines "$SERVER_OUT" 1
	cmp "$in" "$SERVER_OUT"
}

@test "a 16 MiB single-line message reaches wsserve's stdout over wss:// intact" {
	start_wss
	local in=$BATS_TEST_TMPDIR/in
	head -c 12582912 /dev/urandom | base64 -w0 >"$in"
	echo >>"$in"
	[ "$(wc -c <"$in")" -eq $(((16 << 20) + 1)) ]
	run_wscat --timeout 30 0 --ca "$PKI/ca.pem" "$URL" <"$in"
	assert_equal "$stderr" ''
	wait_until 10 cmp -s "$in" "$SERVER_OUT" || cmp "$in" "$SERVER_OUT"
}

@test "100,000 lines through wsserve --echo over wss:// come back complete and in order" {
	start_wss --echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	seq 1 100000 >"$in"
	run_wscat --timeout 60 --out "$out" 0 --ca "$PKI/ca.pem" "$URL" <"$in"
	cmp "$in" "$out"
	assert_equal "$stderr" ''
	wait_for_lines "$SERVER_OUT" 100000 10
	cmp "$in" "$SERVER_OUT"
}

@test "wscat over wss:// prints the lines wsserve reads from stdin" {
	start_wss
	local d=$BATS_TEST_TMPDIR
	spawn client 10 "$WSCAT" --ca "$PKI/ca.pem" --count 2 "$HOST_URL" \
		</dev/null
	wait_for_clients 1
	server_send 'first line' 'second ✓'
	wait_for_status client 0
	cmp "$d/client.out" <(printf '%s\n' 'first line' 'second ✓')
	[ ! -s "$d/client.err" ] || fail "stderr: $(cat "$d/client.err")"
}

@test "wscat verifies wss://localhost by DNS name and wss://[::1] by IPv6 address" {
	start_wss --echo -a 127.0.0.1 -a ::1
	# With -p 0 each address gets its own port.
	local port6
	port6=$(sed -n 's|.*listening on wss://\[::1\]:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR")
	[ -n "$port6" ] || fail "no ::1 listener: $(cat "$SERVER_ERR")"
	run_wscat 0 --ca "$PKI/ca.pem" -x by-name \
		-1 "$HOST_URL"
	assert_output by-name
	run_wscat 0 --ca "$PKI/ca.pem" -x by-v6 \
		-1 "wss://[::1]:$port6/"
	assert_output by-v6
}

@test "wscat with the key in the --cert file (no --key) authenticates to wsserve --client-ca" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run_wscat 0 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.both.pem" -x both -1 "$URL"
	assert_output both
}

# --- python3-websockets and openssl peers ----------------------------

@test "wscat --ca talks to a python3-websockets TLS server (echo)" {
	start_py_tls_server --cert "$PKI/server.pem" --key "$PKI/server.key" echo
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	printf '%s\n' 'hello python' 'ünï ✓' '' 'end' >"$in"
	# --count: python-websockets answers a close without waiting for its
	# handler to echo what came before.
	run_wscat --out "$out" 0 --ca "$PKI/ca.pem" --count 4 \
		"wss://localhost:$PY_PORT/" <"$in"
	cmp "$in" "$out"
	assert_equal "$stderr" ''
}

@test "wscat sends SNI for a DNS name and none for an IP literal (python server)" {
	start_py_tls_server --cert "$PKI/server.pem" --key "$PKI/server.key" sni
	run_wscat 0 --ca "$PKI/ca.pem" -1 \
		"wss://localhost:$PY_PORT/" </dev/null
	assert_output localhost
	run_wscat 0 --ca "$PKI/ca.pem" -1 \
		"wss://127.0.0.1:$PY_PORT/" </dev/null
	assert_output None
}

@test "wscat --cert --key --passphrase presents its client certificate to a python server" {
	start_py_tls_server --cert "$PKI/server.pem" --key "$PKI/server.key" \
		--client-ca "$PKI/ca.pem" peer-cert
	run_wscat 0 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.enc.key" \
		--passphrase secret -x echoed --count 2 "wss://localhost:$PY_PORT/"
	assert_output $'client\nechoed'
}

@test "a python3-websockets TLS client verifying with the CA talks to wsserve both ways" {
	start_wss
	local out=$BATS_TEST_TMPDIR/client.out
	spawn client 10 "$PY" "$PEERS/py_client.py" --ca "$PKI/ca.pem" \
		"$HOST_URL" -t 'from python ✓' -b 00ff0a -n 1 </dev/null
	wait_for_clients 1
	server_send 'from wsserve'
	wait_for_status client 0
	run cat "$out"
	assert_output $'open\nsubprotocol none\ntext "from wsserve"\nclose 1000 '
	local want=$BATS_TEST_TMPDIR/want
	printf 'from python ✓\n\0\377\n\n' >"$want"
	wait_until 5 cmp -s "$want" "$SERVER_OUT" || cmp "$want" "$SERVER_OUT"
}

@test "a python TLS client is refused by wsserve --client-ca without a certificate, served with one" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run -0 timeout 10 "$PY" "$PEERS/py_client.py" --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.key" "$URL" -t mutual -n 1
	assert_line --index 2 'text "mutual"'
	run ! timeout 10 "$PY" "$PEERS/py_client.py" --ca "$PKI/ca.pem" "$URL" \
		-t nocert -n 1
	refute_line 'text "nocert"'
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: '
}

@test "openssl s_client -CAfile completes the TLS handshake with wsserve (verify 0)" {
	start_wss
	run -0 timeout 10 openssl s_client -connect "127.0.0.1:$PORT" \
		-CAfile "$PKI/ca.pem" -verify_ip 127.0.0.1 -verify_return_error \
		</dev/null
	assert_line --regexp '^ *Verify return code: 0 \(ok\)$'
	assert_line --partial 'subject=CN = server'
}

@test "an upgrade request typed through openssl s_client gets 101 from wsserve" {
	start_wss
	local out=$BATS_TEST_TMPDIR/s_client.out
	# The request, then a masked close (1000, zero mask): wsserve answers
	# with its own close and ends the connection, so s_client exits.
	{
		upgrade_request
		printf '\210\202\0\0\0\0\3\350'
	} | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" \
		-CAfile "$PKI/ca.pem" -verify_return_error -quiet \
		>"$out" 2>"$BATS_TEST_TMPDIR/s_client.err"
	run head -1 "$out"
	assert_output $'HTTP/1.1 101 Switching Protocols\r'
	grep -qF 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=' "$out"
	# The close reply, 0x88 0x02 0x03 0xe8, ends the output.
	run -0 bash -c 'tail -c 4 "$1" | od -An -tx1' _ "$out"
	assert_output ' 88 02 03 e8'
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
}

@test "wsserve speaks TLS 1.2 but refuses TLS 1.1 (openssl s_client)" {
	start_wss
	run -0 timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 \
		-CAfile "$PKI/ca.pem" -verify_return_error </dev/null
	assert_line --regexp '^ *Protocol *: TLSv1\.2$'
	# SECLEVEL=0 lets this openssl offer TLS 1.1 at all; an openssl
	# s_server with the same certificate accepts it.
	run ! timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 \
		-cipher DEFAULT@SECLEVEL=0 -CAfile "$PKI/ca.pem" </dev/null
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: '
	[ "$(count_in_log ' connected')" -eq 0 ]
}

# --- verification failures -------------------------------------------

@test "wscat exits 4 for a CA the system trust store does not know" {
	start_wss --echo
	unset SSL_CERT_FILE SSL_CERT_DIR
	run_wscat 4 -x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: certificate verify failed: unable to get local issuer certificate"
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: '
	run grep 'not upgraded' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ not upgraded: TLS: [^ ].*$'
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "wscat exits 4 for a self-signed server certificate" {
	start_wsserve_tls --echo --cert "$PKI/selfsigned.pem" \
		--key "$PKI/selfsigned.key"
	unset SSL_CERT_FILE SSL_CERT_DIR
	run_wscat 4 -x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: certificate verify failed: self-signed certificate"
}

@test "wscat --ca with another CA exits 4" {
	start_wss --echo
	run_wscat 4 --ca "$PKI/other.pem" \
		-x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: certificate verify failed: unable to get local issuer certificate"
}

@test "wscat --ca trusts only that file, even with SSL_CERT_FILE set to the right CA" {
	start_wss --echo
	SSL_CERT_FILE=$PKI/ca.pem run_wscat 4 --ca "$PKI/other.pem" -x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: certificate verify failed: unable to get local issuer certificate"
}

@test "wscat exits 4 with hostname mismatch for a certificate of another host" {
	start_wsserve_tls --echo --cert "$PKI/wronghost.pem" \
		--key "$PKI/wronghost.key"
	run_wscat 4 --ca "$PKI/ca.pem" \
		-x hi "$HOST_URL"
	assert_output ''
	# OpenSSL 1.1 spells it "Hostname mismatch", 3.0 "hostname mismatch".
	assert_stderr_is "wscat: TLS handshake with $HOST_URL failed: certificate verify failed: hostname mismatch"
	run_wscat 4 --ca "$PKI/ca.pem" \
		-x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: certificate verify failed: IP address mismatch"
}

@test "wscat exits 4 with certificate has expired for an expired certificate" {
	start_wsserve_tls --echo --cert "$PKI/expired.pem" --key "$PKI/expired.key"
	run_wscat 4 --ca "$PKI/ca.pem" \
		-x hi "$HOST_URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $HOST_URL failed: certificate verify failed: certificate has expired"
}

@test "wscat -k and -n accept unknown CA, other CA, wrong host and expired, with a warning" {
	local cert ca flag url
	unset SSL_CERT_FILE SSL_CERT_DIR
	for cert in server:none server:other wronghost:ca expired:ca \
		selfsigned:none; do
		start_wsserve_tls --echo --cert "$PKI/${cert%%:*}.pem" \
			--key "$PKI/${cert%%:*}.key"
		ca=()
		[ "${cert#*:}" = none ] || ca=(--ca "$PKI/${cert#*:}.pem")
		for flag in -k -n --insecure --no-check; do
			for url in "$HOST_URL" "$URL"; do
				run_wscat 0 "$flag" "${ca[@]}" -x "$cert $flag" -1 "$url"
				assert_output "$cert $flag"
				assert_stderr_is 'wscat: warning: TLS certificates are not verified (--insecure)'
			done
		done
		stop_wsserve
	done
}

@test "SSL_CERT_FILE or SSL_CERT_DIR naming the CA makes verification pass without --ca" {
	start_wss --echo
	SSL_CERT_FILE=$PKI/ca.pem run_wscat 0 -x by-file -1 "$HOST_URL"
	assert_output by-file
	assert_equal "$stderr" ''
	unset SSL_CERT_FILE
	SSL_CERT_DIR=$PKI/hashdir run_wscat 0 -x by-dir -1 "$URL"
	assert_output by-dir
	assert_equal "$stderr" ''
}

# --- mutual TLS --------------------------------------------------------

@test "wsserve --client-ca: wscat without a client certificate exits 4" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run_wscat 4 --ca "$PKI/ca.pem" -x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: tlsv13 alert certificate required"
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: '
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "wsserve --client-ca: wscat with a certificate from another CA exits 4" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run_wscat 4 --ca "$PKI/ca.pem" \
		--cert "$PKI/otherclient.pem" --key "$PKI/otherclient.key" \
		-x hi "$URL"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with $URL failed: tlsv1 alert unknown ca"
	# wsserve checked the chain and found no issuer it trusts.
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: certificate verify failed: '
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "wsserve --client-ca: wscat with the right client certificate exits 0" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run_wscat 0 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.key" -x mutual -1 "$URL"
	assert_output mutual
	assert_equal "$stderr" ''
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
	[ "$(count_in_log 'not upgraded')" -eq 0 ]
}

@test "wsserve --client-ca: an encrypted client key works with --passphrase, not with a wrong one" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run_wscat 0 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.enc.key" \
		--passphrase secret -x encrypted -1 "$URL"
	assert_output encrypted
	assert_equal "$stderr" ''
	run_wscat 2 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.enc.key" \
		--passphrase wrong -x never -1 "$URL"
	assert_output ''
	assert_one_stderr_line "^wscat: $PKI/client.enc.key: "
	# Refused before connecting: the server saw one client only.
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
	[ "$(count_in_log ' connected')" -eq 1 ]
}

# --- plain and TLS mixed up --------------------------------------------

@test "a ws:// client on a wss:// port fails and wsserve logs not upgraded: TLS: http request" {
	start_wss --echo
	# Lost in the handshake (exit 6): wsserve drops the connection.
	run_wscat 6 -x hi "ws://127.0.0.1:$PORT/"
	assert_output ''
	assert_one_stderr_line '^wscat: '
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: http request'
	run grep 'not upgraded' "$SERVER_ERR"
	assert_output --regexp '^wsserve: 127\.0\.0\.1:[0-9]+ not upgraded: TLS: http request$'
}

@test "an HTTP upgrade request on a wss:// port is dropped at once, without 101" {
	start_wss
	SECONDS=0
	run -0 timeout 5 "$PY" "$PEERS/raw.py" request "$PORT" --timeout 3 \
		< <(printf '%s\n' 'GET / HTTP/1.1' 'Host: 127.0.0.1' \
			'Upgrade: websocket' 'Connection: Upgrade' \
			'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
			'Sec-WebSocket-Version: 13')
	[ "$SECONDS" -le 2 ] || fail "dropped after ${SECONDS}s"
	refute_output --partial ' 101 '
	assert_line EOF
	wait_for_text "$SERVER_ERR" 'not upgraded: TLS: http request'
}

@test "a wss:// client on a plain ws:// port exits 4 at once with a TLS error" {
	# The default 10 s handshake timeout: wsserve must answer the TLS
	# hello as a malformed request (400), not wait for the end of a head.
	start_wsserve --echo
	run_wscat --timeout 5 4 --ca "$PKI/ca.pem" -x hi \
		"wss://127.0.0.1:$PORT/"
	assert_output ''
	assert_stderr_is "wscat: TLS handshake with wss://127.0.0.1:$PORT/ failed: the server does not speak TLS (wrong version number)"
	wait_for_text "$SERVER_ERR" 'not upgraded'
}

@test "wsserve --handshake-timeout drops a TLS connection that sends nothing" {
	start_wss --handshake-timeout 1
	run -0 timeout 5 "$PY" "$PEERS/raw.py" idle "$PORT" 4
	assert_output --regexp '^EOF after (0\.[5-9]|1\.[0-9]|2\.[0-9]|3\.0)$'
	wait_for_text "$SERVER_ERR" 'not upgraded: handshake timed out'
}

@test "wsserve --handshake-timeout drops a TLS client stuck after its hello" {
	start_wss --handshake-timeout 1
	# A TLS handshake record header announcing 512 bytes, one byte of
	# them, then silence: wsserve is inside the TLS handshake.
	run -0 timeout 5 "$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(bytes.fromhex("160301020001"))
t = time.monotonic()
s.settimeout(4)
try:
    d = s.recv(100)
except socket.timeout:
    print("NO-EOF"); sys.exit()
except ConnectionResetError:
    d = b""
print("EOF after %.1f" % (time.monotonic() - t) if not d else "DATA")
' "$PORT"
	assert_output --regexp '^EOF after (0\.[5-9]|1\.[0-9]|2\.[0-9]|3\.0)$'
	wait_for_text "$SERVER_ERR" 'not upgraded: handshake timed out'
}

# --- bad files and options ---------------------------------------------

@test "wsserve exits 2 with one line for missing or mismatched --cert/--key/--client-ca" {
	local bad=$BATS_TEST_TMPDIR/nonexistent.pem
	run_wsserve --timeout 5 2 -p 0 --cert "$bad" \
		--key "$PKI/server.key" </dev/null
	assert_stderr_is "wsserve: $bad: No such file or directory"
	run_wsserve --timeout 5 2 -p 0 \
		--cert "$PKI/server.pem" --key "$bad" </dev/null
	assert_stderr_is "wsserve: $bad: No such file or directory"
	run_wsserve --timeout 5 2 -p 0 \
		--cert "$PKI/server.pem" --key "$PKI/client.key" </dev/null
	assert_stderr_is "wsserve: $PKI/client.key: key values mismatch"
	run_wsserve --timeout 5 2 -p 0 \
		--cert "$PKI/server.pem" --key "$PKI/server.key" \
		--client-ca "$bad" </dev/null
	assert_stderr_is "wsserve: $bad: No such file or directory"
	# A key where the certificate should be.
	run_wsserve --timeout 5 2 -p 0 \
		--cert "$PKI/server.key" --key "$PKI/server.key" </dev/null
	assert_one_stderr_line "^wsserve: $PKI/server\.key: [^ ].*$"
	# A certificate file with no certificate in it as --client-ca.
	run_wsserve --timeout 5 2 -p 0 \
		--cert "$PKI/server.pem" --key "$PKI/server.key" \
		--client-ca "$PKI/server.key" </dev/null
	assert_one_stderr_line "^wsserve: $PKI/server\.key: [^ ].*$"
}

@test "wsserve --cert without --key (and the reverse) is a usage error, exit 2" {
	run_wsserve --timeout 5 2 -p 0 \
		--cert "$PKI/server.pem" </dev/null
	assert_stderr_is 'wsserve: --cert and --key go together'
	run_wsserve --timeout 5 2 -p 0 \
		--key "$PKI/server.key" </dev/null
	assert_stderr_is 'wsserve: --cert and --key go together'
}

@test "wscat exits 2 with one line naming a bad --ca, --cert or --key file" {
	start_wss --echo
	local bad=$BATS_TEST_TMPDIR/nonexistent.pem
	run_wscat --timeout 5 2 --ca "$bad" -x hi "$URL"
	assert_stderr_is "wscat: $bad: No such file or directory"
	run_wscat --timeout 5 2 --ca "$PKI/server.key" \
		-x hi "$URL"
	assert_one_stderr_line "^wscat: $PKI/server\.key: [^ ].*$"
	run_wscat --timeout 5 2 --ca "$PKI/ca.pem" \
		--cert "$bad" --key "$PKI/client.key" -x hi "$URL"
	assert_stderr_is "wscat: $bad: No such file or directory"
	run_wscat --timeout 5 2 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$bad" -x hi "$URL"
	assert_stderr_is "wscat: $bad: No such file or directory"
	run_wscat --timeout 5 2 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/server.key" -x hi "$URL"
	assert_stderr_is "wscat: $PKI/server.key: key values mismatch"
	# No --key: the key is looked for in the --cert file.
	run_wscat --timeout 5 2 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" -x hi "$URL"
	assert_one_stderr_line "^wscat: $PKI/client\.pem: [^ ].*$"
	# None of these reached the server.
	[ "$(count_in_log ' connected')" -eq 0 ]
	[ "$(count_in_log 'not upgraded')" -eq 0 ]
}

@test "an encrypted key without --passphrase fails at once and never reads stdin" {
	start_wss --echo
	# Were a prompt to read stdin, "secret" would be eaten and "hello"
	# lost; instead wscat must refuse before connecting.
	run_wscat 2 --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.enc.key" "$URL" \
		< <(printf 'secret\nhello\n')
	assert_stderr_is "wscat: $PKI/client.enc.key: the key is encrypted and no passphrase was given"
	assert_output ''
	run_wsserve 2 -p 0 --cert "$PKI/server.pem" \
		--key "$PKI/server.enc.key" < <(printf 'secret\nfirst\n')
	assert_stderr_is "wsserve: $PKI/server.enc.key: the key is encrypted and no passphrase was given"
}

@test "over TLS, fragmented and 16 MiB messages from python echo back whole" {
	start_wss --echo
	# 16 MiB of multi-byte text, sent as 4097-character frames so that
	# frames split UTF-8 sequences and TLS records alike.
	"$PY" -c 'import sys; sys.stdout.write("ü€𝄞" * (16 * 1024 * 1024 // 9))' \
		>"$BATS_TEST_TMPDIR/big.txt"
	run -0 timeout 60 "$PY" "$PEERS/py_client.py" --ca "$PKI/ca.pem" \
		--fragment 4097 --text-file "$BATS_TEST_TMPDIR/big.txt" \
		-t 'small after big' --fragment 4097 -n 2 "$HOST_URL" 4>&-
	assert_line --index 0 open
	assert_line --index 3 'text "small after big"'
	# The echo of the big message is line 2; compare its length and digest
	# through wsserve's stdout instead of the repr.
	wait_for_lines "$SERVER_OUT" 2 20
	head -n 1 "$SERVER_OUT" | tr -d '\n' | cmp - "$BATS_TEST_TMPDIR/big.txt"
	[[ ${lines[2]} == 'text "'* ]]
	[ "${#lines[2]}" -gt $((16 * 1024 * 1024 / 9 * 3)) ]
}

@test "--max-clients holds over TLS: one too many gets 503 after the TLS handshake" {
	start_wss --max-clients 1
	spawn c1 20 "$WSCAT" --ca "$PKI/ca.pem" -w -1 "$URL" </dev/null
	wait_for_clients 1
	run_wscat 5 --ca "$PKI/ca.pem" -x hi "$URL"
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 503 Service Unavailable': 503 Service Unavailable: too many clients"
	wait_for_text "$SERVER_ERR" 'not upgraded: refused 503: too many clients'
	# The count of those being turned away comes back down: once the
	# first client goes, a new one is admitted.
	kill -TERM "$SPAWN_PID"
	wait_for_status c1 143 15
	wait_until 5 clients_are 0
	run_wscat 0 --ca "$PKI/ca.pem" -x again "$URL" </dev/null
	wait_for_line "$SERVER_OUT" again
}
