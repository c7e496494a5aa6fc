#!/usr/bin/env bats
# Past one machine: the recipe of deploy/ run for real.  nginx (started
# per test with deploy/nginx.conf, its listen address, upstream servers and
# paths replaced) in front of two wsserve instances, each run through
# deploy/wsserve-redis, joined by a redis-server started per test on a free
# port.  A line published once reaches every client once, whatever instance
# it is on; what clients send reaches a consumer (redis-cli PSUBSCRIBE)
# once, tagged with its instance by the channel; a reply through an
# instance's own channel reaches one client; a rolling restart (SIGTERM to
# one instance) moves its clients to the other through nginx without a loss;
# /healthz answers through nginx; and wsserve --trust-proxy takes the
# client's address from a trusted proxy's headers only.
#
# Processes: redis-server, nginx (master and worker), each wsserve-redis
# and its children, the consumer and the wscat clients, all spawned or
# recorded by PID for the one teardown.  Every wait is bounded.

# shellcheck disable=SC2154 # status, output, stderr...: set by bats' run

load helpers

setup_file() {
	# nginx and redis-server live in /usr/sbin and /usr/bin.
	export PATH=$PATH:/usr/sbin:/sbin
	local tool missing=''
	for tool in nginx redis-server redis-cli curl; do
		command -v "$tool" >/dev/null || missing="$missing $tool"
	done
	[ -z "$missing" ] ||
		fail "missing:$missing: run \`apt-get install -y nginx redis-server redis-tools curl\`"
}

# The channels the instances use (wsserve-redis --in / --out).
IN=ws.in
OUT=ws.out
# How many clients the cluster tests connect.
NCLIENTS=20

# ---- Redis -------------------------------------------------------------------

# start_redis: redis-server in the foreground on a free port of 127.0.0.1,
# nothing saved.  Sets REDIS_PORT.
start_redis() {
	REDIS_PORT=$(free_port)
	spawn redis 300 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
		--save '' --appendonly no </dev/null
	REDIS_PID=$SPAWN_PID
	wait_until 10 redis_ready_or_gone
	[ "$(rcli PING 2>/dev/null)" = PONG ] || {
		echo "redis-server did not start; its output:" >&2
		cat "$BATS_TEST_TMPDIR/redis.out" "$BATS_TEST_TMPDIR/redis.err" >&2
		return 1
	}
}
redis_ready_or_gone() {
	[ "$(rcli PING 2>/dev/null)" = PONG ] || has_exited "$REDIS_PID"
}

# rcli ARGS...: one redis-cli command against the test's Redis.
rcli() { timeout 5 redis-cli -p "$REDIS_PORT" "$@"; }

# publish CHANNEL MESSAGE RECEIVERS: PUBLISH, which must reach RECEIVERS
# subscribers (instances).
publish() {
	run rcli PUBLISH "$1" "$2"
	assert_success
	[ "$output" = "$3" ] ||
		fail "PUBLISH $1 reached $output subscribers, not $3"
}

# ---- instances ---------------------------------------------------------------

declare -gA INST_PID INST_PORT INST_CHILDREN

# start_instance NAME [WSSERVE-ARGS...]: deploy/wsserve-redis for instance
# NAME (channels $IN, $IN.NAME, $OUT.NAME) around wsserve -p 0 ARGS, its
# stderr in inst_NAME.err.  Waits until wsserve listens and both
# subscriptions are made; records the script's children for teardown.
# Sets INST_PID[NAME] (the script's) and INST_PORT[NAME].
start_instance() {
	local name=$1 err=$BATS_TEST_TMPDIR/inst_$1.err pid
	shift
	spawn "inst_$name" 300 env WSSERVE="$WSSERVE" \
		"$ROOT/deploy/wsserve-redis" --port "$REDIS_PORT" \
		--instance "$name" --in "$IN" --out "$OUT" -- -p 0 "$@" </dev/null
	INST_PID[$name]=$SPAWN_PID
	wait_until 10 instance_ready_or_gone "$name"
	instance_ready "$name" || {
		echo "instance $name did not start; its stderr:" >&2
		cat "$err" >&2
		return 1
	}
	# redis-cli twice, two perls, wsserve: all started before wsserve.
	INST_CHILDREN[$name]=$(pgrep -P "$SPAWN_PID" | tr '\n' ' ')
	for pid in ${INST_CHILDREN[$name]}; do track_pid "$pid"; done
	# At teardown its children go first, so that it reaps them.
	# shellcheck disable=SC2086 # PIDs
	on_teardown kill -KILL ${INST_CHILDREN[$name]}
	[ "$(wc -w <<<"${INST_CHILDREN[$name]}")" -eq 5 ] ||
		fail "instance $name has children ${INST_CHILDREN[$name]}, want 5"
	INST_PORT[$name]=$(sed -n \
		's|^wsserve: listening on ws://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$err")
}
instance_ready() {
	local err=$BATS_TEST_TMPDIR/inst_$1.err
	grep -qs '^wsserve: listening on ws://' "$err" &&
		grep -qsxF "wsserve-redis[$1]: subscribed to $IN" "$err" &&
		grep -qsxF "wsserve-redis[$1]: subscribed to $IN.$1" "$err"
}
instance_ready_or_gone() {
	instance_ready "$1" || has_exited "${INST_PID[$1]}"
}

# ---- nginx -------------------------------------------------------------------

# start_nginx PORT...: nginx on a free port of 127.0.0.1 with
# deploy/nginx.conf (made fit by tests/peers/nginx_conf.sh): one worker,
# its upstream the wsserve instances on PORT..., its logs, pid and
# temporary files in $BATS_TEST_TMPDIR/nginx.
# Sets NGINX_PORT and NGINX_URL.
start_nginx() {
	local dir=$BATS_TEST_TMPDIR/nginx conf pid
	conf=$dir/nginx.conf
	NGINX_PORT=$(free_port)
	NGINX_URL=ws://127.0.0.1:$NGINX_PORT/
	run "$PEERS/nginx_conf.sh" "$dir" "$NGINX_PORT" "$@"
	assert_success
	run timeout 10 nginx -t -e "$dir/error.log" -p "$dir/" -c "$conf" \
		-g "pid $dir/nginx.pid;"
	assert_success
	spawn nginx 300 nginx -e "$dir/error.log" -p "$dir/" -c "$conf" \
		-g "daemon off; pid $dir/nginx.pid;" </dev/null
	NGINX_PID=$SPAWN_PID
	wait_until 10 nginx_ready_or_gone
	listening "$NGINX_PORT" || {
		echo "nginx did not listen; its error log:" >&2
		cat "$dir/error.log" "$BATS_TEST_TMPDIR/nginx.err" >&2
		return 1
	}
	# The worker, for teardown; but first the master is asked to stop, so
	# that it reaps its worker (killed first, it would be replaced; killed
	# after, it would be left to init).
	wait_until 5 test -n "$(pgrep -P "$NGINX_PID")"
	for pid in $(pgrep -P "$NGINX_PID"); do track_pid "$pid"; done
	on_teardown stop_nginx
}
stop_nginx() {
	kill -TERM "$NGINX_PID" 2>/dev/null
	wait_until 5 has_exited "$NGINX_PID"
}
listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }
nginx_ready_or_gone() { listening "$NGINX_PORT" || has_exited "$NGINX_PID"; }

# ---- the consumer ------------------------------------------------------------

# start_consumer: redis-cli PSUBSCRIBE $OUT.* (--raw: a message is four
# lines, pmessage, the pattern, the channel and the payload, which with
# --jsonl is one line), subscribed before it returns.
start_consumer() {
	spawn consumer 300 redis-cli -p "$REDIS_PORT" --raw PSUBSCRIBE "$OUT.*" \
		</dev/null
	wait_until 5 consumer_subscribed
}
consumer_subscribed() { [ "$(rcli PUBSUB NUMPAT 2>/dev/null)" = 1 ]; }

# consumed: what the consumer got, as CHANNEL<TAB>PAYLOAD lines.
consumed() {
	awk 'NR > 3 {
		k = (NR - 4) % 4
		if (k == 2) ch = $0
		else if (k == 3) print ch "\t" $0
	}' "$BATS_TEST_TMPDIR/consumer.out"
}

# count_from NAME ERE: records of instance NAME whose payload matches ERE.
# (ERE through the environment: awk -v would take its backslashes.)
count_from() {
	consumed | CH=$OUT.$1 RE=$2 awk -F'\t' \
		'$1 == ENVIRON["CH"] && $2 ~ ENVIRON["RE"] { n++ } END { print n + 0 }'
}
# count_all ERE: records of any instance whose payload matches ERE.
count_all() {
	consumed | RE=$1 awk -F'\t' '$2 ~ ENVIRON["RE"] { n++ } END { print n + 0 }'
}
count_all_is() { [ "$(count_all "$1")" -eq "$2" ]; }

OPEN='"event":"open"'
CLOSE='"event":"close"'

# open_on NAME: clients open on instance NAME, by its events.
open_on() {
	echo $(($(count_from "$1" "$OPEN") - $(count_from "$1" "$CLOSE")))
}
open_on_is() { [ "$(open_on "$1")" -eq "$2" ]; }

# ---- clients -----------------------------------------------------------------

# start_clients N URL [WSCAT-ARGS...]: N wscat clients c1..cN that send
# "hello from cI" (again after each reconnect), come back after a 1001,
# and print what they receive in cI.out.
start_clients() {
	local n=$1 url=$2 i
	shift 2
	for ((i = 1; i <= n; i++)); do
		spawn "c$i" 300 "$WSCAT" --reconnect --reconnect-delay 0.05:0.3 \
			-w -1 -x "hello from c$i" "$@" "$url" </dev/null
	done
}

# ended_clients: the status and stderr of each client that has ended.
ended_clients() {
	local i
	for ((i = 1; i <= NCLIENTS; i++)); do
		[ -s "$BATS_TEST_TMPDIR/c$i.rc" ] || continue
		echo "c$i ended with status $(cat "$BATS_TEST_TMPDIR/c$i.rc"):"
		cat "$BATS_TEST_TMPDIR/c$i.err"
	done
}

# all_clients_have LINE: every client has received LINE.
all_clients_have() {
	local i
	for ((i = 1; i <= NCLIENTS; i++)); do
		grep -qxF -- "$1" "$BATS_TEST_TMPDIR/c$i.out" || return 1
	done
}

# assert_each_client_got LINE...: every client's stdout is LINE... exactly,
# in that order.
assert_each_client_got() {
	local i want
	want=$(printf '%s\n' "$@")
	for ((i = 1; i <= NCLIENTS; i++)); do
		[ "$(cat "$BATS_TEST_TMPDIR/c$i.out")" = "$want" ] ||
			fail "c$i received:
$(cat "$BATS_TEST_TMPDIR/c$i.out")
--- want:
$want"
	done
}

# cluster: Redis, the consumer, instances a and b with --jsonl, nginx in front of them, and NCLIENTS clients through
# nginx, each seen open and its hello consumed.
cluster() {
	start_redis
	start_consumer
	start_instance a --jsonl
	start_instance b --jsonl
	start_nginx "${INST_PORT[a]}" "${INST_PORT[b]}"
	start_clients "$NCLIENTS" "$NGINX_URL"
	wait_until 15 count_all_is "$OPEN" "$NCLIENTS" || {
		consumed >&2
		ended_clients >&2
		return 1
	}
	wait_until 10 count_all_is '"data":"hello from c[0-9]+"' "$NCLIENTS"
}

# assert_spread: both instances have clients (least_conn).
assert_spread() {
	local a b
	a=$(open_on a)
	b=$(open_on b)
	if [ "$a" -lt 1 ] || [ "$b" -lt 1 ] || [ $((a + b)) -ne "$NCLIENTS" ]; then
		fail "clients on a: $a, on b: $b"
	fi
}

# ---- the glue alone ----------------------------------------------------------

@test "wsserve-redis: any bytes of a line go through both ways as they are, a 1 MB line of escapes too" {
	start_redis
	start_consumer
	start_instance a
	local sent=$BATS_TEST_TMPDIR/sent resp=$BATS_TEST_TMPDIR/lines.resp
	# UTF-8, quotes and backslashes (redis-cli --csv escapes them), what
	# looks like its escapes, control characters (a CR inside a line),
	# RESP and printf syntax, and a long line that is mostly escapes.
	"$PY" - "$sent" "$resp" "$IN" <<'PY'
import sys
lines = [
    "plain".encode(),
    "\u00fcn\u00efc\u00f6d\u00e9 \u2713 \u65e5\u672c\u8a9e".encode(),
    b'"q" \\ \\\\ \\x41 \\n \\"',
    b"tab\there, esc \x1b[31m, bel \x07, cr\rmid, del \x7f",
    b"*3\r$7 %s %d $",
    ("\u00e9\"\\" * 250000).encode(),
]
open(sys.argv[1], "wb").write(b"".join(l + b"\n" for l in lines))
ch = sys.argv[3].encode()
with open(sys.argv[2], "wb") as f:
    for l in lines:
        f.write(b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                % (len(ch), ch, len(l), l))
PY
	spawn rx 60 "$WSCAT" -w -1 "ws://127.0.0.1:${INST_PORT[a]}/" </dev/null
	wait_until 5 grep -qs ' connected$' "$BATS_TEST_TMPDIR/inst_a.err"
	# Broadcast: Redis -> redis-cli --csv -> unescaping -> wsserve -> client.
	run timeout 10 redis-cli -p "$REDIS_PORT" --pipe <"$resp"
	assert_success
	wait_for_lines "$BATS_TEST_TMPDIR/rx.out" 6 10
	cmp "$sent" "$BATS_TEST_TMPDIR/rx.out"
	# Inbound: client -> wsserve -> RESP with byte lengths -> Redis; the
	# consumer's --raw payload lines are the lines sent.
	run_wscat 0 "ws://127.0.0.1:${INST_PORT[a]}/" <"$sent"
	wait_until 10 has_lines "$BATS_TEST_TMPDIR/consumer.out" $((3 + 4 * 6))
	awk 'NR > 3 && (NR - 4) % 4 == 3' "$BATS_TEST_TMPDIR/consumer.out" \
		>"$BATS_TEST_TMPDIR/consumed"
	cmp "$sent" "$BATS_TEST_TMPDIR/consumed"
}

# ---- the cluster ---------------------------------------------------------------

@test "cluster: clients spread over two instances through nginx; a broadcast reaches each once; each message reaches the consumer once, tagged by instance" {
	cluster
	assert_spread
	# Each client's hello once, from the instance it is on, and in the
	# form wsserve --jsonl writes it.
	local i n
	for ((i = 1; i <= NCLIENTS; i++)); do
		n=$(count_all "^\\{\"id\":[0-9]+,\"type\":\"text\",\"data\":\"hello from c$i\"\\}\$")
		[ "$n" -eq 1 ] || fail "hello from c$i consumed $n times"
	done
	# Without --trust-proxy the peer is nginx's side of the connection.
	[ "$(count_all "\"peer\":\"127\\.0\\.0\\.1:[0-9]+\"")" -eq "$NCLIENTS" ] ||
		fail "peers: $(consumed | grep -o '"peer":"[^"]*"')"
	# A line published once to the broadcast channel: both instances
	# get it, and every client once.
	publish "$IN" '"news 1"' 2
	wait_until 10 all_clients_have 'news 1'
	publish "$IN" '{"data":"news 2"}' 2
	wait_until 10 all_clients_have 'news 2'
	assert_each_client_got 'news 1' 'news 2'
	# Nothing else went out: no error events.
	[ "$(count_all '"event":"error"')" -eq 0 ] || fail "$(consumed)"
}

@test "cluster: with --trust-proxy 127.0.0.1 the peer is the client's address as nginx saw it, whatever the client claims" {
	start_redis
	start_consumer
	start_instance a --jsonl --trust-proxy 127.0.0.1
	start_instance b --jsonl --trust-proxy 127.0.0.1
	start_nginx "${INST_PORT[a]}" "${INST_PORT[b]}"
	# Clients that claim another address: nginx appends the one it saw
	# to X-Forwarded-For and drops Forwarded, so the claim is not taken.
	spawn xff 30 "$WSCAT" -w -1 -x xff -H 'X-Forwarded-For: 203.0.113.9' \
		"$NGINX_URL" </dev/null
	spawn fwd 30 "$WSCAT" -w -1 -x fwd -H 'Forwarded: for=203.0.113.7' \
		"$NGINX_URL" </dev/null
	spawn plain 30 "$WSCAT" -w -1 -x plain "$NGINX_URL" </dev/null
	wait_until 10 count_all_is "$OPEN" 3
	run count_all '"event":"open","peer":"127\.0\.0\.1","path":"/"'
	assert_output 3
	[ "$(count_all '203\.0\.113')" -eq 0 ] || fail "$(consumed)"
	# The same claim made to an instance directly, which trusts
	# 127.0.0.1 as its proxy, is taken: trust does work.
	spawn direct 30 "$WSCAT" -w -1 -x direct \
		-H 'X-Forwarded-For: 203.0.113.9' \
		"ws://127.0.0.1:${INST_PORT[a]}/" </dev/null
	wait_until 10 count_all_is "$OPEN" 4
	run count_from a '"event":"open","peer":"203\.0\.113\.9"'
	assert_output 1
}

@test "cluster: rolling restart: SIGTERM to one instance sends its clients 1001, they come back through nginx to the other, and a broadcast then reaches each once" {
	cluster
	assert_spread
	local on_a i
	on_a=$(open_on a)
	publish "$IN" '"before"' 2
	wait_until 10 all_clients_have before
	kill -TERM "${INST_PID[a]}"
	# The script passes SIGTERM on; wsserve drains and exits 0 within
	# its 5 s; the script stops its helpers and exits with that status.
	wait_for_status inst_a 0 10
	# Every client of a was closed with 1001 (its close events went out
	# before a exited) and came back, through nginx, to b.
	run count_from a '"event":"close","code":1001'
	assert_output "$on_a"
	wait_until 20 open_on_is b "$NCLIENTS"
	run grep -l '^wscat: server closed the connection: 1001; reconnecting in ' \
		"$BATS_TEST_TMPDIR"/c*.err
	assert_equal "${#lines[@]}" "$on_a"
	for ((i = 1; i <= NCLIENTS; i++)); do
		if grep -q 'server closed the connection: 1001' \
			"$BATS_TEST_TMPDIR/c$i.err"; then
			wait_for_line "$BATS_TEST_TMPDIR/c$i.err" \
				"wscat: reconnected to $NGINX_URL" 10
		fi
	done
	# Only b is subscribed now, and it reaches all of them, once.
	publish "$IN" '"after restart"' 1
	wait_until 10 all_clients_have 'after restart'
	publish "$IN" '"end"' 1
	wait_until 10 all_clients_have end
	assert_each_client_got before 'after restart' end
	# No client gave up or was lost.
	for ((i = 1; i <= NCLIENTS; i++)); do
		[ ! -s "$BATS_TEST_TMPDIR/c$i.rc" ] ||
			fail "c$i ended: $(cat "$BATS_TEST_TMPDIR/c$i.err")"
	done
	# a's helpers are gone with it, none left behind.
	local pid
	for pid in ${INST_CHILDREN[a]}; do
		has_exited "$pid" || fail "a's child $pid is still there"
	done
}

@test "cluster: a reply published to an instance's own channel reaches only the client it names" {
	cluster
	assert_spread
	# One client on each instance: its instance and id from its hello.
	local i rec inst id sent=()
	for inst in a b; do
		rec=$(consumed | awk -F'\t' -v ch="$OUT.$inst" \
			'$1 == ch && $2 ~ /"data":"hello from c[0-9]+"/ { print $2; exit }')
		[ -n "$rec" ] || fail "no hello from instance $inst"
		id=$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' <<<"$rec")
		i=$(sed -n 's/.*"data":"hello from c\([0-9]*\)"}$/\1/p' <<<"$rec")
		publish "$IN.$inst" "{\"to\":[$id],\"data\":\"only for c$i\"}" 1
		wait_for_line "$BATS_TEST_TMPDIR/c$i.out" "only for c$i"
		sent+=("$i")
	done
	# Ids are per instance: the other instance may have a client with
	# the same id, and it got nothing.  A broadcast after the replies
	# shows every client has read up to there.
	publish "$IN" '"end"' 2
	wait_until 10 all_clients_have end
	for ((i = 1; i <= NCLIENTS; i++)); do
		if [ "$i" = "${sent[0]}" ] || [ "$i" = "${sent[1]}" ]; then
			assert_equal "$(cat "$BATS_TEST_TMPDIR/c$i.out")" \
				"$(printf 'only for c%s\nend' "$i")"
		else
			assert_equal "$(cat "$BATS_TEST_TMPDIR/c$i.out")" end
		fi
	done
	[ "$(count_all '"event":"error"')" -eq 0 ] || fail "$(consumed)"
}

@test "cluster: /healthz answers 200 ok through nginx, and wsserve neither logs it nor counts it" {
	start_redis
	start_instance a
	start_instance b
	start_nginx "${INST_PORT[a]}" "${INST_PORT[b]}"
	local i
	for i in 1 2 3 4; do
		run curl -sS -m 5 -o "$BATS_TEST_TMPDIR/body" \
			-w '%{http_code} %{content_type}' \
			"http://127.0.0.1:$NGINX_PORT/healthz"
		assert_success
		assert_output --regexp '^200 text/plain'
		assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/body" | tr -s ' ')" \
			' o k \n'
	done
	run curl -sS -m 5 -I "http://127.0.0.1:$NGINX_PORT/healthz"
	assert_success
	assert_line --regexp '^HTTP/1\.1 200 '
	# Neither instance logged anything: their stderr is the ready line
	# and the subscriptions.
	for i in a b; do
		run grep -v -e '^wsserve: listening on ' \
			-e '^wsserve-redis\[.\]: subscribed to ' \
			"$BATS_TEST_TMPDIR/inst_$i.err"
		assert_output ''
	done
	# A WebSocket client through the same nginx is logged.
	run_wscat 0 -x hi -w 0 "$NGINX_URL" </dev/null
	wait_until 5 grep -qs ' connected$' "$BATS_TEST_TMPDIR/inst_a.err" \
		"$BATS_TEST_TMPDIR/inst_b.err"
}

@test "wsserve /healthz: before the Host, Origin and authorization checks, with --no-page, not a client (past --max-clients), not logged" {
	start_wsserve --no-page --max-clients 1 --auth user:pass
	spawn c 30 "$WSCAT" --auth user:pass -w -1 "$URL" </dev/null
	wait_for_clients 1
	local url=http://127.0.0.1:$PORT/healthz
	run curl -sS -m 5 -w ' %{http_code}' "$url"
	assert_output $'ok\n 200'
	run curl -sS -m 5 -w ' %{http_code}' -H 'Host: elsewhere.example' \
		-H 'Origin: https://elsewhere.example' "$url"
	assert_output $'ok\n 200'
	run curl -sS -m 5 -o /dev/null -w '%{http_code}' -I "$url"
	assert_output 200
	# The page itself is refused (no credentials), as before.
	run curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	refute_output 200
	# The one client is all the log has (the page's refusal aside).
	run grep -c -e ' connected$' -e 'disconnected (' -e healthz "$SERVER_ERR"
	assert_output 1
	assert_equal "$(open_clients)" 1
}

# ---- --trust-proxy -----------------------------------------------------------

# peer_logged WSCAT-ARGS...: a wscat with these (-H) options connects to the
# wsserve started last, says hi and closes; LOGGED is the address wsserve
# logged it as.
peer_logged() {
	local before
	before=$(grep -c ' disconnected (' "$SERVER_ERR" || true)
	run_wscat 0 "$@" -x hi -w 0 "$URL" </dev/null
	wait_until 5 test "$(grep -c ' disconnected (' "$SERVER_ERR")" -gt "$before"
	LOGGED=$(sed -n 's/^wsserve: \(.*\) connected$/\1/p' "$SERVER_ERR" | tail -n 1)
}

# assert_logged ERE: LOGGED matches ERE.
assert_logged() {
	[[ $LOGGED =~ $1 ]] || fail "logged as '$LOGGED', want /$1/:
$(cat "$SERVER_ERR")"
}
TCP_PEER='^127\.0\.0\.1:[0-9]+$'

@test "--trust-proxy: off, a client's X-Forwarded-For is ignored; trusting 127.0.0.1 it is taken; trusting 10.0.0.0/8 it is not" {
	start_wsserve
	peer_logged -H 'X-Forwarded-For: 203.0.113.9'
	assert_logged "$TCP_PEER"
	run grep -c 203.0.113.9 "$SERVER_ERR"
	assert_output 0
	stop_wsserve

	start_wsserve --trust-proxy 127.0.0.1
	peer_logged -H 'X-Forwarded-For: 203.0.113.9'
	assert_logged '^203\.0\.113\.9$'
	run grep -c '^wsserve: 203\.0\.113\.9 disconnected (1000)$' "$SERVER_ERR"
	assert_output 1
	stop_wsserve

	start_wsserve --trust-proxy 10.0.0.0/8
	peer_logged -H 'X-Forwarded-For: 203.0.113.9'
	assert_logged "$TCP_PEER"
	run grep -c 203.0.113.9 "$SERVER_ERR"
	assert_output 0
}

@test "--trust-proxy: the last X-Forwarded-For address, Forwarded before it, an address that does not parse ignored" {
	start_wsserve --trust-proxy 127.0.0.0/8 --trust-proxy 10.0.0.0/8
	peer_logged -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.9'
	assert_logged '^203\.0\.113\.9$'
	peer_logged -H 'Forwarded: for=198.51.100.1, for=203.0.113.7' \
		-H 'X-Forwarded-For: 203.0.113.9'
	assert_logged '^203\.0\.113\.7$'
	peer_logged -H 'Forwarded: for="203.0.113.8:4711"'
	assert_logged '^203\.0\.113\.8$'
	peer_logged -H 'X-Forwarded-For: not-an-address'
	assert_logged "$TCP_PEER"
	peer_logged -H 'X-Forwarded-For: 2001:db8::7'
	assert_logged '^\[?2001:db8::7\]?$'
}

@test "--trust-proxy: the --jsonl peer and the --ids open event carry the forwarded address" {
	start_wsserve --jsonl --trust-proxy 127.0.0.1
	run_wscat 0 -H 'X-Forwarded-For: 203.0.113.9' -x hi -w 0 "$URL" </dev/null
	wait_for_text "$SERVER_OUT" '"event":"close"'
	run head -n 1 "$SERVER_OUT"
	assert_output '{"id":1,"event":"open","peer":"203.0.113.9","path":"/","subprotocol":""}'
	stop_wsserve
	start_wsserve --ids --events --trust-proxy 127.0.0.1
	run_wscat 0 -H 'X-Forwarded-For: 203.0.113.9' -x hi -w 0 "$URL" </dev/null
	wait_for_text "$SERVER_OUT" '1:close'
	run head -n 1 "$SERVER_OUT"
	assert_output "$(printf '1:open\t203.0.113.9\t/')"
}

@test "--trust-proxy unix: clients of a -U socket are known by the forwarded address" {
	local sock=$BATS_TEST_TMPDIR/ws.sock
	start_wsserve -U "$sock" --trust-proxy unix
	# Two ready lines: take the TCP one's port.
	wait_for_text "$SERVER_ERR" 'listening on ws://127.0.0.1:'
	wait_until 5 test -S "$sock"
	PORT=$(sed -n 's|.*listening on ws://127\.0\.0\.1:\([0-9]*\)/$|\1|p' \
		"$SERVER_ERR")
	URL=ws://127.0.0.1:$PORT/
	run_wscat 0 -H 'X-Forwarded-For: 203.0.113.9' -x hi -w 0 \
		"ws+unix://$sock" </dev/null
	wait_for_text "$SERVER_ERR" ' disconnected ('
	run grep -c '^wsserve: 203\.0\.113\.9 connected$' "$SERVER_ERR"
	assert_output 1
	# TCP clients of the same wsserve are not trusted.
	peer_logged -H 'X-Forwarded-For: 203.0.113.9'
	assert_logged "$TCP_PEER"
}
