#!/bin/sh
# Each line back upper-cased, at once (tr alone would buffer its output).
while IFS= read -r line; do
	printf '%s\n' "$line" | tr '[:lower:]' '[:upper:]'
done
