#!/bin/sh
# stubborn.sh DIR: ignores EOF and SIGTERM, in DIR/WSSERVE_ID (DIR/0
# without one).  Writes there "pid" (its own) and "child" (a member of
# its process group that ignores SIGTERM too), says "ready", echoes its
# stdin, writes "eof" at EOF and adds a line to "term" at each SIGTERM
# (each with the time in seconds since the epoch), and runs on until
# SIGKILL.
d=$1/${WSSERVE_ID:-0}
mkdir -p "$d"
(trap '' TERM; exec sleep 300) </dev/null >/dev/null 2>&1 &
echo $! >"$d/child.tmp" && mv "$d/child.tmp" "$d/child"
echo $$ >"$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"
trap 'date +%s.%N >>"$d/term"' TERM
echo ready
while IFS= read -r line; do
	printf '%s\n' "$line"
done
date +%s.%N >"$d/eof.tmp" && mv "$d/eof.tmp" "$d/eof"
while :; do
	sleep 0.1
done
