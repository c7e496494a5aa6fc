#!/bin/sh
# term_exit.sh DIR: echoes its stdin; at EOF writes DIR/eof and waits on;
# at SIGTERM writes DIR/term and dies of it.
d=$1
trap 'echo term >"$d/term"; trap - TERM; kill -s TERM $$' TERM
while IFS= read -r line; do
	printf '%s\n' "$line"
done
echo eof >"$d/eof"
while :; do
	sleep 0.1
done
