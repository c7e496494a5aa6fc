#!/bin/sh
# late_cat.sh FILE SECONDS [BYTES]: reads nothing for SECONDS, then copies
# its stdin to FILE (BYTES of it, or up to EOF), writes "got N" (the
# bytes copied) to FILE.done and to stdout, and exits 0.
sleep "$2"
if [ -n "${3-}" ]; then
	head -c "$3" >"$1"
else
	cat >"$1"
fi
got="got $(wc -c <"$1")"
echo "$got" >"$1.tmp" && mv "$1.tmp" "$1.done"
echo "$got"
