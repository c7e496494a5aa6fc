#!/usr/bin/env bats
# The command lines of both binaries: each bad value is a usage error (exit
# 2) with one line that names the option as it was given and the bound it
# broke, the per-option checks of wscat, and what --help says of defaults.
# The parsing itself is unit-tested in tests/unit/test_opt.c.

load helpers

# value_error LINE BIN ARG...: BIN ARG... exits 2 with nothing on stdout
# and exactly LINE on stderr: a bad value gets no usage text.
value_error() {
	local line=$1
	shift
	run --separate-stderr -2 timeout 5 "$@" </dev/null
	assert_output ''
	assert_equal "$stderr" "$line"
}

@test "wsserve names the option as given, and the bound a value broke" {
	value_error 'wsserve: -p 70000: too large (max 65535)' \
		"$WSSERVE" -p 70000
	value_error 'wsserve: --port 70000: too large (max 65535)' \
		"$WSSERVE" --port=70000
	value_error 'wsserve: -p http: invalid' "$WSSERVE" -p http
	value_error 'wsserve: --max-clients 0: too small (min 1)' \
		"$WSSERVE" --max-clients 0
	value_error 'wsserve: --max-message 2G: too large (max 1G)' \
		"$WSSERVE" --max-message 2G
	value_error 'wsserve: --max-message 1.5M: invalid' \
		"$WSSERVE" --max-message 1.5M
	value_error 'wsserve: --ping-timeout 0: too small (min 0.001)' \
		"$WSSERVE" --ping-timeout 0
	value_error 'wsserve: --slow-client-timeout 1e999: too large (max 86400)' \
		"$WSSERVE" --slow-client-timeout 1e999
	# An abbreviation is named in full.
	value_error 'wsserve: --handshake-timeout x: invalid' \
		"$WSSERVE" --hand x
}

@test "wsserve takes -a, --origin and --subprotocol 16 times, not 17" {
	local args=() i
	for i in $(seq 1 16); do
		args+=(-a "127.0.0.$i" --origin "http://o$i" --subprotocol "p$i")
	done
	value_error 'wsserve: -a 127.0.0.17: too many (max 16)' \
		"$WSSERVE" "${args[@]}" -a 127.0.0.17
	value_error 'wsserve: --origin http://o17: too many (max 16)' \
		"$WSSERVE" "${args[@]}" --origin http://o17
	value_error 'wsserve: --subprotocol p17: too many (max 16)' \
		"$WSSERVE" "${args[@]}" --subprotocol p17
}

@test "wscat names the option as given, and why its value is refused" {
	value_error 'wscat: -w abc: invalid' "$WSCAT" -w abc ws://a/
	value_error 'wscat: --wait -2: too small (min -1)' \
		"$WSCAT" --wait -2 ws://a/
	# -1 is the one negative -w takes.
	value_error 'wscat: -w -0.5: negative (only -1 means forever)' \
		"$WSCAT" -w -0.5 ws://a/
	value_error 'wscat: --count 0: too small (min 1)' \
		"$WSCAT" --count 0 ws://a/
	value_error 'wscat: --connect-timeout 0: too small (min 0.001)' \
		"$WSCAT" --connect-timeout 0 ws://a/
	value_error 'wscat: --max-message 12x: invalid' \
		"$WSCAT" --max-message 12x ws://a/
	value_error "wscat: -H X-Trace: not a 'Name: value' header" \
		"$WSCAT" -H X-Trace ws://a/
	value_error "wscat: --header : x: not a 'Name: value' header" \
		"$WSCAT" --header ': x' ws://a/
	value_error 'wscat: --auth alice: expected user:pass' \
		"$WSCAT" --auth alice ws://a/
}

@test "wscat takes -H, -s and -x 64 times, not 65" {
	local args=() i
	for i in $(seq 1 64); do
		args+=(-H "X-N: $i" -s "p$i" -x "m$i")
	done
	value_error 'wscat: -H X-N: 65: too many (max 64)' \
		"$WSCAT" "${args[@]}" -H 'X-N: 65' ws://a/
	value_error 'wscat: --subprotocol p65: too many (max 64)' \
		"$WSCAT" "${args[@]}" --subprotocol p65 ws://a/
	value_error 'wscat: -x m65: too many (max 64)' \
		"$WSCAT" "${args[@]}" -x m65 ws://a/
}

@test "wscat takes the URL from -c or the operand, not both" {
	run --separate-stderr -2 timeout 5 "$WSCAT" -c ws://a/ ws://b/
	assert_equal "${stderr_lines[0]}" "wscat: unexpected argument 'ws://b/'"
	assert_equal "${stderr_lines[1]}" \
		'usage: wscat [-01bhkLnPVv] [-H name:value] [-o origin] [-p version]'
	run --separate-stderr -2 timeout 5 "$WSCAT" -k -n -1 -v
	assert_equal "${stderr_lines[0]}" 'wscat: no URL given'
}

@test "--help shows the defaults and repeat limits of the option table" {
	run --separate-stderr -0 "$WSSERVE" --help
	assert_line --regexp '^  -a, --address ADDRESS +listen on ADDRESS \(up to 16 times; default 127\.0\.0\.1\)$'
	assert_line --regexp '^      --max-message BYTES +largest message accepted \(default 16M\)$'
	assert_line --regexp '^  -p, --port PORT +listen on PORT; 0: any \(default 15678\)$'
	assert_line --regexp '^      --slow-client-timeout SECONDS close \(1008\) a client that lags that long; 0: never \(default 30\)$'
	run --separate-stderr -0 "$WSCAT" --help
	# Off unless given: no default to show.
	assert_line --regexp '^      --count N +exit after N received messages$'
	# -w: 2 s after -x, else 0, as the help line says.
	assert_line --regexp '^  -w, --wait SECONDS +after the input ends, wait SECONDS \(-x: 2, else 0\); -1: until closed$'
	assert_line --regexp '^  -p, --protocol VERSION +WebSocket protocol version; only 13 \(default 13\)$'
	assert_line --regexp '^  -H, --header NAME:VALUE +add a request header \(up to 64 times\)$'
}
