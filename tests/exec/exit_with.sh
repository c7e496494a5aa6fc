#!/bin/sh
# exit_with.sh STATUS: two lines on stdout, one on stderr, then exits
# with STATUS without reading its stdin.
printf '%s\n' one two
echo "leaving with $1" >&2
exit "$1"
