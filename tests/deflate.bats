#!/usr/bin/env bats
# permessage-deflate (RFC 7692) in both tools: the negotiation (offers to
# wsserve, responses to wscat), what goes compressed on the wire, inflation
# bounded by --max-message (zip bombs, with memory measured), corrupt data
# and misplaced RSV1, and interop in the manner of Autobahn's cases 12 and
# 13 with python3-websockets and node ws, both roles, over the parameters.
#
# The peers: tests/peers/deflate_raw.py (raw sockets and zlib: tables of
# offers, a client and a server that show every frame's RSV1 and inflate
# with exactly the negotiated window and context, and send what no library
# would), tests/peers/deflate_peer.py (python3-websockets) and
# tests/peers/deflate_peer.js (node ws, tests/node_modules).  The interop
# peers send a set of messages of 16 B to 1 MiB, text and binary, some
# compressible only with a window of more than 2 KiB or 256 bytes, and
# check every echo byte for byte.

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers

RAW=("$PY" "$PEERS/deflate_raw.py")
DPY=("$PY" "$PEERS/deflate_peer.py")
DJS=(node "$PEERS/deflate_peer.js")
# The message set of the interop peers: 10 sizes times 6 kinds.
SET=60
# What wsserve always answers: no context takeover either way (as
# deflate_raw.py normalises it: parameters sorted by name).
NCT='client_no_context_takeover; server_no_context_takeover'
# pmd_bits N: the same with server_max_window_bits=N.
pmd_bits() {
	echo "permessage-deflate; client_no_context_takeover; server_max_window_bits=$1; server_no_context_takeover"
}

# A missing node or ws install fails every test, with what fixes it.
setup() {
	command -v node >/dev/null ||
		fail 'node is not on PATH: the node peers need node 20'
	[ -f "$ROOT/tests/node_modules/ws/package.json" ] ||
		fail "tests/node_modules/ws is missing: run \`npm ci --prefix tests\`"
}

# ---- helpers ---------------------------------------------------------------

# (Loops count with nth, not i: bats's run, with flags, calls
# bats_version_lt, which sets the caller's i.)

# hwm_kib PID: the peak RSS of PID so far (VmHWM only grows), as in
# flood.bats.
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status" 2>/dev/null; }

# assert_below WHAT KIB LIMIT, as in flood.bats: under AddressSanitizer the
# figure is shown, not held to the limit.
assert_below() {
	echo "# $1: $2 KiB (limit $3 KiB)" >&3
	[ "$2" -gt 0 ] || fail "$1: no RSS sampled"
	[ -n "${ASAN_OPTIONS:-}" ] || [ "$2" -lt "$3" ] ||
		fail "$1 is $2 KiB, over the limit of $3 KiB"
}

# check_offers TABLE [WSSERVE ARGS...]: TABLE is lines "OFFER => RESPONSE"
# (deflate_raw.py offers: RESPONSE normalised, "none" for no extension);
# each OFFER goes to a fresh connection to a new wsserve started with
# ARGS, and the responses must be TABLE's.
check_offers() {
	local table=$1 line offers=()
	shift
	while IFS= read -r line; do
		offers+=("${line%% => *}")
	done <<<"$table"
	start_wsserve "$@"
	run -0 timeout 60 "${RAW[@]}" offers "$PORT" <<<"$(printf '%s\n' "${offers[@]}")"
	assert_output "$table"
	kill -0 "$SERVER_PID" || fail "wsserve died: $(cat "$SERVER_ERR")"
}

# raw_server NAME ARGS...: deflate_raw.py server ARGS in the background,
# listening.  Sets PEER_URL; its output is in $BATS_TEST_TMPDIR/NAME.out.
# shellcheck disable=SC2034 # PEER_URL: for the tests
raw_server() {
	local name=$1
	shift
	start_peer "$name" 60 "${RAW[@]}" server "$@" || return
	PEER_URL=ws://127.0.0.1:$PEER_PORT/
}

# raw_client NAME ARGS...: deflate_raw.py client $PORT ARGS, to its end,
# its output in $BATS_TEST_TMPDIR/NAME.out (and in $output).
raw_client() {
	local name=$1
	shift
	spawn "$name" 60 "${RAW[@]}" client "$PORT" "$@" </dev/null
	wait_for_status "$name" 0 30
	run cat "$BATS_TEST_TMPDIR/$name.out"
}

# peer_server NAME CMD...: an interop peer (deflate_peer.py or .js) as a
# server in the background, listening.  Sets PEER_URL.
peer_server() {
	local name=$1
	shift
	start_peer "$name" 90 "$@" || return
	PEER_URL=ws://127.0.0.1:$PEER_PORT/
}

# field NAME FILE: the md5= values of FILE's lines that start with NAME.
field() { sed -n "s/^$1 .*md5=\([0-9a-f]*\)\$/\1/p" "$2"; }

# rsv1_of FILE: the rsv1= value of each "message" line of FILE, in order.
rsv1_of() { sed -n 's/^message [a-z]* rsv1=\([01]\) .*/\1/p' "$1"; }

# line_md5s FILE: the md5 of each line of FILE (its LF not included).
line_md5s() {
	"$PY" -c 'import hashlib, sys
for line in open(sys.argv[1], "rb").read().split(b"\n")[:-1]:
    print(hashlib.md5(line).hexdigest())' "$1"
}

# want_rsv1 FILE: per line of FILE, 1 if it has 128 bytes or more, else 0:
# the RSV1 a sender that always compresses from 128 bytes on gives it.
want_rsv1() { LC_ALL=C awk '{ print (length($0) >= 128) ? 1 : 0 }' "$1"; }

# make_lines FILE: lines for wscat's stdin that exercise the compressor:
# log lines much alike (context takeover pays across messages), lines
# either side of 128 bytes, a random block twice in a line and again in
# the next (compressible only with a window over 3000 bytes, across
# messages with context takeover), a 300-byte block ten times and 300
# times (over a 256-byte window), the 3000-byte one 30 times (peers inflate
# in steps of 16 or 32 KiB and check the window only across steps), UTF-8,
# random base64, one of 100 KiB.
make_lines() {
	"$PY" - "$1" <<'EOF'
import base64, os, sys
lines = []
for i in range(40):
    lines.append("2026-12-07T10:00:%02d app[4242]: GET /api/items/%d "
                 "status=200 bytes=%d user=alice agent=curl/8.5.0 took=%dms"
                 % (i, i * 37, 1000 + i * 13, i % 7))
lines += ["x" * 16, "y" * 127, "z" * 128, "w" * 129]
far = base64.b64encode(os.urandom(2250)).decode()
lines += [far + far, far, "end of far"]
near = base64.b64encode(os.urandom(225)).decode()
lines += [near * 10, near * 300, far * 30]
lines += ["ünïcödé ✓ 日本語 " * 20]
lines += [base64.b64encode(os.urandom(600)).decode() for _ in range(5)]
lines += ["000000 " * 14629]
lines += ["last line"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("".join(line + "\n" for line in lines))
EOF
}

# ---- negotiation: offers to wsserve ----------------------------------------

@test "deflate: wsserve accepts valid offers, always without context takeover, echoing server_max_window_bits" {
	check_offers "permessage-deflate => permessage-deflate; $NCT
permessage-deflate; client_max_window_bits => permessage-deflate; $NCT
permessage-deflate; client_max_window_bits=10 => permessage-deflate; $NCT
permessage-deflate; client_max_window_bits=15 => permessage-deflate; $NCT
permessage-deflate; server_max_window_bits=10 => $(pmd_bits 10)
permessage-deflate; server_max_window_bits=8 => $(pmd_bits 8)
permessage-deflate; server_max_window_bits=15 => $(pmd_bits 15)
permessage-deflate; server_max_window_bits=9; client_max_window_bits => $(pmd_bits 9)
permessage-deflate; server_no_context_takeover => permessage-deflate; $NCT
permessage-deflate; client_no_context_takeover => permessage-deflate; $NCT
permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=12 => $(pmd_bits 12)
permessage-deflate;server_max_window_bits=11;client_max_window_bits => $(pmd_bits 11)"
}

@test "deflate: wsserve declines invalid offers and opens the connection without an extension" {
	check_offers "permessage-deflate; server_max_window_bits=7 => none
permessage-deflate; server_max_window_bits=16 => none
permessage-deflate; server_max_window_bits=08 => none
permessage-deflate; server_max_window_bits= => none
permessage-deflate; server_max_window_bits => none
permessage-deflate; server_max_window_bits=ten => none
permessage-deflate; client_max_window_bits=7 => none
permessage-deflate; client_max_window_bits=16 => none
permessage-deflate; client_max_window_bits=010 => none
permessage-deflate; server_no_context_takeover=1 => none
permessage-deflate; client_no_context_takeover=true => none
permessage-deflate; foo => none
permessage-deflate; foo=1 => none
permessage-deflate; server_max_window_bits=10; server_max_window_bits=10 => none
permessage-deflate; client_max_window_bits; client_max_window_bits => none
permessage-deflate; server_no_context_takeover; server_no_context_takeover => none
permessage-deflate; client_no_context_takeover; client_no_context_takeover => none
x-webkit-deflate-frame => none
x-webkit-deflate-frame; no_context_takeover => none
foo, bar; baz=1 => none
- => none"
}

@test "deflate: wsserve takes the first offer it can accept, across header lines too, and ignores other extensions" {
	check_offers "permessage-deflate; server_max_window_bits=7, permessage-deflate; server_max_window_bits=11 => $(pmd_bits 11)
permessage-deflate; foo, permessage-deflate; client_max_window_bits => permessage-deflate; $NCT
permessage-deflate; server_max_window_bits=9, permessage-deflate => $(pmd_bits 9)
x-webkit-deflate-frame, permessage-deflate => permessage-deflate; $NCT
x-webkit-deflate-frame; no_context_takeover, permessage-deflate; server_max_window_bits=13 => $(pmd_bits 13)
permessage-deflate; server_max_window_bits=16 | permessage-deflate; server_max_window_bits=10 => $(pmd_bits 10)
x-webkit-deflate-frame | permessage-deflate => permessage-deflate; $NCT
permessage-deflate; a=1, permessage-deflate; b=2 => none"
}

@test "deflate: wsserve accepts a quoted server_max_window_bits value (RFC 7692 section 7)" {
	# RFC 7692 7: a value may be a quoted-string; unquoted, it must then
	# conform to the same grammar ("08" still does not).
	check_offers "permessage-deflate; server_max_window_bits=\"10\" => $(pmd_bits 10)
permessage-deflate; server_max_window_bits=\"08\" => none"
}

@test "deflate: wsserve --no-deflate accepts no offer" {
	check_offers "permessage-deflate => none
permessage-deflate; client_max_window_bits => none
permessage-deflate; server_max_window_bits=10 => none
x-webkit-deflate-frame, permessage-deflate => none" --no-deflate
}

@test "deflate: wscat -v shows its offer and wsserve's response, and wsserve -v the offer" {
	start_wsserve -v --echo
	run_wscat 0 -v -1 -x hello "$URL"
	assert_output hello
	strip_cr
	assert_stderr_line 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'
	run grep -i '^Sec-WebSocket-Extensions: permessage-deflate;' <<<"$stderr"
	assert_line --index 1 --partial 'server_no_context_takeover'
	assert_line --index 1 --partial 'client_no_context_takeover'
	wait_for_text "$SERVER_ERR" 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'
	# --no-deflate: no offer, so no extension either way.
	run_wscat 0 -v --no-deflate -1 -x hello "$URL"
	assert_output hello
	run grep -ci 'Sec-WebSocket-Extensions' <<<"$stderr"
	assert_output 0
}

# ---- negotiation: responses to wscat ---------------------------------------

@test "deflate: wscat offers permessage-deflate; client_max_window_bits, and nothing with --no-deflate" {
	raw_server server
	run_wscat 0 "$PEER_URL" <<<hi
	wait_for_status server 0
	run cat "$BATS_TEST_TMPDIR/server.out"
	assert_line 'offer permessage-deflate; client_max_window_bits'
	raw_server server2
	run_wscat 0 --no-deflate "$PEER_URL" <<<hi
	wait_for_status server2 0
	run cat "$BATS_TEST_TMPDIR/server2.out"
	assert_line 'offer none'
	assert_line 'message text rsv1=0 wire=2 size=2 md5=49f68a5c8493ec2c0bf489821c21fc3b'
}

@test "deflate: wscat accepts every valid response and exchanges compressed messages byte for byte" {
	local in=$BATS_TEST_TMPDIR/in ext nth=0 d
	make_lines "$in"
	for ext in 'permessage-deflate' \
		'permessage-deflate; server_no_context_takeover' \
		'permessage-deflate; client_no_context_takeover' \
		"permessage-deflate; $NCT" \
		'permessage-deflate; server_max_window_bits=8' \
		'permessage-deflate; server_max_window_bits=10' \
		'permessage-deflate; server_max_window_bits=15' \
		'permessage-deflate; client_max_window_bits=8' \
		'permessage-deflate; client_max_window_bits=9' \
		'permessage-deflate; client_max_window_bits=11' \
		'permessage-deflate; client_max_window_bits=15' \
		'permessage-deflate; server_no_context_takeover; client_max_window_bits=10; server_max_window_bits=9; client_no_context_takeover' \
		'permessage-deflate;client_max_window_bits=12;server_max_window_bits=12'; do
		nth=$((nth + 1))
		d=$BATS_TEST_TMPDIR/s$nth
		echo "--- response: $ext" >&2
		# The server sends compressed messages (with its context, unless
		# server_no_context_takeover), one short, one uncompressed; it
		# inflates wscat's with exactly the window and context allowed.
		raw_server "s$nth" --ext "$ext" --out "$d.got" \
			--send ztext:@rep:3000 --send ztext:hello \
			--send text:plain --send ztext:@b64:2000 \
			--send ztext:@rep:3001 --send zbinary:@b64:200
		run_wscat --out "$d.wscat" 0 "$PEER_URL" <"$in"
		wait_for_status "s$nth" 0
		# What wscat printed is what the server sent.
		assert_equal "$(line_md5s "$d.wscat")" "$(field sent "$d.out")"
		# What the server got is wscat's input, RSV1 from 128 bytes on.
		cmp "$in" "$d.got"
		run ! grep 'inflate-error' "$d.out"
		assert_equal "$(rsv1_of "$d.out")" "$(want_rsv1 "$in")"
		grep -qx 'close 1000' "$d.out"
	done
}

@test "deflate: wscat accepts a quoted parameter value in the response (RFC 7692 section 7)" {
	local in=$BATS_TEST_TMPDIR/in
	make_lines "$in"
	raw_server server --ext 'permessage-deflate; client_max_window_bits="10"' \
		--out "$BATS_TEST_TMPDIR/got" --send ztext:@rep:3000
	run_wscat 0 "$PEER_URL" <"$in"
	wait_for_status server 0
	cmp "$in" "$BATS_TEST_TMPDIR/got"
	run ! grep inflate-error "$BATS_TEST_TMPDIR/server.out"
}

@test "deflate: wscat refuses an invalid response or an extension it did not offer with exit 5" {
	local ext nth=0
	for ext in 'permessage-deflate; server_max_window_bits=7' \
		'permessage-deflate; server_max_window_bits=16' \
		'permessage-deflate; server_max_window_bits=08' \
		'permessage-deflate; server_max_window_bits' \
		'permessage-deflate; client_max_window_bits=7' \
		'permessage-deflate; client_max_window_bits=16' \
		'permessage-deflate; client_max_window_bits' \
		'permessage-deflate; server_no_context_takeover=1' \
		'permessage-deflate; client_no_context_takeover=x' \
		'permessage-deflate; foo' \
		'permessage-deflate; foo=1' \
		'permessage-deflate; server_no_context_takeover; server_no_context_takeover' \
		'permessage-deflate; client_max_window_bits=10; client_max_window_bits=10' \
		'permessage-deflate; server_max_window_bits=10; server_max_window_bits=9' \
		'x-webkit-deflate-frame' \
		'permessage-deflate, x-foo' \
		'x-foo; bar=1'; do
		nth=$((nth + 1))
		echo "--- response: $ext" >&2
		raw_server "s$nth" --ext "$ext"
		run_wscat 5 "$PEER_URL" <<<hi
		assert_output ''
		[[ $stderr == *Sec-WebSocket-Extensions* ]] ||
			fail "stderr does not name Sec-WebSocket-Extensions: $stderr"
		# The handshake failed: wscat sent no message.
		wait_for_status "s$nth" 0
		run grep -c '^frame\|^message' "$BATS_TEST_TMPDIR/s$nth.out"
		assert_output 0
	done
}

@test "deflate: wscat --no-deflate refuses any extension in the response with exit 5" {
	local ext nth=0
	for ext in 'permessage-deflate' 'permessage-deflate; server_no_context_takeover' \
		'x-foo'; do
		nth=$((nth + 1))
		raw_server "s$nth" --ext "$ext"
		run_wscat 5 --no-deflate "$PEER_URL" <<<hi
		assert_output ''
		[[ $stderr == *Sec-WebSocket-Extensions* ]] ||
			fail "stderr does not name Sec-WebSocket-Extensions: $stderr"
		wait_for_status "s$nth" 0
		grep -qx 'offer none' "$BATS_TEST_TMPDIR/s$nth.out"
	done
}

# ---- on the wire -------------------------------------------------------------

@test "deflate: wsserve compresses a broadcast line of 128 bytes and more on the wire, and not a shorter one" {
	start_wsserve
	spawn client 30 "${RAW[@]}" client "$PORT" --count 5 </dev/null
	wait_for_line "$BATS_TEST_TMPDIR/client.out" open
	local long
	long=$(printf 'the same words again and %.0s' {1..200})
	server_send 'sixteen bytes ok' "$(printf 'a%.0s' {1..127})" \
		"$(printf 'b%.0s' {1..128})" "$long" 'short again'
	wait_for_status client 0 20
	run cat "$BATS_TEST_TMPDIR/client.out"
	assert_line --index 0 "ext permessage-deflate; $NCT"
	assert_equal "$(rsv1_of "$BATS_TEST_TMPDIR/client.out" | tr -d '\n')" 00110
	# The long line: 5000 bytes in far fewer.
	assert_line --regexp '^message text rsv1=1 wire=[0-9]{1,3} size=5000 md5='
	assert_line 'message text rsv1=0 wire=16 size=16 md5=e8c591855fe99b299b25156fa61c2002'
	printf '%s\n' 'sixteen bytes ok' "$(printf 'a%.0s' {1..127})" \
		"$(printf 'b%.0s' {1..128})" "$long" 'short again' >"$BATS_TEST_TMPDIR/want"
	assert_equal "$(field message "$BATS_TEST_TMPDIR/client.out")" \
		"$(line_md5s "$BATS_TEST_TMPDIR/want")"
	assert_line 'close 1000'
}

@test "deflate: wsserve --echo inflates compressed and fragmented messages, and sends back uncompressed what deflate would not shrink" {
	start_wsserve --echo
	raw_client c --count 8 --send binary:@rand:1000 --send binary:@rep:1000 \
		--send ztext:@rep:100000 --send ztext/7:@rep:300000 \
		--send zbinary/3:@rand:5000 --send ztext:hi --send text:@rep:127 \
		--send text:@rep:128
	local f=$BATS_TEST_TMPDIR/c.out
	refute_line --partial inflate-error
	assert_equal "$(field message "$f")" "$(field sent "$f")"
	# Random bytes do not shrink: back as they are.  The rest shrinks
	# from 128 bytes on.
	assert_equal "$(rsv1_of "$f" | tr -d '\n')" 01110001
	assert_line 'close 1000'
	assert_line EOF
}

@test "deflate: wsserve compresses within the server_max_window_bits the client asked for, 8 included" {
	start_wsserve --echo
	local bits
	for bits in 8 9 10 12 15; do
		echo "--- server_max_window_bits=$bits" >&2
		# deflate_raw.py inflates with exactly 2^bits: a distance beyond
		# it is an inflate error.  @rep repeats every 55 bytes; b64 blocks
		# repeat (ztext:...) at 300 and 3000 bytes.
		raw_client "c$bits" --count 4 \
			--offer "permessage-deflate; server_max_window_bits=$bits" \
			--send "text:@rep:20000" \
			--send "text:$(head -c 225 /dev/urandom | base64 -w0 | sed 's/.*/&&&&&&&&&&/')" \
			--send "text:$(head -c 2250 /dev/urandom | base64 -w0 | sed 's/.*/&&&&/')" \
			--send "binary:@zeros:100000"
		assert_line --index 0 "ext $(pmd_bits "$bits")"
		refute_line --partial inflate-error
		assert_equal "$(field message "$BATS_TEST_TMPDIR/c$bits.out")" \
			"$(field sent "$BATS_TEST_TMPDIR/c$bits.out")"
		# The repetitive text and the zeros shrink even coded Huffman-only.
		assert_line --regexp '^message text rsv1=1 wire=[0-9]+ size=20000 '
		assert_line --regexp '^message binary rsv1=1 wire=[0-9]+ size=100000 '
	done
}

@test "deflate: wscat compresses each line of 128 bytes and more it sends, a random one too, and not a shorter one" {
	raw_server server --ext permessage-deflate --out "$BATS_TEST_TMPDIR/got"
	local in=$BATS_TEST_TMPDIR/in
	{
		echo 'sixteen bytes ok'
		printf 'a%.0s' {1..127}
		echo
		printf 'b%.0s' {1..128}
		echo
		printf 'the same words again and %.0s' {1..200}
		echo
		head -c 150 /dev/urandom | base64 -w0
		echo
	} >"$in"
	run_wscat 0 "$PEER_URL" <"$in"
	wait_for_status server 0
	run cat "$BATS_TEST_TMPDIR/server.out"
	assert_equal "$(rsv1_of "$BATS_TEST_TMPDIR/server.out" | tr -d '\n')" 00111
	assert_line --regexp '^message text rsv1=1 wire=[0-9]{1,3} size=5000 md5='
	refute_line --partial inflate-error
	cmp "$in" "$BATS_TEST_TMPDIR/got"
}

# ---- bounds: zip bombs, compressed size ------------------------------------

@test "deflate: a zip bomb to wsserve closes with 1009 and wsserve stays under 40 MiB" {
	start_wsserve --max-message 1048576
	local spec nth=0
	# 10 MiB of zeros in ~10 KB; 256 MiB in ~260 KB; the latter in 64
	# frames (inflated frame by frame, never whole).
	for spec in zbinary:@zeros:10485760 zbinary:@zeros:268435456 \
		zbinary/64:@zeros:268435456 ztext/16:@zeros:268435456; do
		nth=$((nth + 1))
		echo "--- $spec" >&2
		raw_client "bomb$nth" --send "$spec"
		assert_line 'close 1009'
		assert_line EOF
		refute_line --regexp '^message'
	done
	assert_below "wsserve's peak after zip bombs" "$(hwm_kib "$SERVER_PID")" 40960
	wait_until 5 test "$(grep -c 'disconnected (1009' "$SERVER_ERR")" -eq 4
	# It still serves.
	run_wscat 0 "$URL" <<<after
	wait_for_line "$SERVER_OUT" after
}

@test "deflate: a zip bomb from a server makes wscat close with 1009 and exit 1, under 40 MiB" {
	local hold=$BATS_TEST_TMPDIR/hold hwm=0 h
	raw_server bomb --ext permessage-deflate --send zbinary/8:@zeros:268435456
	mkfifo "$hold"
	exec 6<>"$hold" # wscat's stdin stays open, and idle
	spawn wscat 30 "$WSCAT" --max-message 1048576 "$PEER_URL" <"$hold"
	while h=$(hwm_kib "$SPAWN_PID") && [ -n "$h" ]; do
		hwm=$h
		sleep 0.02
	done
	exec 6>&-
	wait_for_status wscat 1 10
	wait_for_status bomb 0
	run cat "$BATS_TEST_TMPDIR/bomb.out"
	assert_line 'close 1009'
	assert_equal "$(wc -c <"$BATS_TEST_TMPDIR/wscat.out")" 0
	assert_below "wscat's peak under a zip bomb" "$hwm" 40960
}

@test "deflate: the compressed bytes of a message count against --max-message too" {
	start_wsserve --echo --max-message 1000
	# 100 empty stored blocks (500 bytes) before "hello": within bounds.
	raw_client c1 --count 1 --send pad:100:hello
	assert_line --regexp '^message text rsv1=0 wire=5 size=5 '
	assert_line 'close 1000'
	# 300 of them: 1500 compressed bytes for 5 inflated ones.
	raw_client c2 --send pad:300:hello
	assert_line 'close 1009'
	refute_line --regexp '^message'
}

# ---- corrupt data, misplaced RSV1 --------------------------------------------

@test "deflate: wsserve closes with 1007 on corrupt deflate data or invalid UTF-8 inside it" {
	start_wsserve
	# 0xff: BFINAL 1 and the reserved block type 11.
	raw_client c1 --send raw:c1:ffffff
	assert_line 'close 1007'
	raw_client c2 --send raw:c2:ffffff
	assert_line 'close 1007'
	# Good deflate, bad UTF-8 in a text message.
	raw_client c3 --send ztext:@badutf8:200
	assert_line 'close 1007'
	raw_client c4 --send ztext/4:@badutf8:20000
	assert_line 'close 1007'
	run cat "$SERVER_OUT"
	assert_output ''
}

@test "deflate: wsserve closes with 1002 on RSV1 on a continuation or a control frame, or without deflate" {
	start_wsserve --echo
	# RSV1 on the continuation of an uncompressed message.
	raw_client c1 --send raw:01:6162 --send raw:c0:6364
	assert_line 'close 1002'
	# ... and of a compressed one.
	raw_client c2 --send raw:41:4a4c0200 --send raw:c0:
	assert_line 'close 1002'
	# RSV1 on a ping, on a close.
	raw_client c3 --send raw:c9:6869
	assert_line 'close 1002'
	refute_line --partial 'control pong'
	raw_client c4 --send raw:c8:03e8
	assert_line 'close 1002'
	# RSV2, RSV3: no extension defines them.
	raw_client c5 --send raw:a1:6869
	assert_line 'close 1002'
	raw_client c6 --send raw:91:6869
	assert_line 'close 1002'
	# RSV1 when deflate was not negotiated ("hi", compressed: cac804 00).
	raw_client c7 --offer - --send raw:c1:cac80400
	assert_line 'ext none'
	assert_line 'close 1002'
	refute_line --regexp '^message'
}

@test "deflate: wscat closes with 1007 on corrupt deflate data and 1002 on misplaced RSV1, exiting 1" {
	local spec ext sends s code nth=0 hold=$BATS_TEST_TMPDIR/hold
	# wscat's stdin stays open: no close of its own races the frame.
	mkfifo "$hold"
	exec 6<>"$hold"
	for spec in 'permessage-deflate raw:c1:ffffff 1007' \
		'permessage-deflate ztext:@badutf8:300 1007' \
		'permessage-deflate raw:01:6162,raw:c0:6364 1002' \
		'permessage-deflate raw:c9:6869 1002' \
		'permessage-deflate raw:a1:6869 1002' \
		'- raw:c1:cac80400 1002'; do
		nth=$((nth + 1))
		read -r ext sends code <<<"$spec"
		echo "--- $spec" >&2
		local args=()
		IFS=, read -r -a sends <<<"$sends"
		for s in "${sends[@]}"; do args+=(--send "$s"); done
		raw_server "s$nth" --ext "$ext" "${args[@]}"
		run_wscat 1 "$PEER_URL" <"$hold"
		assert_output ''
		wait_for_status "s$nth" 0
		grep -qx "close $code" "$BATS_TEST_TMPDIR/s$nth.out" ||
			fail "wscat did not close with $code: $(cat "$BATS_TEST_TMPDIR/s$nth.out")"
	done
	exec 6>&-
}

# ---- interop: python3-websockets clients and wsserve --echo -----------------

# py_client_echo [OPTIONS...]: deflate_peer.py client with OPTIONS against
# wsserve --echo: every echo of the message set is exact, and
# permessage-deflate was negotiated.
py_client_echo() {
	[ -n "${SERVER_PID:-}" ] || start_wsserve --echo
	echo "--- deflate_peer.py client $*" >&2
	run -0 timeout 90 "${DPY[@]}" client "$URL" "$@" echo
	assert_line "echoed $SET messages"
	assert_line --regexp '^negotiated permessage-deflate remote_nct=1 local_nct=1 '
	assert_line --regexp "^response permessage-deflate; .*server_no_context_takeover"
}

@test "deflate: a python client with default deflate parameters against wsserve --echo" {
	py_client_echo
	assert_line 'negotiated permessage-deflate remote_nct=1 local_nct=1 remote_bits=15 local_bits=15'
}

@test "deflate: a python client with client_no_context_takeover or server_no_context_takeover against wsserve --echo" {
	py_client_echo --cnct
	py_client_echo --snct
	py_client_echo --snct --cnct
}

@test "deflate: a python client with server_max_window_bits 8, 9, 12 and 15 against wsserve --echo" {
	local bits
	for bits in 8 9 12 15; do
		py_client_echo --smwb "$bits"
		assert_line --regexp "^negotiated .* remote_bits=$bits "
		assert_line --partial "server_max_window_bits=$bits"
	done
}

@test "deflate: a python client with client_max_window_bits 9, 12 and 15 against wsserve --echo" {
	# Not 8: python's zlib (1.2.9 on) refuses a raw deflate window of 8.
	local bits
	for bits in 9 12 15; do
		py_client_echo --cmwb "$bits"
		assert_line --regexp "^negotiated .* local_bits=$bits$"
		refute_line --partial 'client_max_window_bits='
	done
}

@test "deflate: a python client with all parameters at once against wsserve --echo" {
	py_client_echo --snct --cnct --smwb 10 --cmwb 11
	assert_line 'negotiated permessage-deflate remote_nct=1 local_nct=1 remote_bits=10 local_bits=11'
	py_client_echo --smwb 9 --cmwb none
}

@test "deflate: a python client without compression against wsserve --echo" {
	start_wsserve --echo
	run -0 timeout 90 "${DPY[@]}" client "$URL" --no-deflate echo
	assert_line 'response none'
	assert_line 'negotiated none'
	assert_line "echoed $SET messages"
}

# ---- interop: a python3-websockets server and wscat -------------------------

# py_server_echo [OPTIONS...]: deflate_peer.py server OPTIONS echo and
# wscat --echo: every echo of the message set is exact.
py_server_echo() {
	echo "--- deflate_peer.py server $*" >&2
	peer_server pyserver "${DPY[@]}" server "$@" echo
	run_wscat --timeout 90 0 --echo "$PEER_URL" </dev/null
	wait_for_status pyserver 0 30
	run cat "$BATS_TEST_TMPDIR/pyserver.out"
	assert_line "echoed $SET messages"
	assert_line 'request permessage-deflate; client_max_window_bits'
	assert_line --regexp '^negotiated permessage-deflate '
}

@test "deflate: wscat --echo and a python server with context takeover both ways" {
	py_server_echo
	assert_line 'response permessage-deflate'
	assert_line 'negotiated permessage-deflate remote_nct=0 local_nct=0 remote_bits=15 local_bits=15'
}

@test "deflate: wscat --echo and a python server with server_ or client_no_context_takeover" {
	py_server_echo --snct
	assert_line 'response permessage-deflate; server_no_context_takeover'
	py_server_echo --cnct
	assert_line 'response permessage-deflate; client_no_context_takeover'
	py_server_echo --snct --cnct
}

@test "deflate: wscat --echo and a python server with server_max_window_bits 9 to 15" {
	# Not 8: python's zlib cannot compress with a raw window of 8.
	local bits
	for bits in 9 10 11 12 13 14 15; do
		py_server_echo --smwb "$bits"
		assert_line "response permessage-deflate; server_max_window_bits=$bits"
	done
}

@test "deflate: wscat --echo and a python server with client_max_window_bits 8 to 15, which it inflates with exactly that window" {
	local bits
	for bits in 8 9 10 11 12 13 14 15; do
		py_server_echo --cmwb "$bits"
		assert_line "response permessage-deflate; client_max_window_bits=$bits"
		assert_line --regexp "^negotiated .* remote_bits=$bits "
	done
}

@test "deflate: wscat --echo and a python server with all parameters at once" {
	py_server_echo --snct --cnct --smwb 9 --cmwb 9
	py_server_echo --smwb 12 --cmwb 10
}

COLLECTS=0

# py_server_collect [OPTIONS...]: plain wscat sends make_lines' lines to
# deflate_peer.py server OPTIONS collect, which gets them all exactly.
py_server_collect() {
	local in=$BATS_TEST_TMPDIR/in name=pycollect$((++COLLECTS))
	[ -f "$in" ] || make_lines "$in"
	echo "--- deflate_peer.py server $*" >&2
	peer_server "$name" "${DPY[@]}" server "$@" collect "$BATS_TEST_TMPDIR/$name.got"
	run_wscat 0 "$PEER_URL" <"$in"
	wait_for_status "$name" 0 30
	cmp "$in" "$BATS_TEST_TMPDIR/$name.got"
	run cat "$BATS_TEST_TMPDIR/$name.out"
	assert_line --regexp '^negotiated permessage-deflate '
	assert_line 'close 1000'
}

@test "deflate: wscat sends its stdin lines to a python server, compressed with and without context takeover, byte for byte" {
	py_server_collect
	py_server_collect --cnct
	py_server_collect --cmwb 8
	py_server_collect --cmwb 10 --snct
	py_server_collect --smwb 9 --cnct
}

# ---- interop: node ws clients and wsserve --echo ----------------------------

# node_client_echo [OPTIONS...]: deflate_peer.js client with OPTIONS against
# wsserve --echo: every echo exact, permessage-deflate negotiated.
node_client_echo() {
	[ -n "${SERVER_PID:-}" ] || start_wsserve --echo
	echo "--- deflate_peer.js client $*" >&2
	run -0 timeout 90 "${DJS[@]}" client "$URL" "$@" echo
	assert_line "echoed $SET messages"
	assert_line --regexp '^negotiated permessage-deflate '
	assert_line --regexp '^response permessage-deflate; .*client_no_context_takeover'
}

@test "deflate: a node client with threshold 0 and otherwise default parameters against wsserve --echo" {
	node_client_echo
	# ws 8's own defaults (threshold 1 KiB) too.
	node_client_echo --default
}

@test "deflate: a node client with client_ or server_no_context_takeover against wsserve --echo" {
	node_client_echo --cnct
	node_client_echo --snct
	node_client_echo --snct --cnct
}

@test "deflate: a node client with serverMaxWindowBits 8 to 15 against wsserve --echo" {
	local bits
	for bits in 8 9 10 11 12 13 14 15; do
		node_client_echo --smwb "$bits"
		assert_line --partial "server_max_window_bits=$bits"
	done
}

@test "deflate: a node client with clientMaxWindowBits 8, 9, 12 and 15 against wsserve --echo" {
	local bits
	for bits in 8 9 12 15; do
		node_client_echo --cmwb "$bits"
		refute_line --partial 'client_max_window_bits='
		assert_line --partial "\"client_max_window_bits\":$bits"
	done
}

@test "deflate: a node client with all parameters at once against wsserve --echo" {
	node_client_echo --snct --cnct --smwb 9 --cmwb 10
}

# ---- interop: a node ws server and wscat ------------------------------------

# node_server_echo [OPTIONS...]: deflate_peer.js server OPTIONS echo and
# wscat --echo.
node_server_echo() {
	echo "--- deflate_peer.js server $*" >&2
	peer_server nodeserver "${DJS[@]}" server "$@" echo
	run_wscat --timeout 90 0 --echo "$PEER_URL" </dev/null
	wait_for_status nodeserver 0 30
	run cat "$BATS_TEST_TMPDIR/nodeserver.out"
	assert_line "echoed $SET messages"
	assert_line 'request permessage-deflate; client_max_window_bits'
	assert_line --regexp '^negotiated permessage-deflate '
}

@test "deflate: wscat --echo and a node server with perMessageDeflate true (ws's defaults)" {
	node_server_echo --default
	assert_line 'response permessage-deflate'
}

@test "deflate: wscat --echo and a node server with threshold 0, context takeover both ways" {
	node_server_echo
	assert_line 'response permessage-deflate'
}

@test "deflate: wscat --echo and a node server with server_ or client_no_context_takeover" {
	node_server_echo --snct
	assert_line 'response permessage-deflate; server_no_context_takeover'
	node_server_echo --cnct
	assert_line 'response permessage-deflate; client_no_context_takeover'
}

@test "deflate: wscat --echo and a node server with serverMaxWindowBits 8 to 15" {
	local bits
	for bits in 8 9 10 11 12 13 14 15; do
		node_server_echo --smwb "$bits"
		assert_line "response permessage-deflate; server_max_window_bits=$bits"
	done
}

@test "deflate: wscat --echo and a node server with clientMaxWindowBits 8 to 15" {
	local bits
	for bits in 8 9 10 11 12 13 14 15; do
		node_server_echo --cmwb "$bits"
		assert_line "response permessage-deflate; client_max_window_bits=$bits"
	done
}

@test "deflate: wscat sends its stdin lines to a node server, byte for byte" {
	local in=$BATS_TEST_TMPDIR/in opts nth=0
	make_lines "$in"
	for opts in '' --cnct '--cmwb 8' '--snct --smwb 9'; do
		nth=$((nth + 1))
		echo "--- deflate_peer.js server $opts" >&2
		# shellcheck disable=SC2086 # the options are words
		peer_server "node$nth" "${DJS[@]}" server $opts collect \
			"$BATS_TEST_TMPDIR/got$nth"
		run_wscat 0 "$PEER_URL" <"$in"
		wait_for_status "node$nth" 0 30
		cmp "$in" "$BATS_TEST_TMPDIR/got$nth"
		grep -q '^negotiated permessage-deflate ' "$BATS_TEST_TMPDIR/node$nth.out"
	done
}

# ---- a compressed broadcast ----------------------------------------------------

@test "deflate: wsserve broadcasts stdin lines to clients with deflate, with server_max_window_bits=9 and without, each getting every line exactly" {
	local in=$BATS_TEST_TMPDIR/in n d=$BATS_TEST_TMPDIR
	make_lines "$in"
	n=$(wc -l <"$in")
	start_wsserve
	spawn c1 60 "${DPY[@]}" client "$URL" recv "$n" "$d/got1" </dev/null
	spawn c2 60 "${DPY[@]}" client "$URL" --smwb 9 recv "$n" "$d/got2" </dev/null
	spawn c3 60 "${DPY[@]}" client "$URL" --no-deflate recv "$n" "$d/got3" </dev/null
	wait_for_line "$d/c1.out" open 10
	wait_for_line "$d/c2.out" open 10
	wait_for_line "$d/c3.out" open 10
	cat "$in" >&4
	wait_for_status c1 0 30
	wait_for_status c2 0 30
	wait_for_status c3 0 30
	cmp "$in" "$d/got1"
	cmp "$in" "$d/got2"
	cmp "$in" "$d/got3"
	grep -qx "negotiated permessage-deflate remote_nct=1 local_nct=1 remote_bits=15 local_bits=15" "$d/c1.out"
	grep -qx "negotiated permessage-deflate remote_nct=1 local_nct=1 remote_bits=9 local_bits=15" "$d/c2.out"
	grep -qx 'negotiated none' "$d/c3.out"
}
