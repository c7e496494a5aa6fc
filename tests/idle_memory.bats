#!/usr/bin/env bats
# What idle connections cost wsserve once they hibernate (issue 13; the
# behaviour is in tests/hibernate.bats).  Not run under ASan, whose
# redzones and quarantine make every allocation cost more and keep freed
# memory: the figure would say nothing there.

load helpers

NAP=("$PY" "$PEERS/napper.py")

rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"; }

@test "500 idle connections cost wsserve far less than a session each" {
	local before after
	start_wsserve --max-pending 1000
	before=$(rss_kib "$SERVER_PID")
	spawn many 30 "${NAP[@]}" "$PORT" --many 500 5
	wait_for_text "$BATS_TEST_TMPDIR/many.out" 'OPEN 500' 20
	wait_for_clients 500 10
	after=$(rss_kib "$SERVER_PID")
	echo "# wsserve with 500 idle connections: +$((after - before)) KiB" >&3
	# Awake, each costs about 10 KiB (wslay's context alone is 4 KiB);
	# asleep under 2.
	[ $((after - before)) -lt $((500 * 4)) ]
	# They wake and close cleanly.
	wait_for_status many 0 20
	wait_for_clients 0 10
}
