#!/bin/sh
# until_eof.sh FILE: echoes its stdin; at EOF writes "eof" to FILE and
# exits 0.
while IFS= read -r line; do
	printf '%s\n' "$line"
done
echo eof >"$1.tmp" && mv "$1.tmp" "$1"
