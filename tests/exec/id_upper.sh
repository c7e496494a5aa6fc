#!/bin/sh
# Says "id WSSERVE_ID", then sends each line back upper-cased.
printf 'id %s\n' "$WSSERVE_ID"
exec "$(dirname "$0")/upper.sh"
