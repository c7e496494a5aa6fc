#!/bin/sh
# flood.sh COUNTER: writes its PID to COUNTER.pid, then 50 MiB to stdout
# as 51200 lines of 1 KiB (1023 bytes and LF), with the number of MiB
# written so far in COUNTER after each MiB; "done" in COUNTER at the end.
echo $$ >"$1.pid.tmp" && mv "$1.pid.tmp" "$1.pid"
line=$(printf '%01023d' 0)
mib=0
while [ "$mib" -lt 50 ]; do
	i=0
	while [ "$i" -lt 1024 ]; do
		printf '%s\n' "$line"
		i=$((i + 1))
	done
	mib=$((mib + 1))
	echo "$mib" >"$1.tmp" && mv "$1.tmp" "$1"
done
echo "done" >"$1.tmp" && mv "$1.tmp" "$1"
