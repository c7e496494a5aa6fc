#!/bin/sh
# leave_child.sh DIR [hold]: starts a member of its process group (its
# PID in DIR/child), says "started" and exits 0.  With "hold" the member
# keeps this program's stdout open; otherwise it has none of its pipes.
if [ "${2-}" = hold ]; then
	sleep 300 &
else
	sleep 300 >/dev/null 2>&1 <&- &
fi
echo $! >"$1/child.tmp" && mv "$1/child.tmp" "$1/child"
echo started
