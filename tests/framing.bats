#!/usr/bin/env bats
# The framings of both tools: -0, -b, --whole, --jsonl, and wsserve's --ids;
# client ids and unicast, events, flow control toward a slow client,
# malformed input, and the options that do not go together.
#
# The peers are tests/framing_peer.py (python3-websockets, and raw sockets
# for the slow clients) and tests/framing_peer.js (node ws, from
# tests/node_modules).  Messages are files in a directory (NNN.text or
# NNN.binary); a peer writes what it receives the same way, so `diff -r`
# compares what went in with what came out, byte for byte and type for
# type.  JSON lines are checked with jq.

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers

FPEER_PY=("$PY" "$ROOT/tests/framing_peer.py")
FPEER_NODE=(node "$ROOT/tests/framing_peer.js")

# A missing jq or ws install fails every test, with what fixes it.
setup() {
	command -v jq >/dev/null || fail 'jq is not on PATH: apt-get install jq'
	command -v node >/dev/null ||
		fail 'node is not on PATH: the node peers need node 20'
	[ -f "$ROOT/tests/node_modules/ws/package.json" ] ||
		fail "tests/node_modules/ws is missing: run \`npm ci --prefix tests\`"
}

# ---- peers -------------------------------------------------------------

# use_peer py|node: FPEER is that framing peer's command; says which on
# stderr, so that a failure shows the peer it happened with.
use_peer() {
	case $1 in
	py) FPEER=("${FPEER_PY[@]}") ;;
	node) FPEER=("${FPEER_NODE[@]}") ;;
	*) fail "use_peer: $1" ;;
	esac
	echo "--- with the $1 peer" >&2
}

# fserver NAME ARGS...: the framing peer as a server in the background,
# up to the moment it listens.  Sets PEER_URL.
# shellcheck disable=SC2034 # PEER_URL: for the tests
fserver() {
	local name=$1
	shift
	start_peer "$name" 60 "${FPEER[@]}" server "$@" || return
	PEER_URL=ws://127.0.0.1:$PEER_PORT/
}

# fclient NAME ARGS...: the framing peer as a client in the background
# (spawn NAME), up to its "open" line.
fclient() {
	local name=$1
	shift
	spawn "$name" 60 "${FPEER[@]}" client "$@" </dev/null || return
	wait_for_line "$BATS_TEST_TMPDIR/$name.out" open 10 || {
		cat "$BATS_TEST_TMPDIR/$name.err" >&2
		return 1
	}
}

# peer_ended NAME LINE: the peer spawned as NAME exits 0 within 30 s and
# its last line is LINE ("close 1000 ").
peer_ended() {
	wait_for_status "$1" 0 30 || return
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/$1.out")" "$2"
}

# ---- messages as files ---------------------------------------------------

# msg DIR TYPE FORMAT [ARG...]: the next message of DIR (created if need
# be), text or binary, its bytes printf FORMAT ARG....
msg() {
	local dir=$1 type=$2
	shift 2
	mkdir -p "$dir"
	# shellcheck disable=SC2059 # the format is the point
	printf "$@" >"$dir/$(next_name "$dir").$type"
}

# msg_gen DIR TYPE KIND: the next message of DIR, made by gen KIND.
msg_gen() {
	mkdir -p "$1"
	gen "$3" "$1/$(next_name "$1").$2"
}

next_name() {
	printf %03d "$(find "$1" -maxdepth 1 -type f | wc -l)"
}

# gen KIND FILE: test data.
gen() {
	"$PY" - "$@" <<'EOF'
import os, sys
kind, path = sys.argv[1], sys.argv[2]
MIB = 1 << 20
if kind == "bytes":               # every byte value, in order
    data = bytes(range(256))
elif kind == "bytes-but-nul":
    data = bytes(range(1, 256))
elif kind == "bytes-but-lf":
    data = bytes(b for b in range(256) if b != 10)
elif kind == "text-10m":          # 10 MiB of UTF-8 lines, CRLF and all
    unit = "line of text: ünï ✓ \t \"quoted\" \\ back\r\n".encode()
    data = unit * (10 * MIB // len(unit) + 1)
elif kind == "binary-10m":
    data = os.urandom(10 * MIB)
elif kind == "controls":          # every C0 control, DEL, " \ and /
    data = bytes(range(32)) + b"\x7f\"\\/"
elif kind == "hidden":            # C1, bidi marks, and what is not them
    chars = ([chr(c) for c in range(0x80, 0xa0)] + ["\u200e", "\u200f"] +
             [chr(c) for c in range(0x202a, 0x202f)] +
             [chr(c) for c in range(0x2066, 0x206a)])
    data = ("é ÿ \u00a0 \u2010 \u2028 ✓ 日本 😀 <" + "".join(chars) +
            ">").encode()
elif kind == "controls-10m":      # 10 MiB of U+0001: six bytes each in JSON
    data = b"\x01" * (10 * MIB)
else:
    sys.exit("gen: unknown kind " + kind)
with open(path, "wb") as f:
    f.write(data)
EOF
}

# records DIR [SEP]: the messages of DIR, each followed by SEP (a printf
# format: '\n', '\0', or nothing).
records() {
	local f
	for f in "$1"/*; do
		cat "$f"
		# shellcheck disable=SC2059
		printf "${2-}"
	done
}

# id_records ID DIR [SEP]: the --ids records of DIR's messages: ID, TAB,
# the payload, SEP (LF by default).
id_records() {
	local f
	for f in "$2"/*; do
		printf '%s\t' "$1"
		cat "$f"
		# shellcheck disable=SC2059
		printf "${3-\\n}"
	done
}

# jsonl_input DIR [JSON]: one JSON line per message of DIR, in the forms
# the tools take: text as a bare string, {"data":...} or {"type":"text",
# "data":...} in turn, non-ASCII raw or \u-escaped in turn; binary as
# {"type":"binary","data":BASE64}.  JSON (an object) is merged into each
# line (e.g. {"to":1}); text then always goes as an object.
jsonl_input() {
	"$PY" - "$@" <<'EOF'
import base64, json, os, sys
d = sys.argv[1]
extra = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
for i, name in enumerate(sorted(os.listdir(d))):
    with open(os.path.join(d, name), "rb") as f:
        data = f.read()
    if name.endswith(".text"):
        s = data.decode()
        v = [s, {"data": s}, {"type": "text", "data": s}][i % 3]
        if extra and not isinstance(v, dict):
            v = {"data": s}
    else:
        v = {"type": "binary", "data": base64.b64encode(data).decode()}
    if isinstance(v, dict):
        v.update(extra)
    sys.stdout.write(json.dumps(v, ensure_ascii=(i % 2 == 0)) + "\n")
EOF
}

# assert_same_messages WANT GOT: the two message directories hold the same
# files, byte for byte.
assert_same_messages() {
	local d
	d=$(diff -r "$1" "$2" 2>&1) || fail "messages differ ($1 vs $2):
$d"
}

# ---- JSON lines -----------------------------------------------------------

# split_lines FILE: DIR of one file per line of FILE (in order); prints DIR.
split_lines() {
	local dir
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/lines.XXXXXX")
	split -l 1 -a 5 -d "$1" "$dir/l"
	echo "$dir"
}

# assert_jsonl FILE: every line of FILE is exactly one JSON value (jq), the
# file is UTF-8 and ends with LF, and no line holds a raw control
# character, C1 control or bidi mark.
assert_jsonl() {
	local f=$1 dir p n
	[ -s "$f" ] || fail "$f is empty"
	[ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ] ||
		fail "$f does not end with LF"
	iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || fail "$f is not UTF-8"
	if LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$f" >"$BATS_TEST_TMPDIR/raw" 2>&1; then
		fail "$f holds raw control characters: $(head -c 300 "$BATS_TEST_TMPDIR/raw")"
	fi
	dir=$(split_lines "$f")
	for p in "$dir"/*; do
		n=$(jq -s length "$p" 2>&1) || n="not JSON: $n"
		[ "$n" = 1 ] ||
			fail "not one JSON value on a line of $f ($n): $(head -c 300 "$p")"
	done
}

# jsonl_messages FILE DIR [ID]: the message lines of FILE (those with a
# "type"; with ID, only those with "id":ID) decoded with jq into DIR as
# NNN.text or NNN.binary (binary data through base64 -d).  Each must have
# exactly the keys type and data (and id, first, with ID).
jsonl_messages() {
	local f=$1 out=$2 id=${3-} dir p i=0 type head keys want
	mkdir -p "$out"
	dir=$(split_lines "$f")
	if [ -n "$id" ]; then
		head="^\\{\"id\":$id,\"type\":\"(text|binary)\",\"data\":\""
		want='["data","id","type"]'
	else
		head='^\{"type":"(text|binary)","data":"'
		want='["data","type"]'
	fi
	for p in "$dir"/*; do
		type=$(jq -r --arg id "$id" 'if has("type") and
			($id == "" or .id == ($id | tonumber)) then .type
			else "-" end' "$p") || fail "not JSON: $(head -c 300 "$p")"
		[ "$type" != - ] || continue
		head -c 80 "$p" | grep -qE "$head" ||
			fail "message line not of the form $head: $(head -c 300 "$p")"
		keys=$(jq -c keys "$p")
		[ "$keys" = "$want" ] || fail "keys $keys, want $want"
		case $type in
		text) jq -j .data "$p" >"$out/$(printf %03d $i).text" ;;
		binary)
			jq -r .data "$p" | base64 -d >"$out/$(printf %03d $i).binary" ||
				fail "not base64: $(head -c 300 "$p")"
			;;
		*) fail "type $type: $(head -c 300 "$p")" ;;
		esac
		i=$((i + 1))
	done
}

# has_at_least FILE REGEX N: FILE has N lines matching the extended REGEX.
has_at_least() {
	[ "$(grep -cE -- "$2" "$1")" -ge "$3" ]
}

# line_no FILE REGEX: the number of the first line of FILE that matches
# the extended REGEX (fails if none does).
line_no() {
	local n
	n=$(grep -nE -m 1 -- "$2" "$1" | cut -d: -f1)
	[ -n "$n" ] || fail "no line /$2/ in $1:
$(head -c 2000 "$1")"
	echo "$n"
}

# to_server FILE: FILE on wsserve's stdin, bounded in time.
to_server() {
	timeout 30 cat "$1" >&4 || fail "writing $1 to wsserve's stdin failed"
}

# ==== 1. round trips ========================================================

@test "wscat -0 sends NUL-ended records as text messages and ends each message it writes with a NUL" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/send" text 'two\nlines'
	msg "$t/send" text 'crlf\r\n'
	msg "$t/send" text ''
	msg "$t/send" text 'ünï ✓\ttab'
	msg "$t/send" text 'ends in CR\r'
	msg_gen "$t/send" text text-10m
	records "$t/send" '\0' >"$t/in"
	msg "$t/recv" text 'a\nb'
	msg "$t/recv" text '\r\n'
	msg "$t/recv" text ''
	msg "$t/recv" text 'x\ry'
	msg_gen "$t/recv" text text-10m
	records "$t/recv" '\0' >"$t/want"
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --count 6 --send "$t/recv"
		run_wscat --timeout 60 --out "$t/out_$k" 0 -0 -w -1 "$PEER_URL" <"$t/in"
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/send" "$t/got_$k"
		cmp "$t/want" "$t/out_$k"
	done
}

@test "wscat -0 -b sends NUL-ended records as binary messages, every other byte value in them" {
	local t=$BATS_TEST_TMPDIR k
	msg_gen "$t/send" binary bytes-but-nul
	msg "$t/send" binary '\n'
	msg "$t/send" binary '\r\n'
	msg "$t/send" binary ''
	msg "$t/send" binary '\377\376'
	records "$t/send" '\0' >"$t/in"
	msg_gen "$t/recv" binary bytes
	msg "$t/recv" binary ''
	records "$t/recv" '\0' >"$t/want"
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --count 5 --send "$t/recv"
		run_wscat --out "$t/out_$k" 0 -0 -b -w -1 "$PEER_URL" <"$t/in"
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/send" "$t/got_$k"
		cmp "$t/want" "$t/out_$k"
	done
}

@test "wscat -b sends each LF-ended line as a binary message, NUL and CR inside it included" {
	local t=$BATS_TEST_TMPDIR k
	msg_gen "$t/send" binary bytes-but-lf
	msg "$t/send" binary '\0'
	msg "$t/send" binary 'a\rb'
	msg "$t/send" binary ''
	msg "$t/send" binary 'caf\351'
	records "$t/send" '\n' >"$t/in"
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --count 5
		run_wscat 0 -b -w -1 "$PEER_URL" <"$t/in"
		assert_equal "$stderr" ''
		assert_output ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/send" "$t/got_$k"
	done
}

@test "wscat --whole sends all of stdin as one text message and writes received messages with nothing between them" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/send" text 'line one\nline two\r\n\0after a NUL\n'
	cp "$t/send/000.text" "$t/in"
	msg "$t/recv" text 'ab'
	msg "$t/recv" text ''
	msg "$t/recv" text 'c\n'
	msg "$t/recv" binary '\0\377'
	msg "$t/recv" text 'd\r\n'
	records "$t/recv" >"$t/want"
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --count 1 --send "$t/recv"
		run_wscat --out "$t/out_$k" 0 --whole -w -1 "$PEER_URL" <"$t/in"
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/send" "$t/got_$k"
		cmp "$t/want" "$t/out_$k"
	done
}

@test "wscat -b --whole --count 1 round-trips a 10 MiB binary file exactly through an echo peer" {
	local t=$BATS_TEST_TMPDIR k
	{
		gen bytes /dev/stdout
		gen binary-10m /dev/stdout
		gen bytes /dev/stdout
	} >"$t/in"
	for k in py node; do
		use_peer $k
		fserver "srv_$k" --echo
		run_wscat --timeout 60 --out "$t/out_$k" 0 -b --whole --count 1 \
			"$PEER_URL" <"$t/in"
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		[ "$(sha256sum <"$t/out_$k")" = "$(sha256sum <"$t/in")" ] ||
			fail "the echoed file differs from the one sent"
	done
}

@test "wscat --jsonl sends the message each line describes and writes each message as a JSON line that decodes to its exact bytes" {
	local t=$BATS_TEST_TMPDIR k
	# What wscat sends, from JSON lines.
	msg "$t/send" text 'two\nlines'
	msg "$t/send" text 'crlf\r\n'
	msg "$t/send" text 'nul\0inside'
	msg "$t/send" text ''
	msg_gen "$t/send" text controls
	msg_gen "$t/send" text hidden
	msg_gen "$t/send" binary bytes
	msg "$t/send" binary ''
	msg_gen "$t/send" text text-10m
	msg_gen "$t/send" binary binary-10m
	jsonl_input "$t/send" >"$t/in"
	# What it gets and writes as JSON lines.
	msg "$t/recv" text 'a\nb\r\n'
	msg "$t/recv" text '\0'
	msg "$t/recv" text ''
	msg_gen "$t/recv" text controls
	msg_gen "$t/recv" text hidden
	msg_gen "$t/recv" binary bytes
	msg "$t/recv" binary ''
	msg "$t/recv" binary '\377'
	msg "$t/recv" binary '\1\2'
	msg "$t/recv" binary '\1\2\3'
	msg_gen "$t/recv" text text-10m
	msg_gen "$t/recv" binary binary-10m
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --count 10 --send "$t/recv"
		run_wscat --timeout 60 --out "$t/out_$k" 0 --jsonl -w -1 \
			"$PEER_URL" <"$t/in"
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/send" "$t/got_$k"
		assert_jsonl "$t/out_$k"
		assert_equal "$(wc -l <"$t/out_$k")" 12
		jsonl_messages "$t/out_$k" "$t/dec_$k"
		assert_same_messages "$t/recv" "$t/dec_$k"
	done
}

@test "wsserve -0 writes each client message with a NUL after it and sends NUL-ended stdin records as text" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/from" text 'two\nlines'
	msg "$t/from" text 'crlf\r\n'
	msg "$t/from" text ''
	msg "$t/from" binary '\0\1\n\377'
	msg_gen "$t/from" text text-10m
	records "$t/from" '\0' >"$t/want"
	msg "$t/to" text 'a\nb'
	msg "$t/to" text '\r\n'
	msg "$t/to" text ''
	msg "$t/to" text 'ends in CR\r'
	msg_gen "$t/to" text text-10m
	records "$t/to" '\0' >"$t/in"
	for k in py node; do
		use_peer $k
		start_wsserve -0
		mkdir "$t/got_$k"
		fclient "cli_$k" "$URL" --send "$t/from" --recv "$t/got_$k" --count 5
		wait_until 30 cmp -s "$t/want" "$SERVER_OUT" || cmp "$t/want" "$SERVER_OUT"
		to_server "$t/in"
		peer_ended "cli_$k" 'close 1000 '
		assert_same_messages "$t/to" "$t/got_$k"
		stop_wsserve
		assert_equal "$SERVER_STATUS" 0
	done
}

@test "wsserve -0 -b sends NUL-ended stdin records as binary messages, every other byte value in them" {
	local t=$BATS_TEST_TMPDIR k
	msg_gen "$t/to" binary bytes-but-nul
	msg "$t/to" binary '\n'
	msg "$t/to" binary ''
	msg "$t/to" binary '\r\n'
	records "$t/to" '\0' >"$t/in"
	for k in py node; do
		use_peer $k
		start_wsserve -0 -b
		mkdir "$t/got_$k"
		fclient "cli_$k" "$URL" --recv "$t/got_$k" --count 4
		wait_for_text "$SERVER_ERR" ' connected'
		to_server "$t/in"
		peer_ended "cli_$k" 'close 1000 '
		assert_same_messages "$t/to" "$t/got_$k"
		stop_wsserve
	done
}

@test "wsserve -b --whole sends all of stdin as one binary message and writes client messages with nothing between them" {
	local t=$BATS_TEST_TMPDIR k
	msg_gen "$t/from" binary bytes
	msg "$t/from" text ''
	msg "$t/from" text 'text\r\n'
	msg "$t/from" binary ''
	msg_gen "$t/from" binary binary-10m
	records "$t/from" >"$t/want"
	msg_gen "$t/to" binary binary-10m
	for k in py node; do
		use_peer $k
		start_wsserve -b --whole
		mkdir "$t/got_$k"
		fclient "cli_$k" "$URL" --send "$t/from" --recv "$t/got_$k" --count 1
		wait_until 30 cmp -s "$t/want" "$SERVER_OUT" || cmp "$t/want" "$SERVER_OUT"
		to_server "$t/to/000.binary"
		server_eof
		peer_ended "cli_$k" 'close 1000 '
		assert_same_messages "$t/to" "$t/got_$k"
		stop_wsserve
	done
}

@test "wsserve --jsonl writes each client message as a JSON line with its id that decodes to its exact bytes, and sends what each stdin line describes" {
	local t=$BATS_TEST_TMPDIR k f n
	msg "$t/from" text 'two\nlines\r\n'
	msg "$t/from" text 'nul\0inside'
	msg "$t/from" text ''
	msg_gen "$t/from" text controls
	msg_gen "$t/from" text hidden
	msg_gen "$t/from" binary bytes
	msg "$t/from" binary ''
	msg "$t/from" binary '\1\2'
	msg_gen "$t/from" text text-10m
	msg_gen "$t/from" binary binary-10m
	msg "$t/to" text 'a\nb'
	msg "$t/to" text '\0'
	msg "$t/to" text ''
	msg_gen "$t/to" text controls
	msg_gen "$t/to" text hidden
	msg_gen "$t/to" binary bytes
	msg "$t/to" binary ''
	msg_gen "$t/to" text text-10m
	msg_gen "$t/to" binary binary-10m
	jsonl_input "$t/to" >"$t/in"
	jsonl_input "$t/to" '{"to":1}' >"$t/in_to"
	for k in py node; do
		use_peer $k
		start_wsserve --jsonl
		mkdir "$t/got_$k"
		# Every message twice: to everyone, then to client 1.
		fclient "cli_$k" "$URL" --send "$t/from" --recv "$t/got_$k" --count 18
		wait_until 30 has_at_least "$SERVER_OUT" '^\{"id":1,"type"' 10
		to_server "$t/in"
		to_server "$t/in_to"
		peer_ended "cli_$k" 'close 1000 '
		wait_for_text "$SERVER_OUT" '{"id":1,"event":"close","code":1000,"reason":""}' 10
		assert_equal "$(grep -c . "$SERVER_ERR")" 1 # the ready line
		assert_jsonl "$SERVER_OUT"
		jsonl_messages "$SERVER_OUT" "$t/dec_$k" 1
		assert_same_messages "$t/from" "$t/dec_$k"
		mkdir "$t/twice_$k"
		cp "$t/to"/* "$t/twice_$k"
		for f in "$t/to"/*; do
			n=${f##*/}
			cp "$f" "$t/twice_$k/$(printf %03d $((10#${n%%.*} + 9))).${n#*.}"
		done
		assert_same_messages "$t/twice_$k" "$t/got_$k"
		stop_wsserve
		assert_equal "$SERVER_STATUS" 0
	done
}

@test "wsserve --ids writes each client message as ID TAB payload and sends ID TAB text lines to that client" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/from" text 'hello'
	msg "$t/from" text ''
	msg "$t/from" text 'tab\tinside, CR\r inside'
	msg "$t/from" binary '\0\377\t'
	id_records 1 "$t/from" >"$t/want"
	# A CR would be taken for part of the line end: it is written \r.
	sed -i 's/\r/\\r/' "$t/want"
	msg "$t/to" text 'to you'
	msg "$t/to" text ''
	msg "$t/to" text 'tab\tinside'
	msg "$t/to" text 'ünï ✓'
	id_records 1 "$t/to" >"$t/in"
	printf '*\tto all\n' >>"$t/in"
	msg "$t/to" text 'to all'
	for k in py node; do
		use_peer $k
		start_wsserve --ids
		mkdir "$t/got_$k"
		fclient "cli_$k" "$URL" --send "$t/from" --recv "$t/got_$k" --count 5
		wait_until 10 cmp -s "$t/want" "$SERVER_OUT" || cmp "$t/want" "$SERVER_OUT"
		to_server "$t/in"
		peer_ended "cli_$k" 'close 1000 '
		assert_same_messages "$t/to" "$t/got_$k"
		stop_wsserve
		assert_equal "$SERVER_STATUS" 0
	done
}

@test "wsserve --ids escapes what would end a record, so no client can forge another's line, and takes the escapes back" {
	local t=$BATS_TEST_TMPDIR
	use_peer py
	msg "$t/from" text 'hi\n2\tI am client 2'
	msg "$t/from" text 'back\\slash'
	msg "$t/from" binary 'a\0b\nc'
	start_wsserve --ids
	mkdir "$t/got"
	fclient cli "$URL" --send "$t/from" --recv "$t/got" --count 1
	wait_until 10 test "$(wc -l <"$SERVER_OUT")" -ge 3
	assert_equal "$(wc -l <"$SERVER_OUT")" 3
	run sed -n 1,2p "$SERVER_OUT"
	assert_line --index 0 $'1\thi\\n2\tI am client 2'
	assert_line --index 1 $'1\tback\\\\slash'
	# Binary bytes pass as they are, but for the separator and '\'.
	assert_equal "$(sed -n 3p "$SERVER_OUT" | od -An -c | tr -s ' ')" \
		' 1 \t a \0 b \ n c \n'
	printf '1\tbad \\q\n1\tline\\none\\\\two\n' >"$t/in"
	to_server "$t/in"
	msg "$t/want" text 'line\none\\two'
	peer_ended cli 'close 1000 '
	assert_same_messages "$t/want" "$t/got"
	wait_for_text "$SERVER_ERR" 'line 1: a backslash not before'
}

@test "wsserve --ids -0 writes ID TAB payload records ending in NUL and takes NUL-ended ID TAB text records" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/from" text 'two\nlines'
	msg "$t/from" text 'crlf\r\n'
	msg "$t/from" text ''
	id_records 1 "$t/from" '\0' >"$t/want"
	msg "$t/to" text 'a\nb'
	msg "$t/to" text '\r\n'
	msg "$t/to" text ''
	id_records 1 "$t/to" '\0' >"$t/in"
	for k in py node; do
		use_peer $k
		start_wsserve --ids -0
		mkdir "$t/got_$k"
		fclient "cli_$k" "$URL" --send "$t/from" --recv "$t/got_$k" --count 3
		wait_until 10 cmp -s "$t/want" "$SERVER_OUT" || cmp "$t/want" "$SERVER_OUT"
		to_server "$t/in"
		peer_ended "cli_$k" 'close 1000 '
		assert_same_messages "$t/to" "$t/got_$k"
		stop_wsserve
	done
}

# ==== 2. invalid UTF-8 from a peer ==========================================

@test "wsserve --jsonl closes a client that sends invalid UTF-8 in a text message with 1007 and writes only valid JSON lines" {
	local k
	for k in py node; do
		use_peer $k
		start_wsserve --jsonl
		spawn "cli_$k" 30 "${FPEER[@]}" client "$URL" --bad-utf8 </dev/null
		peer_ended "cli_$k" 'close 1007 '
		wait_for_text "$SERVER_OUT" '"event":"close"' 10
		assert_jsonl "$SERVER_OUT"
		run cat "$SERVER_OUT"
		assert_line --index 0 --regexp '^\{"id":1,"event":"open","peer":"127\.0\.0\.1:[0-9]+","path":"/","subprotocol":""\}$'
		assert_line --index 1 '{"id":1,"type":"text","data":"ok"}'
		# wsserve failed the connection: the event gives the code it
		# sent, 1007, and why.
		assert_line --index 2 '{"id":1,"event":"close","code":1007,"reason":"invalid UTF-8 in a text message"}'
		assert_equal "${#lines[@]}" 3
		stop_wsserve
	done
}

@test "wsserve --jsonl reports a client that sends invalid UTF-8 and never answers the close with the code it sent, 1007, and why" {
	start_wsserve --jsonl
	PEERS=$PEERS timeout 20 "$PY" -c '
import os, socket, sys, time
sys.path.insert(0, os.environ["PEERS"])
from wsframe import *
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
key = new_key()
s.sendall(upgrade_request(key))
head, rest = recv_head(s)
s.sendall(masked_frame(TEXT, b"caf\xe9"))
buf = bytearray(rest)
read_until_eof(s, buf, time.monotonic() + 10)
print(parse_frames(buf))
' "$PORT" >"$BATS_TEST_TMPDIR/raw.out"
	run cat "$BATS_TEST_TMPDIR/raw.out"
	assert_output "[(8, b'\\x03\\xef')]"
	wait_for_text "$SERVER_OUT" '"event":"close"' 10
	assert_jsonl "$SERVER_OUT"
	run cat "$SERVER_OUT"
	assert_line --index 1 '{"id":1,"event":"close","code":1007,"reason":"invalid UTF-8 in a text message"}'
	assert_equal "${#lines[@]}" 2
}

@test "wscat --jsonl --events closes with 1007 when a server sends invalid UTF-8 in a text message, and exits 1" {
	local t=$BATS_TEST_TMPDIR k
	for k in py node; do
		use_peer $k
		fserver "srv_$k" --bad-utf8
		run_wscat --out "$t/out_$k" 1 --jsonl --events -w -1 "$PEER_URL" </dev/null
		assert_stderr_is 'wscat: closed the connection: 1007 sent: invalid UTF-8 in a text message'
		peer_ended "srv_$k" 'close 1007 '
		assert_jsonl "$t/out_$k"
		run cat "$t/out_$k"
		assert_line --index 0 --regexp '^\{"event":"open","peer":"127\.0\.0\.1:[0-9]+","path":"/","subprotocol":""\}$'
		assert_line --index 1 '{"type":"text","data":"ok"}'
		assert_line --index 2 '{"event":"close","code":1007,"reason":"invalid UTF-8 in a text message"}'
		assert_equal "${#lines[@]}" 3
	done
}

# ==== 3. ids and unicast ===================================================

@test "wsserve --jsonl numbers clients in order of arrival, sends each line only to the clients it names, and closes one with its code" {
	local t=$BATS_TEST_TMPDIR i id n open mine close
	FPEER=("${FPEER_PY[@]}")
	start_wsserve --jsonl
	for i in 1 2 4; do
		msg "$t/say$i" text "from client $i"
		mkdir "$t/got$i"
		fclient "cli$i" "${URL}room$i?x=$i" --send "$t/say$i" \
			--recv "$t/got$i" --until-close
		wait_for_text "$SERVER_OUT" "{\"id\":$i,\"type\":\"text\",\"data\":\"from client $i\"}"
		# A request that is not upgraded takes an id too (3).
		[ "$i" != 2 ] || curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$PORT/"
	done
	server_send '{"to":1,"data":"to one"}' \
		'{"to":[2,4],"data":"to two and four"}' \
		'"to all"' \
		'{"type":"binary","data":"AAEC","to":[4]}' \
		'{"data":"to all again"}' \
		'{"close":2,"code":4000,"reason":"bye"}'
	peer_ended cli2 'close 4000 bye'
	server_send '{"to":2,"data":"too late"}'
	wait_for_text "$SERVER_OUT" '{"id":2,"event":"error","error":"no such client","line":7}'
	server_send '{"close":[1,4],"code":4001,"reason":"done"}'
	peer_ended cli1 'close 4001 done'
	peer_ended cli4 'close 4001 done'
	msg "$t/want1" text 'to one'
	msg "$t/want1" text 'to all'
	msg "$t/want1" text 'to all again'
	msg "$t/want2" text 'to two and four'
	msg "$t/want2" text 'to all'
	msg "$t/want2" text 'to all again'
	msg "$t/want4" text 'to two and four'
	msg "$t/want4" text 'to all'
	msg "$t/want4" binary '\0\1\2'
	msg "$t/want4" text 'to all again'
	for i in 1 2 4; do
		assert_same_messages "$t/want$i" "$t/got$i"
	done
	wait_until 10 has_at_least "$SERVER_OUT" '"event":"close"' 3
	assert_jsonl "$SERVER_OUT"
	run grep -c . "$SERVER_OUT"
	assert_output 10
	# Each client's open, its message, its close, in that order.
	for i in 1 2 4; do
		open=$(line_no "$SERVER_OUT" "^\\{\"id\":$i,\"event\":\"open\",\"peer\":\"127\\.0\\.0\\.1:[0-9]+\",\"path\":\"/room$i\\?x=$i\",\"subprotocol\":\"\"\\}$")
		mine=$(line_no "$SERVER_OUT" "^\\{\"id\":$i,\"type\":\"text\"")
		close=$(line_no "$SERVER_OUT" "^\\{\"id\":$i,\"event\":\"close\"")
		[ "$open" -lt "$mine" ] && [ "$mine" -lt "$close" ] ||
			fail "client $i: open on line $open, message on $mine, close on $close"
	done
	grep -qxF '{"id":2,"event":"close","code":4000,"reason":"bye"}' "$SERVER_OUT"
	grep -qxF '{"id":1,"event":"close","code":4001,"reason":"done"}' "$SERVER_OUT"
	run ! grep -q '"id":3' "$SERVER_OUT"
	run grep -c '^wsserve: line' "$SERVER_ERR"
	assert_output 1
	grep -qxF 'wsserve: line 7: no client 2, not sent' "$SERVER_ERR"
}

@test "wsserve --ids sends ID TAB and * TAB lines to the clients they name, logs events on stderr, and input for a gone id is not a failure" {
	local t=$BATS_TEST_TMPDIR i path=(- a b c)
	FPEER=("${FPEER_PY[@]}")
	start_wsserve --ids
	for i in 1 2 3; do
		msg "$t/say$i" text "from client $i"
		mkdir "$t/got$i"
	done
	fclient cli1 "${URL}a" --send "$t/say1" --recv "$t/got1" --count 3
	wait_for_text "$SERVER_OUT" $'1\tfrom client 1'
	fclient cli2 "${URL}b" --send "$t/say2" --recv "$t/got2" --count 1
	wait_for_text "$SERVER_OUT" $'2\tfrom client 2'
	fclient cli3 "${URL}c" --send "$t/say3" --recv "$t/got3" --count 2
	wait_for_text "$SERVER_OUT" $'3\tfrom client 3'
	server_send $'1\tto one' $'*\tto all' $'3\tto three' $'7\tto nobody' \
		$'1\tto one again'
	for i in 1 2 3; do
		peer_ended "cli$i" 'close 1000 '
	done
	msg "$t/want1" text 'to one'
	msg "$t/want1" text 'to all'
	msg "$t/want1" text 'to one again'
	msg "$t/want2" text 'to all'
	msg "$t/want3" text 'to all'
	msg "$t/want3" text 'to three'
	for i in 1 2 3; do
		assert_same_messages "$t/want$i" "$t/got$i"
	done
	run cat "$SERVER_OUT"
	assert_output $'1\tfrom client 1\n2\tfrom client 2\n3\tfrom client 3'
	wait_until 10 has_at_least "$SERVER_ERR" ':close' 3
	for i in 1 2 3; do
		grep -qE "^wsserve: $i:open	127\\.0\\.0\\.1:[0-9]+	/${path[i]}\$" "$SERVER_ERR" ||
			fail "no open event for $i in: $(cat "$SERVER_ERR")"
		grep -qxF "wsserve: $i:close	1000	" "$SERVER_ERR"
	done
	grep -qxF 'wsserve: line 4: no client 7, not sent' "$SERVER_ERR"
	stop_wsserve INT
	assert_equal "$SERVER_STATUS" 0
}

@test "wsserve --ids --events writes open and close events on stdout, counts every accepted connection for ids and never reuses one" {
	start_wsserve --ids --events
	run_wscat 0 -x hi -w 0 "${URL}first"
	run -0 curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	assert_output 200
	run_wscat 0 -x there -w 0 "${URL}second"
	run_wscat 0 -x again -w 0 "${URL}third"
	wait_until 10 has_at_least "$SERVER_OUT" ':close' 3
	run cat "$SERVER_OUT"
	assert_line --index 0 --regexp '^1:open	127\.0\.0\.1:[0-9]+	/first$'
	assert_line --index 1 $'1\thi'
	assert_line --index 2 $'1:close\t1000\t'
	assert_line --index 3 --regexp '^3:open	127\.0\.0\.1:[0-9]+	/second$'
	assert_line --index 4 $'3\tthere'
	assert_line --index 5 $'3:close\t1000\t'
	assert_line --index 6 --regexp '^4:open	127\.0\.0\.1:[0-9]+	/third$'
	assert_line --index 7 $'4\tagain'
	assert_line --index 8 $'4:close\t1000\t'
	assert_equal "${#lines[@]}" 9
	run ! grep -q ':open\|:close' "$SERVER_ERR"
}

# ==== 4. a slow client ======================================================

@test "wsserve --ids delivers the lines to a fast client that come before a slow client's queue fills, and the rest once the slow one is closed" {
	local t=$BATS_TEST_TMPDIR i big
	FPEER=("${FPEER_PY[@]}")
	start_wsserve --ids --slow-client-timeout 6
	spawn slow 60 "${FPEER_PY[@]}" slow "${URL}slow" </dev/null
	wait_for_line "$t/slow.out" open 10
	wait_for_text "$SERVER_ERR" '1:open'
	mkdir "$t/got"
	fclient fast "${URL}fast" --recv "$t/got" --count 17
	wait_for_text "$SERVER_ERR" '2:open'
	big=$(head -c 65535 /dev/zero | tr '\0' x)
	{
		# 16 lines to the fast one, each after 64 KiB more to the slow
		# one: 1 MiB in all, so its queue is not yet over the mark.
		for i in $(seq 16); do
			printf '2\tbefore %d\n1\t%s\n' "$i" "$big"
		done
		# Then 10 MiB more to the slow one, which it never reads.
		for i in $(seq 160); do
			printf '1\t%s\n' "$big"
		done
		printf '2\tafter\n'
	} >"$t/in"
	timeout 60 cat "$t/in" >&4 &
	# Delivered while the slow client is still there (it lasts 6 s)...
	wait_until 3 test -f "$t/got/015.text"
	for i in $(seq 16); do
		assert_equal "$(cat "$t/got/$(printf %03d $((i - 1))).text")" "before $i"
	done
	# ... while the line after the slow client's lines waits: stdin
	# pauses while a client just sent a line is over its mark.
	[ ! -e "$t/got/016.text" ] || fail "'after' came before the slow client was closed"
	peer_ended fast 'close 1000 '
	assert_equal "$(cat "$t/got/016.text")" after
	grep -qE '^wsserve: 127\.0\.0\.1:[0-9]+: slow client: over 1024 KiB queued for 6 s, closing \(1008\)$' "$SERVER_ERR" ||
		fail "no slow client line in: $(cat "$SERVER_ERR")"
}

@test "wsserve --ids keeps sending lines to a fast client while a slow client nobody addresses is over its queue mark" {
	local t=$BATS_TEST_TMPDIR i line
	FPEER=("${FPEER_PY[@]}")
	# --echo fills the slow client's queue without any stdin line.
	start_wsserve --ids --echo
	spawn slow 60 "${FPEER_PY[@]}" flood "${URL}slow" 30 </dev/null
	# It has sent MiBs more than the server takes: the server stopped
	# reading it, its queue of echoes over the mark.
	wait_until 30 grep -q '^blocked ' "$t/slow.out"
	mkdir "$t/got"
	fclient fast "${URL}fast" --recv "$t/got" --count 64
	line=$(head -c 65000 /dev/zero | tr '\0' y)
	for i in $(seq 64); do
		printf '2\t%d %s\n' "$i" "$line"
	done >"$t/in"
	timeout 20 cat "$t/in" >&4
	peer_ended fast 'close 1000 '
	for i in 1 32 64; do
		assert_equal "$(cat "$t/got/$(printf %03d $((i - 1))).text")" "$i $line"
	done
	assert_equal "$(find "$t/got" -type f | wc -l)" 64
	# The slow one is still there: nothing closed it.
	run ! grep -q '1:close' "$SERVER_ERR"
	run ! grep -q 'slow client' "$SERVER_ERR"
}

# ==== 5. malformed input ===================================================

@test "wscat --jsonl reports each malformed line with its number, skips it, sends the rest and exits 1" {
	local t=$BATS_TEST_TMPDIR reason
	FPEER=("${FPEER_PY[@]}")
	reason=$(head -c 124 /dev/zero | tr '\0' r)
	{
		echo '"one"'
		echo 'not json'
		echo '{"data":1}'
		echo '{"type":"binary","data":"!!!!"}'
		echo '{"type":"binary","data":"QUJD"}'
		echo '{"data":"x","extra":1}'
		echo '{"to":1,"data":"x"}'
		echo '{"type":"binary","data":"QUI"}'
		echo '{"type":"blob","data":"x"}'
		echo '[1,2]'
		echo '{"close":1004}'
		echo "{\"close\":1000,\"reason\":\"$reason\"}"
		echo '{"close":1000,"code":1000}'
		echo '"two"'
	} >"$t/in"
	mkdir "$t/got"
	fserver srv --recv "$t/got" --until-close
	run_wscat 1 --jsonl "$PEER_URL" <"$t/in"
	peer_ended srv 'close 1000 '
	msg "$t/want" text one
	msg "$t/want" binary ABC
	msg "$t/want" text two
	assert_same_messages "$t/want" "$t/got"
	assert_equal "${#stderr_lines[@]}" 11
	[[ ${stderr_lines[0]} =~ ^wscat:\ line\ 2:\ not\ JSON:\ .*,\ skipped$ ]] ||
		fail "line 2: ${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" 'wscat: line 3: "data": expected a string, skipped'
	assert_equal "${stderr_lines[2]}" 'wscat: line 4: "data": not base64 (RFC 4648, padded), skipped'
	assert_equal "${stderr_lines[3]}" 'wscat: line 6: unexpected key "extra", skipped'
	assert_equal "${stderr_lines[4]}" 'wscat: line 7: unexpected key "to", skipped'
	assert_equal "${stderr_lines[5]}" 'wscat: line 8: "data": not base64 (RFC 4648, padded), skipped'
	assert_equal "${stderr_lines[6]}" 'wscat: line 9: "type": expected "text" or "binary", skipped'
	assert_equal "${stderr_lines[7]}" 'wscat: line 10: expected a string or an object, skipped'
	assert_equal "${stderr_lines[8]}" 'wscat: line 11: close code: expected 1000-1003, 1007-1014 or 3000-4999, skipped'
	assert_equal "${stderr_lines[9]}" 'wscat: line 12: "reason": expected a string of at most 123 bytes, without NUL, skipped'
	assert_equal "${stderr_lines[10]}" 'wscat: line 13: "code": give the code as "close", skipped'
}

@test "wscat --jsonl closes with the code and reason of a close line and reports the lines read after it as not sent" {
	local t=$BATS_TEST_TMPDIR k
	printf '%s\n' '"a"' '{"close":4001,"reason":"done here"}' '"b"' \
		'{"close":1000}' >"$t/in"
	msg "$t/want" text a
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --until-close
		# The close ends the input: what came in the same read is said,
		# and is no failure (a later read would never have been made).
		run_wscat 0 --jsonl -w -1 "$PEER_URL" <"$t/in"
		assert_output ''
		peer_ended "srv_$k" 'close 4001 done here'
		assert_same_messages "$t/want" "$t/got_$k"
		assert_equal "$stderr" $'wscat: line 3: after a close, not sent\nwscat: line 4: after a close, not sent'
	done
}

@test "wscat --jsonl stops reading at a close line: a line that comes later is not read, and the close is clean" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	mkdir "$t/got"
	fserver srv --recv "$t/got" --until-close
	run_wscat 0 --jsonl -w -1 "$PEER_URL" < <(
		echo '{"close":1000}'
		sleep 1
		echo '"late"'
	)
	peer_ended srv 'close 1000 '
	assert_equal "$(find "$t/got" -type f | wc -l)" 0
	assert_equal "$stderr" ''
}

@test "wsserve --jsonl -E reports malformed lines on stderr and as error events, sends the rest, and exits 1" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	start_wsserve --jsonl -E
	mkdir "$t/got"
	fclient cli "$URL" --recv "$t/got" --until-close
	wait_for_text "$SERVER_OUT" '"event":"open"'
	server_send '"one"' '{bad' '{"to":0,"data":"x"}' '{"to":[],"data":"x"}' \
		'{"close":"1"}' '{"close":1,"code":999}' '{"data":"x","code":1000}' \
		'{"to":[1,"2"],"data":"x"}' '"two"'
	server_eof
	peer_ended cli 'close 1000 '
	wait_until 10 has_exited "$SERVER_PID"
	reap_wsserve
	assert_equal "$SERVER_STATUS" 1
	msg "$t/want" text one
	msg "$t/want" text two
	assert_same_messages "$t/want" "$t/got"
	assert_jsonl "$SERVER_OUT"
	run grep '"event":"error"' "$SERVER_OUT"
	assert_line --index 0 --regexp '^\{"event":"error","error":"not JSON: [^"]*","line":2\}$'
	assert_line --index 1 '{"event":"error","error":"\"to\": expected a client id or an array of them","line":3}'
	assert_line --index 2 '{"event":"error","error":"\"to\": expected a client id or an array of them","line":4}'
	assert_line --index 3 '{"event":"error","error":"\"close\": expected a client id or an array of them","line":5}'
	assert_line --index 4 '{"event":"error","error":"close code: expected 1000-1003, 1007-1014 or 3000-4999","line":6}'
	assert_line --index 5 '{"event":"error","error":"unexpected key \"code\"","line":7}'
	assert_line --index 6 '{"event":"error","error":"\"to\": expected a client id or an array of them","line":8}'
	assert_equal "${#lines[@]}" 7
	run grep '^wsserve: line' "$SERVER_ERR"
	assert_line --index 0 --regexp '^wsserve: line 2: not JSON: .*, skipped$'
	assert_line --index 1 'wsserve: line 3: "to": expected a client id or an array of them, skipped'
	assert_line --index 6 'wsserve: line 8: "to": expected a client id or an array of them, skipped'
	assert_equal "${#lines[@]}" 7
}

@test "wsserve --ids reports a line without ID TAB, skips it, sends the rest, and exits 1 when stopped by SIGINT" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	start_wsserve --ids
	mkdir "$t/got"
	fclient cli "$URL" --recv "$t/got" --count 2
	wait_for_text "$SERVER_ERR" '1:open'
	server_send $'1\tone' 'no tab here' $'x\tnot an id' $'0\tzero' $'+1\tplus' \
		$'*\ttwo'
	peer_ended cli 'close 1000 '
	msg "$t/want" text one
	msg "$t/want" text two
	assert_same_messages "$t/want" "$t/got"
	stop_wsserve INT
	assert_equal "$SERVER_STATUS" 1
	run grep '^wsserve: line' "$SERVER_ERR"
	assert_output 'wsserve: line 2: expected ID<TAB>text or *<TAB>text, skipped
wsserve: line 3: expected ID<TAB>text or *<TAB>text, skipped
wsserve: line 4: expected ID<TAB>text or *<TAB>text, skipped
wsserve: line 5: expected ID<TAB>text or *<TAB>text, skipped'
}

# ==== 6. wscat's events =====================================================

@test "wscat --jsonl --events against wsserve --echo writes the open event first, the messages, and the close event last" {
	start_wsserve --echo --subprotocol chat
	run_wscat 0 --jsonl --events -s chat --count 3 "${URL}echo?q=1" < <(
		printf '%s\n' '"hello"' '{"type":"binary","data":"AP8="}' '""'
	)
	assert_equal "$stderr" ''
	assert_line --index 0 "{\"event\":\"open\",\"peer\":\"127.0.0.1:$PORT\",\"path\":\"/echo?q=1\",\"subprotocol\":\"chat\"}"
	assert_line --index 1 '{"type":"text","data":"hello"}'
	assert_line --index 2 '{"type":"binary","data":"AP8="}'
	assert_line --index 3 '{"type":"text","data":""}'
	assert_line --index 4 '{"event":"close","code":1000,"reason":""}'
	assert_equal "${#lines[@]}" 5
}

@test "wscat --jsonl --events ends with a close event that has the code and reason of its own close line" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/want" text x
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --until-close
		run_wscat --out "$t/out_$k" 0 --jsonl --events -w -1 "$PEER_URL" < <(
			printf '%s\n' '"x"' '{"close":4000,"reason":"all done"}'
		)
		peer_ended "srv_$k" 'close 4000 all done'
		assert_same_messages "$t/want" "$t/got_$k"
		assert_jsonl "$t/out_$k"
		run cat "$t/out_$k"
		assert_line --index 0 --regexp "^\\{\"event\":\"open\",\"peer\":\"127\\.0\\.0\\.1:$PEER_PORT\",\"path\":\"/\",\"subprotocol\":\"\"\\}$"
		assert_line --index 1 '{"event":"close","code":4000,"reason":"all done"}'
		assert_equal "${#lines[@]}" 2
	done
}

# ==== 7. usage errors =======================================================

# usage_error TOOL 'ARGS' [OPTION...]: TOOL with ARGS (split on blanks)
# exits 2 with one stderr line that names each OPTION (by default each of
# ARGS), wsserve before it listens.
usage_error() {
	local tool=$1 args o
	read -r -a args <<<"$2"
	shift 2
	[ $# -gt 0 ] || set -- "${args[@]}"
	if [ "$tool" = wsserve ]; then
		run_wsserve 2 -p 0 "${args[@]}" </dev/null
	else
		run_wscat 2 "${args[@]}" ws://127.0.0.1:1/ </dev/null
	fi
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	[[ ${stderr_lines[0]} == "$tool: "* ]] || fail "stderr: $stderr"
	for o; do
		[[ " ${stderr_lines[0]} " == *[\ ,]"$o"[\ ,:]* ]] ||
			fail "the usage error for ${args[*]} does not name $o: $stderr"
	done
}

@test "wsserve exits 2 naming the options when framings do not go together" {
	usage_error wsserve '--jsonl -0'
	usage_error wsserve '--jsonl -b'
	usage_error wsserve '--jsonl --whole'
	usage_error wsserve '--jsonl --ids'
	usage_error wsserve '-0 --whole'
	usage_error wsserve '--ids --whole'
	usage_error wsserve '--events' --events --jsonl
	usage_error wsserve '--events -0' --events --jsonl
	usage_error wsserve '--events --no-events'
	usage_error wsserve '--jsonl --events --no-events' --events --no-events
}

@test "wscat exits 2 naming the options when framings do not go together" {
	usage_error wscat '--jsonl -0'
	usage_error wscat '--jsonl -b'
	usage_error wscat '--jsonl --whole'
	usage_error wscat '-0 --whole'
	usage_error wscat '--events' --events --jsonl
	usage_error wscat '--events -b --whole' --events --jsonl
}

@test "wscat's usage error for --events without --jsonl names no option wscat does not have" {
	run_wscat 2 --events ws://127.0.0.1:1/ </dev/null
	[[ $stderr == *--jsonl* ]] || fail "stderr: $stderr"
	[[ $stderr != *--ids* ]] || fail "wscat has no --ids, but its usage error names it: $stderr"
}

# ==== 8. --whole ===========================================================

@test "wscat -b --whole sends a binary file as one binary message of exactly its bytes" {
	local t=$BATS_TEST_TMPDIR k
	msg_gen "$t/want" binary bytes
	cat "$t/want/000.binary" "$t/want/000.binary" >"$t/file"
	rm "$t/want/000.binary"
	cp "$t/file" "$t/want/000.binary"
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --until-close
		run_wscat 0 -b --whole "$PEER_URL" <"$t/file"
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/want" "$t/got_$k"
	done
}

@test "wscat --whole with an empty stdin sends one empty text message" {
	local t=$BATS_TEST_TMPDIR k
	msg "$t/want" text ''
	for k in py node; do
		use_peer $k
		mkdir "$t/got_$k"
		fserver "srv_$k" --recv "$t/got_$k" --until-close
		run_wscat 0 --whole "$PEER_URL" </dev/null
		assert_equal "$stderr" ''
		peer_ended "srv_$k" 'close 1000 '
		assert_same_messages "$t/want" "$t/got_$k"
	done
}

@test "wscat --whole sends an input of exactly --max-message bytes and refuses one a byte longer" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	mkdir "$t/got1" "$t/got2"
	fserver srv1 --recv "$t/got1" --until-close
	run_wscat 0 --whole --max-message 10 "$PEER_URL" < <(printf 0123456789)
	peer_ended srv1 'close 1000 '
	msg "$t/want" text 0123456789
	assert_same_messages "$t/want" "$t/got1"
	fserver srv2 --recv "$t/got2" --until-close
	run_wscat 1 --whole --max-message 10 "$PEER_URL" < <(printf 0123456789a)
	assert_stderr_is 'wscat: input 1: longer than 10 bytes, not sent'
	peer_ended srv2 'close 1000 '
	assert_equal "$(find "$t/got2" -type f | wc -l)" 0
}

@test "wscat -0 refuses a last record without its NUL that is one byte longer than --max-message" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	mkdir "$t/got"
	fserver srv --recv "$t/got" --until-close
	run_wscat 1 -0 --max-message 10 "$PEER_URL" < <(printf 'abcdefghij\0abcdefghijk')
	assert_stderr_is 'wscat: record 2: longer than 10 bytes, not sent'
	peer_ended srv 'close 1000 '
	msg "$t/want" text abcdefghij
	assert_same_messages "$t/want" "$t/got"
}

# sent_or_said DIR TEXT: DIR has a message, or wsserve's stderr has TEXT.
sent_or_said() {
	[ -n "$(find "$1" -type f)" ] || grep -qF -- "$2" "$SERVER_ERR"
}

@test "wsserve --whole refuses an input one byte longer than --max-message" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	start_wsserve --whole --max-message 10
	mkdir "$t/got"
	fclient cli "$URL" --recv "$t/got" --until-close
	wait_for_text "$SERVER_ERR" ' connected'
	printf 0123456789a >&4
	server_eof
	# Until it says so, or the client gets the message after all.
	wait_until 5 sent_or_said "$t/got" 'input 1:'
	grep -qxF 'wsserve: input 1: longer than 10 bytes, not sent' "$SERVER_ERR" ||
		fail "no 'input 1: longer than 10 bytes' on stderr; the client got: $(cat "$t/got"/* 2>/dev/null)"
	stop_wsserve INT
	peer_ended cli 'close 1001 '
	assert_equal "$(find "$t/got" -type f | wc -l)" 0
	assert_equal "$SERVER_STATUS" 1
}

# ==== JSON lines of large messages ==========================================

@test "wsserve --jsonl writes a 10 MiB text message of control characters as one JSON line" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	msg_gen "$t/from" text controls-10m
	start_wsserve --jsonl
	fclient cli "$URL" --send "$t/from"
	peer_ended cli 'close 1000 '
	wait_for_text "$SERVER_OUT" '"event":"close"' 10
	run ! grep -F 'lost' "$SERVER_ERR"
	jsonl_messages "$SERVER_OUT" "$t/dec" 1
	assert_same_messages "$t/from" "$t/dec"
}

@test "wscat --jsonl writes a 10 MiB text message of control characters as one JSON line" {
	local t=$BATS_TEST_TMPDIR
	FPEER=("${FPEER_PY[@]}")
	msg_gen "$t/recv" text controls-10m
	fserver srv --send "$t/recv"
	run_wscat --timeout 60 --out "$t/out" 0 --jsonl -w -1 "$PEER_URL" </dev/null
	assert_equal "$stderr" ''
	peer_ended srv 'close 1000 '
	jsonl_messages "$t/out" "$t/dec"
	assert_same_messages "$t/recv" "$t/dec"
}
