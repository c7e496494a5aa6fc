#!/usr/bin/env bats
# npm wscat compatibility and the errors users meet first: -x waits 2 s
# for replies, --host, -H Host, -p, http:// and https://, --passphrase
# asked on the terminal; what a refused handshake, a TLS mix-up or an
# empty URL says; wsserve -a '[::1]'; and input not sent makes the exit
# status 1.  Each test checks the exact stderr line and exit status.

load helpers
load tls_helpers

# askpass.py OUT ANSWER CMD... (python3, standard library only): runs CMD
# with a new pty as its controlling terminal (stdin and stderr stay as
# given, stdout goes to the file OUT), waits up to 10 s for a prompt
# ending in ": " on the pty and prints it as "PROMPT text", then "ECHO on"
# or "ECHO off" for the pty's echo flag at that moment; types ANSWER (in
# which Python escapes stand for their bytes) and prints, once CMD has
# exited, "AFTER repr" for what CMD wrote on the pty after the prompt and
# "ECHO on/off" again.  Exits with CMD's status, 128+N for signal N.
setup_file() {
	export PKI=$BATS_FILE_TMPDIR/pki
	make_pki "$PKI"
	cat >"$BATS_FILE_TMPDIR/askpass.py" <<'EOF'
import codecs, os, select, subprocess, sys, termios, time

out, answer = sys.argv[1], codecs.escape_decode(sys.argv[2].encode())[0]
cmd = sys.argv[3:]
master, slave = os.openpty()
name = os.ttyname(slave)

def take_tty():
    os.setsid()
    os.close(os.open(name, os.O_RDWR))  # the session's terminal now

def read_some(secs):
    if not select.select([master], [], [], secs)[0]:
        return None
    try:
        return os.read(master, 4096)
    except OSError:
        return b""

def echo():
    return "on" if termios.tcgetattr(slave)[3] & termios.ECHO else "off"

with open(out, "wb") as f:
    child = subprocess.Popen(cmd, stdout=f, preexec_fn=take_tty)
shown = b""
deadline = time.monotonic() + 10
while not shown.endswith(b": ") and time.monotonic() < deadline:
    shown += read_some(0.1) or b""
print("PROMPT", shown.decode("utf-8", "replace"), flush=True)
print("ECHO", echo(), flush=True)
os.write(master, answer)
rest = b""
while child.poll() is None:
    rest += read_some(0.1) or b""
while True:
    data = read_some(0.2)
    if not data:
        break
    rest += data
print("AFTER", repr(rest), flush=True)
print("ECHO", echo(), flush=True)
rc = child.returncode
sys.exit(rc if rc >= 0 else 128 - rc)
EOF
}

# ms_since T0: milliseconds since T0, a `date +%s%N` reading.
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# start_answer ANSWER: tests/peers/answer.py in the background, answering
# every connection with ANSWER; sets APORT.
start_answer() {
	start_peer answer 60 "$PY" "$PEERS/answer.py" "$@" || return
	APORT=$PEER_PORT
}

# --- -x waits for replies ----------------------------------------------

@test "-x without -w waits 2 s for the replies of an asynchronous server, as npm wscat" {
	# The reply comes 0.5 s after the message: a close sent at once
	# would reach the server first and lose it.
	start_peer py 30 "$PY" "$PEERS/py_server.py" delay-reply 0.5
	local t0 took
	t0=$(date +%s%N)
	run_wscat 0 -x hi "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_output hi
	assert_equal "$stderr" ''
	took=$(ms_since "$t0")
	echo "# closed after $took ms" >&3
	[ "$took" -ge 1900 ] && [ "$took" -le 4500 ]
}

@test "-x with -w 0 closes at once, and the asynchronous reply is lost" {
	start_peer py 30 "$PY" "$PEERS/py_server.py" delay-reply 0.5
	local t0
	t0=$(date +%s%N)
	run_wscat 0 -w 0 -x hi "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_output ''
	assert_equal "$stderr" ''
	[ "$(ms_since "$t0")" -lt 1500 ]
}

@test "the end of stdin closes at once without -w: the race any client has" {
	start_peer py 30 "$PY" "$PEERS/py_server.py" delay-reply 0.5
	run_wscat 0 "ws://127.0.0.1:$PEER_PORT/" <<<hi
	assert_output ''
	assert_equal "$stderr" ''
	# -w waits for it.
	run_wscat 0 -w 2 "ws://127.0.0.1:$PEER_PORT/" <<<hi
	assert_output hi
}

@test "-x with --count ends as soon as the replies are in, before 2 s" {
	start_peer py 30 "$PY" "$PEERS/py_server.py" delay-reply 0.3
	local t0
	t0=$(date +%s%N)
	run_wscat 0 -x one -x two --count 2 "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_output $'one\ntwo'
	assert_equal "$stderr" ''
	[ "$(ms_since "$t0")" -lt 1800 ]
}

@test "-x ends before 2 s when the server closes first" {
	start_peer py 30 "$PY" "$PEERS/py_server.py" send-then-close 1000 bye first
	local t0
	t0=$(date +%s%N)
	run_wscat 0 -x hi "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_output first
	assert_equal "$stderr" ''
	[ "$(ms_since "$t0")" -lt 1500 ]
}

@test "-x -1 -w -1 waits for a reply that takes longer than 2 s" {
	start_peer py 30 "$PY" "$PEERS/py_server.py" delay-reply 2.5
	run_wscat 0 -x late -1 -w -1 "ws://127.0.0.1:$PEER_PORT/" </dev/null
	assert_output late
	assert_equal "$stderr" ''
}

# --- --host and -H Host --------------------------------------------------

@test "--host replaces the Host header" {
	start_wsserve --echo
	run_wscat 5 --host example.test -x hi "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 403 Forbidden': 403 Forbidden: host 'example.test' not allowed"
	wait_for_text "$SERVER_ERR" "refused 403: host 'example.test' not allowed"
	# A name wsserve answers to gets through.
	run_wscat 0 -v --host "localhost:$PORT" -x hi --count 1 "$URL" </dev/null
	assert_output hi
	strip_cr
	run grep -c '^Host: ' <<<"$stderr"
	assert_output 1
	assert_stderr_line "Host: localhost:$PORT"
}

@test "-H 'Host: ...' replaces the Host header instead of adding a second one" {
	start_wsserve --echo
	# Two Host lines would be refused with 400.
	run_wscat 0 -v -H "host: localhost:$PORT" -x hi --count 1 "$URL" </dev/null
	assert_output hi
	strip_cr
	run grep -ci '^Host: ' <<<"$stderr"
	assert_output 1
	assert_stderr_line "Host: localhost:$PORT"
	# The last -H Host counts, --host before all of them.
	run_wscat 5 -H 'Host: a.test' -H 'HOST: b.test' -x hi "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 403 Forbidden': 403 Forbidden: host 'b.test' not allowed"
	run_wscat 5 --host c.test -H 'Host: b.test' -x hi "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 403 Forbidden': 403 Forbidden: host 'c.test' not allowed"
	# Other headers are still added.
	run_wscat 0 -v -H 'X-Hostname: x' -x hi --count 1 "$URL" </dev/null
	strip_cr
	assert_stderr_line 'X-Hostname: x'
	assert_stderr_line "Host: 127.0.0.1:$PORT"
}

@test "a bad --host or -H Host value is a usage error naming it" {
	run_wscat 2 --host 'a b' ws://127.0.0.1:1/
	assert_stderr_is "wscat: --host a b: white space not allowed"
	run_wscat 2 --host '' ws://127.0.0.1:1/
	assert_stderr_is "wscat: --host '': empty host"
	run_wscat 2 --host $'a\rb' ws://127.0.0.1:1/
	assert_stderr_is "wscat: --host 'a\\rb': control character not allowed"
	run_wscat 2 -H 'Host: a b' ws://127.0.0.1:1/
	assert_stderr_is "wscat: -H Host: a b: white space not allowed"
	run_wscat 2 -H 'Host:' ws://127.0.0.1:1/
	assert_stderr_is "wscat: -H Host:: empty host"
}

# --- -p/--protocol ---------------------------------------------------------

@test "-p 8 is a usage error: only protocol version 13 is supported" {
	run_wscat 2 -p 8 ws://127.0.0.1:1/
	assert_stderr_is 'wscat: -p 8: only protocol version 13 is supported'
	run_wscat 2 --protocol 7 ws://127.0.0.1:1/
	assert_stderr_is 'wscat: --protocol 7: only protocol version 13 is supported'
	run_wscat 2 --protocol=13.0 ws://127.0.0.1:1/
	assert_stderr_is 'wscat: --protocol 13.0: only protocol version 13 is supported'
}

@test "-p 13 is accepted and changes nothing" {
	start_wsserve --echo
	run_wscat 0 -p 13 -x hi --count 1 "$URL" </dev/null
	assert_output hi
	assert_equal "$stderr" ''
	run_wscat 0 --protocol=13 -x hi --count 1 "$URL" </dev/null
	assert_output hi
}

# --- http:// and https:// ------------------------------------------------

@test "http:// means ws:// and https:// means wss://, as in npm wscat" {
	start_wsserve --echo
	run_wscat 0 -x plain --count 1 "http://127.0.0.1:$PORT/" </dev/null
	assert_output plain
	assert_equal "$stderr" ''
	start_wss --echo
	run_wscat 0 --ca "$PKI/ca.pem" -x secure --count 1 \
		"https://localhost:$PORT/" </dev/null
	assert_output secure
	assert_equal "$stderr" ''
}

@test "other schemes and an empty URL are usage errors" {
	run_wscat 2 ftp://127.0.0.1/
	assert_stderr_is 'wscat: ftp://127.0.0.1/: scheme must be ws://, wss://, http:// or https://'
	local usage
	usage=$("$WSCAT" --help | sed -n '1,/^$/p' | sed '/^$/d')
	run_wscat 2 ''
	assert_equal "${stderr_lines[0]}" 'wscat: empty URL'
	assert_equal "$(printf '%s\n' "${stderr_lines[@]:1}")" "$usage"
	run_wscat 2 -c ''
	assert_equal "${stderr_lines[0]}" 'wscat: empty URL'
}

# --- --passphrase on the terminal --------------------------------------

@test "--passphrase as the last word asks on the terminal with echo off, not on stdin" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	local out=$BATS_TEST_TMPDIR/out
	run --separate-stderr timeout 20 "$PY" "$BATS_FILE_TMPDIR/askpass.py" \
		"$out" 'secret\n' "$WSCAT" --ca "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.enc.key" \
		--count 1 "$URL" --passphrase < <(printf 'hello\n')
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 "PROMPT Passphrase for $PKI/client.enc.key: "
	assert_line --index 1 'ECHO off'
	# Nothing typed was echoed; the terminal's echo is back.
	assert_line --index 2 "AFTER b'\\r\\n'"
	assert_line --index 3 'ECHO on'
	# stdin was left to the messages.
	run cat "$out"
	assert_output hello
	wait_for_text "$SERVER_ERR" ' disconnected (1000)'
}

@test "--passphrase at the prompt: Ctrl-C restores the echo, Ctrl-D is an error" {
	local args=(--cert "$PKI/client.pem" --key "$PKI/client.enc.key"
		-x hi wss://127.0.0.1:1/ --passphrase)
	run --separate-stderr timeout 20 "$PY" "$BATS_FILE_TMPDIR/askpass.py" \
		/dev/null '\x03' "$WSCAT" "${args[@]}" </dev/null
	assert_failure 130
	assert_equal "$stderr" ''
	assert_line --index 1 'ECHO off'
	assert_line --index 3 'ECHO on'
	run --separate-stderr timeout 20 "$PY" "$BATS_FILE_TMPDIR/askpass.py" \
		/dev/null '\x04' "$WSCAT" "${args[@]}" </dev/null
	assert_failure 2
	assert_equal "$stderr" 'wscat: --passphrase: no passphrase typed'
	assert_line --index 3 'ECHO on'
}

@test "--passphrase without a value and without a terminal is a usage error" {
	# setsid: a new session, with no controlling terminal.
	run --separate-stderr timeout 10 setsid -w "$WSCAT" \
		--cert "$PKI/client.pem" --key "$PKI/client.enc.key" \
		wss://127.0.0.1:1/ --passphrase < <(printf 'secret\nhello\n')
	assert_failure 2
	assert_equal "$stderr" 'wscat: --passphrase: no terminal to ask on (No such device or address); give it as --passphrase PASS'
	assert_output ''
}

@test "--passphrase PASS with a space still takes the next word as the passphrase" {
	start_wss --echo --client-ca "$PKI/ca.pem"
	run_wscat 0 --ca "$PKI/ca.pem" --cert "$PKI/client.pem" \
		--key "$PKI/client.enc.key" --passphrase secret -x spaced -1 "$URL"
	assert_output spaced
	run_wscat 0 --ca "$PKI/ca.pem" --cert "$PKI/client.pem" \
		--key "$PKI/client.enc.key" -x equals -1 "$URL" --passphrase=secret
	assert_output equals
}

# --- a refused handshake says why -----------------------------------------

@test "a refusal shows the status line and the first line of a short text body" {
	start_wsserve
	run_wscat 5 -o http://evil.test -x hi "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: server answered 'HTTP/1.1 403 Forbidden': 403 Forbidden: origin 'http://evil.test' not allowed"
	start_answer 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 34\r\n\r\nno such\tthing: \xc3\xbcber\r\nsecond line\n'
	run_wscat 5 "ws://127.0.0.1:$APORT/x" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/x failed: server answered 'HTTP/1.1 404 Not Found': no such\\x09thing: über"
}

@test "a refusal's body is not shown when it is not short plain text" {
	start_answer 'HTTP/1.1 500 Oops\r\nContent-Type: text/html\r\n\r\n<html>\n'
	run_wscat 5 "ws://127.0.0.1:$APORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/ failed: server answered 'HTTP/1.1 500 Oops'"
	kill "$PEER_PID"
	# Escape sequences are not text: nothing of them reaches stderr.
	start_answer 'HTTP/1.1 400 Bad Request\r\n\r\n\x1b[2J\x1b]0;PWNED\x07FAKE\n'
	run_wscat 5 "ws://127.0.0.1:$APORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/ failed: server answered 'HTTP/1.1 400 Bad Request'"
	kill "$PEER_PID"
	start_answer "HTTP/1.1 400 Bad Request\\r\\n\\r\\n$(printf 'x%.0s' {1..201})\\n"
	run_wscat 5 "ws://127.0.0.1:$APORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/ failed: server answered 'HTTP/1.1 400 Bad Request'"
}

@test "a redirect shows its Location and says it is not followed" {
	start_answer 'HTTP/1.1 301 Moved Permanently\r\nLocation: wss://example.test/new?a=1\r\nContent-Length: 6\r\n\r\nmoved\n'
	run_wscat 5 "ws://127.0.0.1:$APORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/ failed: server answered 'HTTP/1.1 301 Moved Permanently', Location: wss://example.test/new?a=1 (redirects are not followed)"
	assert_output ''
}

# --- TLS mixed up, and TLS errors naming the URL -------------------------

@test "wss:// to a plain port: the server does not speak TLS" {
	start_wsserve
	run_wscat 4 -x hi "wss://127.0.0.1:$PORT/" </dev/null
	assert_stderr_is "wscat: TLS handshake with wss://127.0.0.1:$PORT/ failed: the server does not speak TLS (wrong version number)"
	assert_output ''
}

@test "ws:// to a server that answers with a TLS record: use wss://" {
	# A TLS alert (fatal, protocol_version), as some TLS servers answer
	# a plain HTTP request.
	start_answer '\x15\x03\x03\x00\x02\x02\x46'
	run_wscat 5 -x hi "ws://127.0.0.1:$APORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/ failed: the server speaks TLS; use wss://"
	kill "$PEER_PID"
	# A TLS handshake record too, even without reading our request.
	start_answer --no-read '\x16\x03\x03\x00\x04\x0e\x00\x00\x00'
	run_wscat 5 -x hi "ws://127.0.0.1:$APORT/" </dev/null
	assert_stderr_is "wscat: handshake with ws://127.0.0.1:$APORT/ failed: the server speaks TLS; use wss://"
}

@test "a TLS verification failure names the URL" {
	start_wss
	run_wscat 4 -x hi "$URL" </dev/null
	assert_stderr_is "wscat: TLS handshake with $URL failed: certificate verify failed: unable to get local issuer certificate"
}

# --- wsserve -a '[::1]' -----------------------------------------------------

@test "wsserve -a '[::1]', the form of its own ready line, listens on ::1" {
	start_wsserve -a '[::1]' --echo
	run grep 'listening on' "$SERVER_ERR"
	assert_output --regexp '^wsserve: listening on ws://\[::1\]:[0-9]+/$'
	run_wscat 0 -x six --count 1 "ws://[::1]:$PORT/" </dev/null
	assert_output six
	assert_equal "$stderr" ''
}

@test "wsserve -a '[::1]' with -p listens on that port" {
	local port
	port=$(free_port)
	spawn srv 30 "$WSSERVE" -a '[::1]' -p "$port" --echo </dev/null
	wait_for_line "$BATS_TEST_TMPDIR/srv.err" \
		"wsserve: listening on ws://[::1]:$port/"
	run_wscat 0 -x six --count 1 "ws://[::1]:$port/" </dev/null
	assert_output six
	run_wsserve 3 -a '[::1' -p 0 </dev/null
	assert_stderr_is "wsserve: cannot listen on [::1: Name or service not known"
}

# --- input not sent: exit status 1 -----------------------------------------

@test "a line over --max-message is reported and makes the status 1 after the replies" {
	start_wsserve --echo
	run_wscat 1 --max-message 10 "$URL" < <(printf 'short\n0123456789abc\nalso\n')
	# The other lines went out, their echoes came back, the close was
	# clean: the status says what was not sent.
	assert_output $'short\nalso'
	assert_stderr_is 'wscat: line 2: longer than 10 bytes, not sent'
	wait_for_text "$SERVER_ERR" 'disconnected (1000)'
}
