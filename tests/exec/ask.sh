#!/bin/sh
# ask.sh FILE: sends "one", reads a reply, sends "two", reads a reply,
# writes both replies to FILE, says "asked" on stderr and exits 0.
echo one
IFS= read -r a || exit 1
echo two
IFS= read -r b || exit 1
printf '%s\n' "$a" "$b" >"$1"
echo asked >&2
