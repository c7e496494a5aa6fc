#!/bin/sh
# count_starts.sh FILE: adds a line to FILE, then echoes its stdin.
echo "$WSSERVE_ID" >>"$1"
exec cat
