#!/usr/bin/env bats
# wscat --proxy and the proxy environment variables: ws:// and wss://
# through an HTTP CONNECT proxy (tinyproxy, started per test with a
# generated configuration) and through a SOCKS5 proxy (tests/peers/
# socks5.py, which logs what it was asked for); TLS verified against the
# target's name inside the tunnel; proxy authorization; curl's rules for
# http_proxy, https_proxy, all_proxy and no_proxy; and every way a proxy
# fails: refusal (5), unreachable (3), malformed URL (2), silence (6).

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers
load tls_helpers

setup_file() {
	command -v tinyproxy >/dev/null ||
		fail "tinyproxy is missing: run \`apt-get install -y tinyproxy\`"
	export PKI=$BATS_FILE_TMPDIR/pki
	make_pki "$PKI"
}

setup() {
	# Only what a test sets counts.
	unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy \
		ALL_PROXY no_proxy NO_PROXY
}

# ---- helpers ---------------------------------------------------------------

# listening PORT: something listens on TCP port PORT.
listening() {
	[ -n "$(ss -Hltn "sport = :$1")" ]
}

# start_tinyproxy [CONFIG-LINE...]: tinyproxy in the foreground on a free
# port of 127.0.0.1, logging connections to TP_LOG, with the given lines
# at the end of its configuration; "ConnectPort $PORT" (the wsserve
# started before) unless a line sets ConnectPort.  Sets TP_PORT, TP_PID,
# TP_LOG and PROXY (its http:// URL).
start_tinyproxy() {
	local dir=$BATS_TEST_TMPDIR conf=$BATS_TEST_TMPDIR/tinyproxy.conf
	local line connect_port=yes
	for line; do
		[[ $line != ConnectPort* ]] || connect_port=
	done
	TP_PORT=$(free_port)
	TP_LOG=$dir/tinyproxy.log
	# shellcheck disable=SC2153 # PORT: set by start_wsserve
	{
		echo "Port $TP_PORT"
		echo 'Listen 127.0.0.1'
		echo 'Timeout 30'
		echo "LogFile \"$TP_LOG\""
		echo "PidFile \"$dir/tinyproxy.pid\""
		echo 'LogLevel Connect'
		[ -z "$connect_port" ] || echo "ConnectPort $PORT"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$conf"
	spawn tinyproxy 60 tinyproxy -d -c "$conf" </dev/null
	TP_PID=$SPAWN_PID
	wait_until 5 tinyproxy_ready
	listening "$TP_PORT" || {
		echo "tinyproxy did not listen; its output and log:" >&2
		cat "$dir/tinyproxy.err" "$dir/tinyproxy.out" "$TP_LOG" >&2
		return 1
	}
	PROXY=http://127.0.0.1:$TP_PORT
}

tinyproxy_ready() { listening "$TP_PORT" || has_exited "$TP_PID"; }

# assert_tunneled TARGET: tinyproxy got "CONNECT TARGET" (HOST:PORT).
assert_tunneled() {
	wait_for_text "$TP_LOG" "): CONNECT $1 HTTP/1.1" || {
		fail "tinyproxy got no CONNECT $1; its log:
$(cat "$TP_LOG")"
	}
}

# refute_tinyproxy_used: no connection reached tinyproxy at all.
refute_tinyproxy_used() {
	[ -s "$TP_LOG" ] || fail "tinyproxy has no log: $TP_LOG"
	! grep -F 'Connect (file descriptor' "$TP_LOG" ||
		fail "the connection went through tinyproxy"
}

# start_socks [SOCKS5.PY-ARGS...]: tests/peers/socks5.py; sets SOCKS_PORT,
# SOCKS_LOG (what it received) and SOCKS (its socks5h:// URL).
start_socks() {
	start_peer socks 60 "$PY" "$PEERS/socks5.py" "$@" || return
	SOCKS_PORT=$PEER_PORT
	SOCKS_LOG=$BATS_TEST_TMPDIR/socks.out
	SOCKS=socks5h://127.0.0.1:$SOCKS_PORT
}

# assert_socks_line LINE: the SOCKS peer logged LINE.
assert_socks_line() {
	wait_for_line "$SOCKS_LOG" "$1" || fail "no '$1' in the SOCKS log:
$(cat "$SOCKS_LOG")"
}

# refute_verbose_proxy: after run_wscat -v, no proxy was chosen.
refute_verbose_proxy() {
	[[ $stderr != *'through proxy'* ]] ||
		fail "wscat chose a proxy: $stderr"
}

# re_quote TEXT: TEXT as an extended regular expression matching itself.
re_quote() {
	# shellcheck disable=SC2001 # a character class is clearest in sed
	sed 's/[][\.*^$?+(){}|]/\\&/g' <<<"$1"
}

# assert_stderr_match REGEX: after `run --separate-stderr`, some line of
# stderr matches the extended REGEX.
assert_stderr_match() {
	local l
	for l in "${stderr_lines[@]}"; do
		[[ ! $l =~ $1 ]] || return 0
	done
	fail "no stderr line matches /$1/ in:
$stderr"
}

# echo_input: a few lines that must come back byte for byte.
echo_input() {
	printf '%s\n' 'hello' '  spaces around  ' $'tab\there' 'ünïcödé ✓' \
		'' 'last' >"$BATS_TEST_TMPDIR/in"
}

# assert_echoed: wscat's stdout (--out out) is its input.
assert_echoed() {
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

# ---- HTTP CONNECT ----------------------------------------------------------

@test "ws:// through tinyproxy: lines echoed byte for byte, CONNECT in its log" {
	start_wsserve --echo
	start_tinyproxy
	echo_input
	run_wscat --out "$BATS_TEST_TMPDIR/out" 0 --proxy "$PROXY" "$URL" \
		<"$BATS_TEST_TMPDIR/in"
	assert_echoed
	# In a pipe, a proxied connection is as silent as a direct one.
	assert_equal "$stderr" ''
	assert_tunneled "127.0.0.1:$PORT"
	wait_for_lines "$SERVER_OUT" 6
	cmp "$BATS_TEST_TMPDIR/in" "$SERVER_OUT"
}

@test "wscat -v says which proxy, the CONNECT it sent and that the tunnel opened" {
	start_wsserve --echo
	start_tinyproxy
	run_wscat 0 -v --proxy "$PROXY" -x hi -1 "$URL" </dev/null
	assert_output hi
	strip_cr
	assert_stderr_line "wscat: through proxy 127.0.0.1:$TP_PORT ($PROXY)"
	assert_stderr_line "wscat: 127.0.0.1:$TP_PORT: CONNECT 127.0.0.1:$PORT"
	assert_stderr_line "wscat: 127.0.0.1:$TP_PORT: tunnel to 127.0.0.1:$PORT open"
	# The request goes to the server as it would directly.
	assert_stderr_line "Host: 127.0.0.1:$PORT"
}

@test "a bare HOST:PORT --proxy is an HTTP proxy" {
	start_wsserve --echo
	start_tinyproxy
	run_wscat 0 --proxy "127.0.0.1:$TP_PORT" -x bare -1 "$URL" </dev/null
	assert_output bare
	assert_tunneled "127.0.0.1:$PORT"
}

@test "the HTTP proxy gets the target's name, not an address wscat resolved" {
	start_wsserve --echo
	start_tinyproxy
	run_wscat 0 --proxy "$PROXY" -x by-name -1 "ws://localhost:$PORT/" \
		</dev/null
	assert_output by-name
	assert_tunneled "localhost:$PORT"
}

@test "an IPv6 target goes in brackets in the CONNECT request" {
	start_wsserve --echo -a ::1
	start_tinyproxy
	run_wscat 0 --proxy "$PROXY" -x six -1 "ws://[::1]:$PORT/" </dev/null
	assert_output six
	assert_tunneled "[::1]:$PORT"
}

@test "100,000 lines and a 4 MiB line through tinyproxy come back complete and in order" {
	start_wsserve --echo
	start_tinyproxy
	local in=$BATS_TEST_TMPDIR/in
	seq 1 100000 >"$in"
	head -c 3145728 /dev/urandom | base64 -w0 >>"$in"
	echo >>"$in"
	run_wscat --timeout 60 --out "$BATS_TEST_TMPDIR/out" 0 \
		--proxy "$PROXY" "$URL" <"$in"
	assert_echoed
	assert_equal "$stderr" ''
}

@test "wss:// through tinyproxy: TLS inside the tunnel, verified against the target's name" {
	start_wss --echo
	start_tinyproxy
	echo_input
	run_wscat --out "$BATS_TEST_TMPDIR/out" 0 --ca "$PKI/ca.pem" \
		--proxy "$PROXY" "$HOST_URL" <"$BATS_TEST_TMPDIR/in"
	assert_echoed
	assert_equal "$stderr" ''
	assert_tunneled "localhost:$PORT"
	# And by the IP address in the certificate.
	run_wscat 0 --ca "$PKI/ca.pem" --proxy "$PROXY" -x by-ip -1 "$URL" \
		</dev/null
	assert_output by-ip
	assert_tunneled "127.0.0.1:$PORT"
}

@test "wss:// through tinyproxy fails verification (4) for a wrong name or an unknown CA" {
	start_wsserve_tls --echo --cert "$PKI/wronghost.pem" \
		--key "$PKI/wronghost.key"
	start_tinyproxy
	run_wscat 4 --ca "$PKI/ca.pem" --proxy "$PROXY" -x no -1 "$HOST_URL" \
		</dev/null
	assert_output ''
	assert_one_stderr_line '^wscat: .*(certificate|host ?name|verif)'
	# The TLS handshake did go through the tunnel.
	assert_tunneled "localhost:$PORT"
	# A CA that did not sign it.
	run_wscat 4 --ca "$PKI/other.pem" --proxy "$PROXY" -x no -1 "$URL" \
		</dev/null
	assert_output ''
	assert_tunneled "127.0.0.1:$PORT"
}

@test "proxy authorization: user and password from the --proxy URL" {
	start_wsserve --echo
	start_tinyproxy 'BasicAuth alice s3cr3t'
	run_wscat 0 --proxy "http://alice:s3cr3t@127.0.0.1:$TP_PORT" \
		-x authorized -1 "$URL" </dev/null
	assert_output authorized
	assert_tunneled "127.0.0.1:$PORT"
}

@test "proxy authorization: percent-escapes in the user info are decoded" {
	start_wsserve --echo
	# tinyproxy's configuration takes few characters in a password.
	start_tinyproxy 'BasicAuth alice s3cr3t-x_y.z'
	run_wscat 0 --proxy "http://%61lice:s3cr3t%2Dx_y.z@127.0.0.1:$TP_PORT" \
		-x decoded -1 "$URL" </dev/null
	assert_output decoded
}

@test "proxy authorization: no credentials get 407 and exit 5" {
	start_wsserve --echo
	start_tinyproxy 'BasicAuth alice s3cr3t'
	run_wscat 5 --proxy "$PROXY" -x no -1 "$URL" </dev/null
	assert_output ''
	assert_one_stderr_line "^wscat: handshake with $(re_quote "$URL") failed: proxy answered 'HTTP/1\.[01] 407 [^']*'\$"
	# Nothing reached the server.
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "proxy authorization: a wrong password is refused (exit 5) and never logged" {
	start_wsserve --echo
	start_tinyproxy 'BasicAuth alice s3cr3t'
	run_wscat 5 -v --proxy "http://alice:wrong@127.0.0.1:$TP_PORT" \
		-x no -1 "$URL" </dev/null
	assert_output ''
	strip_cr
	# tinyproxy 1.11 answers a wrong pair with 401, a missing one 407.
	assert_stderr_match "^wscat: handshake with $(re_quote "$URL") failed: proxy answered 'HTTP/1\.[01] 40[17] [^']*'\$"
	assert_stderr_line "wscat: through proxy 127.0.0.1:$TP_PORT (http://alice:***@127.0.0.1:$TP_PORT)"
	[[ $stderr != *wrong* ]] || fail "the password is in the log: $stderr"
}

@test "a proxy that refuses the CONNECT (403: port not allowed) makes exit 5" {
	start_wsserve --echo
	start_tinyproxy 'ConnectPort 1'
	run_wscat 5 --proxy "$PROXY" -x no -1 "$URL" </dev/null
	assert_output ''
	assert_stderr_is "wscat: handshake with $URL failed: proxy answered 'HTTP/1.1 403 Access violation'"
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "a proxy that cannot reach the target (500) makes exit 5" {
	start_wsserve --echo
	start_tinyproxy
	# wsserve listens on 127.0.0.1 only; nothing on [::1]:PORT.
	run_wscat 5 --proxy "$PROXY" -x no -1 "ws://[::1]:$PORT/" </dev/null
	assert_one_stderr_line "^wscat: handshake with ws://\[::1\]:$PORT/ failed: proxy answered 'HTTP/1\.[01] 5[0-9][0-9] "
}

@test "an unreachable proxy makes exit 3 and names the proxy" {
	start_wsserve --echo
	local port
	port=$(free_port)
	run_wscat 3 --proxy "http://127.0.0.1:$port" -x no -1 "$URL" </dev/null
	assert_stderr_is "wscat: cannot connect to proxy 127.0.0.1:$port for $URL: Connection refused"
	run_wscat 3 --proxy "socks5h://127.0.0.1:$port" -x no -1 "$URL" \
		</dev/null
	assert_stderr_is "wscat: cannot connect to proxy 127.0.0.1:$port for $URL: Connection refused"
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "a malformed --proxy is a usage error (2) that names it" {
	local p
	for p in https://127.0.0.1:3128 ftp://127.0.0.1 'http://127.0.0.1:3128/x' \
		'http://' 'http://127.0.0.1:99999' 'socks4://127.0.0.1'; do
		run_wscat 2 --proxy "$p" ws://127.0.0.1:1/ </dev/null
		assert_one_stderr_line "^wscat: --proxy $(re_quote "$p"): "
	done
	run_wscat 2 --proxy https://127.0.0.1:3128 ws://127.0.0.1:1/ </dev/null
	assert_stderr_is 'wscat: --proxy https://127.0.0.1:3128: https:// proxies are not supported'
}

@test "a malformed proxy URL in the environment is exit 2, named with its password masked" {
	http_proxy=ftp://bob:hunter2@127.0.0.1:21 run_wscat 2 ws://127.0.0.1:1/ \
		</dev/null
	assert_stderr_is 'wscat: proxy ftp://bob:***@127.0.0.1:21: proxy scheme must be http://, socks5:// or socks5h://'
	https_proxy=http://127.0.0.1:3128/path run_wscat 2 wss://127.0.0.1:1/ \
		</dev/null
	assert_one_stderr_line '^wscat: proxy http://127\.0\.0\.1:3128/path: '
}

@test "a proxy that accepts and never answers counts against --connect-timeout (6)" {
	start_wsserve --echo
	start_socks --silent
	local proxy t0 t1
	for proxy in "http://127.0.0.1:$SOCKS_PORT" "$SOCKS"; do
		t0=$(date +%s%N)
		run_wscat --timeout 5 6 --connect-timeout 1 --proxy "$proxy" \
			-x no -1 "$URL" </dev/null
		t1=$(date +%s%N)
		assert_stderr_is 'wscat: timed out after 1 s connecting'
		[ $(((t1 - t0) / 1000000)) -lt 3000 ] ||
			fail "took $(((t1 - t0) / 1000000)) ms"
	done
	# Both reached the proxy: the time went on its silence.
	[ "$(grep -c '^SILENT$' "$SOCKS_LOG")" -eq 2 ]
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "an HTTP proxy that answers something else than HTTP makes exit 5" {
	start_wsserve --echo
	# A SOCKS5 server's "no acceptable method" to the CONNECT request.
	start_peer answer 30 "$PY" "$PEERS/answer.py" '\x05\xff'
	run_wscat 5 --proxy "http://127.0.0.1:$PEER_PORT" -x no -1 "$URL" \
		</dev/null
	assert_stderr_is "wscat: handshake with $URL failed: proxy answer is not HTTP: '\\x05\\xff'"
}

@test "a SOCKS proxy that answers something else than SOCKS5 makes exit 5" {
	start_wsserve --echo
	# An HTTP proxy's answer to the SOCKS greeting.
	start_peer answer 30 "$PY" "$PEERS/answer.py" --no-read \
		'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'
	run_wscat 5 --proxy "socks5h://127.0.0.1:$PEER_PORT" -x no -1 "$URL" \
		</dev/null
	assert_stderr_is "wscat: handshake with $URL failed: proxy answer is not SOCKS5 (version byte 0x48)"
}

# ---- the environment -------------------------------------------------------

@test "http_proxy is used for ws://" {
	start_wsserve --echo
	start_tinyproxy
	echo_input
	http_proxy=$PROXY run_wscat --out "$BATS_TEST_TMPDIR/out" 0 "$URL" \
		<"$BATS_TEST_TMPDIR/in"
	assert_echoed
	assert_tunneled "127.0.0.1:$PORT"
}

@test "HTTP_PROXY (upper case) is ignored for ws://, as curl ignores it" {
	start_wsserve --echo
	start_tinyproxy
	HTTP_PROXY=$PROXY run_wscat 0 -v -x direct -1 "$URL" </dev/null
	assert_output direct
	refute_verbose_proxy
	refute_tinyproxy_used
}

@test "https_proxy and http_proxy: each for its own scheme only" {
	start_wss --echo
	start_tinyproxy
	# ws:// does not take https_proxy: nothing listens on this port,
	# and wscat says it could not connect to it, not to a proxy.
	local url
	url=ws://127.0.0.1:$(free_port)/
	https_proxy=$PROXY run_wscat 3 -x direct -1 "$url" </dev/null
	assert_stderr_is "wscat: cannot connect to $url: Connection refused"
	refute_tinyproxy_used
	# ... and wss:// does not take http_proxy.
	http_proxy=$PROXY run_wscat 0 -v --ca "$PKI/ca.pem" -x direct -1 \
		"$URL" </dev/null
	assert_output direct
	refute_verbose_proxy
	refute_tinyproxy_used
}

@test "https_proxy is used for wss://, and before HTTPS_PROXY" {
	start_wss --echo
	start_tinyproxy
	local dead
	dead=http://127.0.0.1:$(free_port)
	https_proxy=$PROXY HTTPS_PROXY=$dead run_wscat 0 --ca "$PKI/ca.pem" \
		-x lower -1 "$HOST_URL" </dev/null
	assert_output lower
	assert_tunneled "localhost:$PORT"
}

@test "HTTPS_PROXY (upper case) is used for wss://" {
	start_wss --echo
	start_tinyproxy
	HTTPS_PROXY=$PROXY run_wscat 0 --ca "$PKI/ca.pem" -x upper -1 \
		"$HOST_URL" </dev/null
	assert_output upper
	assert_tunneled "localhost:$PORT"
}

@test "all_proxy is the fallback for ws:// and wss://, then ALL_PROXY" {
	start_wss --echo
	start_tinyproxy
	all_proxy=$PROXY run_wscat 0 --ca "$PKI/ca.pem" -x all -1 "$HOST_URL" \
		</dev/null
	assert_output all
	assert_tunneled "localhost:$PORT"
	ALL_PROXY=$PROXY run_wscat 0 --ca "$PKI/ca.pem" -x ALL -1 "$URL" \
		</dev/null
	assert_output ALL
	assert_tunneled "127.0.0.1:$PORT"
	# all_proxy before ALL_PROXY; http_proxy before all_proxy.
	local dead
	dead=http://127.0.0.1:$(free_port)
	all_proxy=$PROXY ALL_PROXY=$dead run_wscat 0 --ca "$PKI/ca.pem" \
		-x order -1 "$URL" </dev/null
	assert_output order
	https_proxy=$PROXY all_proxy=$dead run_wscat 0 --ca "$PKI/ca.pem" \
		-x order2 -1 "$URL" </dev/null
	assert_output order2
}

@test "all_proxy applies to ws:// too, and may name a SOCKS proxy" {
	start_wsserve --echo
	start_socks
	all_proxy=$SOCKS run_wscat 0 -x socks -1 "ws://localhost:$PORT/" \
		</dev/null
	assert_output socks
	assert_socks_line "CONNECT 3 localhost $PORT"
}

@test "an empty proxy variable counts as unset" {
	start_wsserve --echo
	start_tinyproxy
	http_proxy='' all_proxy=$PROXY run_wscat 0 -x empty -1 "$URL" </dev/null
	assert_output empty
	assert_tunneled "127.0.0.1:$PORT"
}

# no_proxy_direct LIST URL [WSCAT-ARGS...]: with http_proxy and
# https_proxy naming tinyproxy and no_proxy=LIST, wscat reaches URL
# directly.
no_proxy_direct() {
	local list=$1 url=$2
	shift 2
	no_proxy=$list http_proxy=$PROXY https_proxy=$PROXY \
		run_wscat 0 -v "$@" -x direct -1 "$url" </dev/null
	assert_output direct
	refute_verbose_proxy
	refute_tinyproxy_used
}

# no_proxy_proxied LIST URL: with no_proxy=LIST, wscat still goes through
# tinyproxy.
no_proxy_proxied() {
	local list=$1 url=$2 target=${2#ws://}
	no_proxy=$list http_proxy=$PROXY run_wscat 0 -x proxied -1 "$url" \
		</dev/null
	assert_output proxied
	assert_tunneled "${target%/}"
}

@test "no_proxy: an exact IP address or host name bypasses the proxy" {
	start_wsserve --echo
	start_tinyproxy
	no_proxy_direct 127.0.0.1 "$URL"
	no_proxy_direct localhost "ws://localhost:$PORT/"
	no_proxy_direct LOCALHOST. "ws://localhost:$PORT/"
	no_proxy_direct "127.0.0.1:$PORT" "$URL"
	no_proxy_direct 'example.com , 127.0.0.1' "$URL"
}

@test "no_proxy: a name matches its subdomains, a leading dot the name itself" {
	start_wsserve --echo
	start_tinyproxy
	no_proxy_direct .localhost "ws://localhost:$PORT/"
	# a.localhost resolves to loopback or not at all, depending on the
	# host's resolver: either way it must be tried directly.
	no_proxy=localhost http_proxy=$PROXY run_wscat '!' -v -x no -1 \
		"ws://a.localhost:$PORT/" </dev/null
	refute_verbose_proxy
	refute_tinyproxy_used
	# Without no_proxy the same URL does go to the proxy.
	http_proxy=$PROXY run_wscat '!' -x no -1 "ws://a.localhost:$PORT/" \
		</dev/null
	assert_tunneled "a.localhost:$PORT"
}

@test "no_proxy: \"*\" bypasses the proxy for every host, over ws:// and wss://" {
	start_wss --echo
	start_tinyproxy
	no_proxy_direct '*' "$URL" --ca "$PKI/ca.pem"
	no_proxy_direct '*' "$HOST_URL" --ca "$PKI/ca.pem"
	# all_proxy too.
	no_proxy='*' all_proxy=$PROXY run_wscat 0 --ca "$PKI/ca.pem" -x star \
		-1 "$URL" </dev/null
	assert_output star
	refute_tinyproxy_used
}

@test "no_proxy: CIDR blocks match IP literals" {
	start_wsserve --echo -a 127.0.0.1 -a ::1
	local port6
	port6=$(sed -n 's|.*listening on ws://\[::1\]:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR")
	start_tinyproxy "ConnectPort $PORT" "ConnectPort $port6"
	no_proxy_direct 127.0.0.0/8 "$URL"
	no_proxy_direct 10.0.0.0/8,127.0.0.1/32 "$URL"
	no_proxy_direct ::1/128 "ws://[::1]:$port6/"
	no_proxy_direct '[::1]' "ws://[::1]:$port6/"
}

@test "no_proxy: what does not match still goes through the proxy" {
	start_wsserve --echo -a 127.0.0.1 -a ::1
	local port6
	port6=$(sed -n 's|.*listening on ws://\[::1\]:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR")
	start_tinyproxy "ConnectPort $PORT" "ConnectPort $port6"
	# Not a suffix at a dot; another address; another block; no
	# resolving of names against address entries.
	no_proxy_proxied calhost "ws://localhost:$PORT/"
	no_proxy_proxied example.com,127.0.0.2 "$URL"
	no_proxy_proxied 10.0.0.0/8 "$URL"
	no_proxy_proxied 127.0.0.0/8 "ws://localhost:$PORT/"
	no_proxy_proxied 127.0.0.1 "ws://[::1]:$port6/"
	# "*" is a wildcard only as the whole list.
	no_proxy_proxied 'example.com,*' "$URL"
}

@test "NO_PROXY (upper case) counts when no_proxy is unset, not over it" {
	start_wsserve --echo
	start_tinyproxy
	NO_PROXY=127.0.0.1 http_proxy=$PROXY run_wscat 0 -v -x upper -1 "$URL" \
		</dev/null
	assert_output upper
	refute_verbose_proxy
	refute_tinyproxy_used
	no_proxy=example.com NO_PROXY=127.0.0.1 http_proxy=$PROXY \
		run_wscat 0 -x lower -1 "$URL" </dev/null
	assert_output lower
	assert_tunneled "127.0.0.1:$PORT"
}

@test "--proxy \"\" means no proxy, whatever the environment says" {
	start_wss --echo
	start_tinyproxy
	local url
	url=ws://127.0.0.1:$(free_port)/
	http_proxy=$PROXY all_proxy=$PROXY run_wscat 3 --proxy '' -x none -1 \
		"$url" </dev/null
	assert_stderr_is "wscat: cannot connect to $url: Connection refused"
	refute_tinyproxy_used
	https_proxy=$PROXY all_proxy=$PROXY run_wscat 0 -v --proxy '' \
		--ca "$PKI/ca.pem" -x none -1 "$URL" </dev/null
	assert_output none
	refute_verbose_proxy
	refute_tinyproxy_used
}

@test "--proxy wins over the environment" {
	start_wsserve --echo
	start_tinyproxy
	local dead
	dead=http://127.0.0.1:$(free_port)
	http_proxy=$dead all_proxy=$dead run_wscat 0 --proxy "$PROXY" -x mine \
		-1 "$URL" </dev/null
	assert_output mine
	assert_tunneled "127.0.0.1:$PORT"
}

@test "the environment's proxy is not used for ws+unix:// or --unix" {
	local sock=$BATS_TEST_TMPDIR/ws.sock
	# TCP and the Unix socket; tinyproxy would let the TCP port through.
	start_wsserve --echo -U "$sock"
	start_tinyproxy
	wait_until 5 test -S "$sock"
	http_proxy=$PROXY all_proxy=$PROXY run_wscat 0 -x unix -1 \
		"ws+unix://$sock" </dev/null
	assert_output unix
	http_proxy=$PROXY all_proxy=$PROXY run_wscat 0 --unix "$sock" \
		-x unix2 -1 "$URL" </dev/null
	assert_output unix2
	refute_tinyproxy_used
	# Asked for by name, a proxy with a Unix socket is a usage error.
	run_wscat 2 --proxy "$PROXY" "ws+unix://$sock" </dev/null
	assert_stderr_is 'wscat: --proxy: not with a Unix socket'
	run_wscat 2 --proxy "$PROXY" --unix "$sock" "$URL" </dev/null
	assert_stderr_is 'wscat: --proxy: not with a Unix socket'
}

# ---- SOCKS5 ----------------------------------------------------------------

@test "socks5h:// without authorization: lines echoed byte for byte, an IPv4 target as ATYP 1" {
	start_wsserve --echo
	start_socks
	echo_input
	run_wscat --out "$BATS_TEST_TMPDIR/out" 0 --proxy "$SOCKS" "$URL" \
		<"$BATS_TEST_TMPDIR/in"
	assert_echoed
	assert_equal "$stderr" ''
	assert_socks_line 'METHODS 0'
	assert_socks_line "CONNECT 1 127.0.0.1 $PORT"
	assert_socks_line "TUNNEL 127.0.0.1 $PORT"
}

@test "socks5h:// sends a host name unresolved (ATYP 3), and -v says so" {
	start_wsserve --echo
	start_socks
	run_wscat 0 -v --proxy "$SOCKS" -x named -1 "ws://localhost:$PORT/" \
		</dev/null
	assert_output named
	assert_socks_line "CONNECT 3 localhost $PORT"
	strip_cr
	assert_stderr_line "wscat: through proxy 127.0.0.1:$SOCKS_PORT ($SOCKS)"
	assert_stderr_line "wscat: 127.0.0.1:$SOCKS_PORT: SOCKS5 CONNECT localhost port $PORT"
	assert_stderr_line "wscat: 127.0.0.1:$SOCKS_PORT: tunnel to localhost:$PORT open"
}

@test "socks5:// is taken as socks5h://: the name still goes to the proxy" {
	start_wsserve --echo
	start_socks
	run_wscat 0 --proxy "socks5://127.0.0.1:$SOCKS_PORT" -x five -1 \
		"ws://localhost:$PORT/" </dev/null
	assert_output five
	assert_socks_line "CONNECT 3 localhost $PORT"
}

@test "a name only the SOCKS proxy can resolve is reached through it" {
	start_wsserve --echo --allow-host other.example
	start_socks --resolve other.example=127.0.0.1
	run_wscat 0 --proxy "$SOCKS" -x resolved-there -1 \
		"ws://other.example:$PORT/" </dev/null
	assert_output resolved-there
	assert_socks_line "CONNECT 3 other.example $PORT"
}

@test "an IPv6 target goes to the SOCKS proxy as an address (ATYP 4)" {
	start_wsserve --echo -a ::1
	start_socks
	run_wscat 0 --proxy "$SOCKS" -x six -1 "ws://[::1]:$PORT/" </dev/null
	assert_output six
	assert_socks_line "CONNECT 4 ::1 $PORT"
}

@test "wscat reaches a SOCKS proxy on ::1" {
	start_wsserve --echo
	start_socks --listen ::1
	run_wscat 0 -v --proxy "socks5h://[::1]:$SOCKS_PORT" -x v6-proxy -1 \
		"$URL" </dev/null
	assert_output v6-proxy
	strip_cr
	assert_stderr_line "wscat: through proxy [::1]:$SOCKS_PORT (socks5h://[::1]:$SOCKS_PORT)"
	assert_socks_line "CONNECT 1 127.0.0.1 $PORT"
}

@test "wss:// through SOCKS5 is verified against the target's name, which only the proxy resolves" {
	# wronghost.pem names other.example only.
	start_wsserve_tls --echo --cert "$PKI/wronghost.pem" \
		--key "$PKI/wronghost.key" --allow-host other.example
	start_socks --resolve other.example=127.0.0.1
	run_wscat 0 --ca "$PKI/ca.pem" --proxy "$SOCKS" -x verified -1 \
		"wss://other.example:$PORT/" </dev/null
	assert_output verified
	assert_socks_line "CONNECT 3 other.example $PORT"
	# The same server by another name fails verification.
	run_wscat 4 --ca "$PKI/ca.pem" --proxy "$SOCKS" -x no -1 \
		"wss://localhost:$PORT/" </dev/null
	assert_output ''
	assert_socks_line "CONNECT 3 localhost $PORT"
}

@test "SOCKS5 user name and password (RFC 1929), percent-decoded from the URL" {
	start_wsserve --echo
	start_socks --auth 'al ice:p@ss:w'
	run_wscat 0 --proxy "socks5h://al%20ice:p%40ss%3Aw@127.0.0.1:$SOCKS_PORT" \
		-x authorized -1 "$URL" </dev/null
	assert_output authorized
	assert_socks_line 'METHODS 0,2'
	assert_socks_line 'AUTH al ice p@ss:w'
	assert_socks_line "CONNECT 1 127.0.0.1 $PORT"
}

@test "SOCKS5: a wrong password is exit 5, and no credentials at all too" {
	start_wsserve --echo
	start_socks --auth alice:s3cr3t
	run_wscat 5 --proxy "socks5h://alice:wrong@127.0.0.1:$SOCKS_PORT" \
		-x no -1 "$URL" </dev/null
	assert_output ''
	assert_stderr_is "wscat: handshake with $URL failed: SOCKS proxy rejected the user name or password"
	assert_socks_line 'AUTH alice wrong'
	run_wscat 5 --proxy "$SOCKS" -x no -1 "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: SOCKS proxy wants authentication"
	! grep '^CONNECT' "$SOCKS_LOG" || fail "a CONNECT without authorization"
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "a SOCKS5 refusal (REP 5) makes exit 5 with the reason" {
	start_wsserve --echo
	start_socks --reply 5
	run_wscat 5 --proxy "$SOCKS" -x no -1 "ws://localhost:$PORT/" </dev/null
	assert_output ''
	assert_stderr_is "wscat: handshake with ws://localhost:$PORT/ failed: SOCKS proxy refused: connection refused (5)"
	assert_socks_line "CONNECT 3 localhost $PORT"
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "a SOCKS5 refusal by ruleset (REP 2) makes exit 5 with the reason" {
	start_wsserve --echo
	start_socks --reply 2
	run_wscat 5 --proxy "$SOCKS" -x no -1 "$URL" </dev/null
	assert_stderr_is "wscat: handshake with $URL failed: SOCKS proxy refused: connection not allowed by ruleset (2)"
	[ "$(count_in_log ' connected')" -eq 0 ]
}

@test "the default proxy port is 1080" {
	listening 1080 && skip "port 1080 is in use"
	start_wsserve --echo
	start_socks --port 1080
	[ "$SOCKS_PORT" = 1080 ]
	run_wscat 0 -v --proxy socks5h://127.0.0.1 -x default-port -1 "$URL" \
		</dev/null
	assert_output default-port
	strip_cr
	assert_stderr_line 'wscat: through proxy 127.0.0.1:1080 (socks5h://127.0.0.1)'
	assert_socks_line "CONNECT 1 127.0.0.1 $PORT"
}
