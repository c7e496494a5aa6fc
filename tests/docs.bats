#!/usr/bin/env bats
# The man pages and shell completions against the binaries: the options
# --help lists, the SYNOPSIS, the exit statuses, and how -h, -V and a bad
# option behave.

load helpers

# help_longs BIN: the long options BIN --help lists, without dashes, from
# lines like "  -a, --address ADDRESS ..." and "      --echo ...".
help_longs() {
	"$1" --help |
		sed -n 's/^  \(-[[:alnum:]], \)\{0,1\} *--\([a-z0-9-]*\).*/\2/p'
}

# help_shorts BIN: the short options, from "  -a, ..." and "  -1   ...".
help_shorts() {
	"$1" --help | sed -n 's/^  -\([[:alnum:]]\)[, ].*/\1/p'
}

# help_usage BIN: the usage block of --help without "usage: ", on one line.
help_usage() {
	"$1" --help | sed -n '1,/^$/p' | sed 's/^usage: //' | one_line
}

one_line() { tr -s ' \n' '  ' | sed 's/^ //; s/ $//'; }

# man_text PAGE: the page rendered as plain text.
man_text() { mandoc -Tascii "$1" | sed 's/.\x08//g'; }

# man_longs PAGE: the long options the option list of PAGE describes.
man_longs() {
	grep '^\.It Fl ' "$1" | grep -o 'Fl -[a-z0-9-]*' | sed 's/^Fl -//'
}

# man_shorts PAGE: the short options the option list of PAGE describes.
man_shorts() {
	sed -n 's/^\.It Fl \([[:alnum:]]\)\( .*\)\{0,1\}$/\1/p' "$1"
}

# man_exit_codes PAGE: the plain numbers in the EXIT STATUS list.
man_exit_codes() {
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$1" |
		sed -n 's/^\.It \([0-9][0-9]*\)$/\1/p'
}

# exit_code NAME: the value of WS_EXIT_NAME in src/exitcode.h.
exit_code() {
	sed -n "s/^[[:space:]]*$1 = \([0-9][0-9]*\).*/\1/p" "$ROOT/src/exitcode.h"
}

# All the codes in src/exitcode.h.
all_exit_codes() {
	sed -n 's/^[[:space:]]*WS_EXIT_[A-Z_]* = \([0-9][0-9]*\).*/\1/p' \
		"$ROOT/src/exitcode.h"
}

# help_defaults BIN: "name value" for each long option whose --help line
# ends in "(default VALUE)" or "(...; default VALUE)": what opt_print
# generates from the option table.
help_defaults() {
	"$1" --help | sed -n -E \
		's/^  (-[[:alnum:]], )? *--([a-z0-9-]+) .*[(; ]default ([^)]*)\)$/\2 \3/p'
}

# help_limits BIN: "name N" for each repeatable option, from "(up to N times".
help_limits() {
	"$1" --help | sed -n -E \
		's/^  (-[[:alnum:]], )? *--([a-z0-9-]+) .*\(up to ([0-9]+) times.*/\2 \3/p'
}

# help_valued BIN: the long options that take a value ("--port PORT").
help_valued() {
	"$1" --help |
		sed -n -E 's/^  (-[[:alnum:]], )? *--([a-z0-9-]+) [A-Z][A-Z:,.]*( .*)?$/\2/p'
}

# man_entry PAGE NAME: the text of the option list entry for --NAME, on
# one line: from its .It line to the next .It or .El.
man_entry() {
	awk -v opt="Fl -$2 " '
		/^\.(It|El)( |$)/ { on = 0 }
		/^\.It / && index($0 " ", opt) { on = 1; next }
		on' "$1" | tr '\n' ' '
	echo
}

# man_stated PAGE REGEX: "name value" for each option of PAGE whose entry
# matches REGEX, value being what its first group captures.
man_stated() {
	local name
	for name in $(man_longs "$1"); do
		man_entry "$1" "$name" | sed -n -E "s/.*$2.*/$name \\1/p"
	done
}

# bash_opts FILE: the words of the opts="..." list in a bash completion.
bash_opts() {
	awk '/opts="/ { on = 1; sub(/.*opts="/, "") }
	     on { if (sub(/".*/, "")) { print; on = 0 } else print }' "$1" |
		tr -s ' \t' '\n' | sed '/^$/d'
}

# long_tokens FILE: every --name in FILE, without dashes.
long_tokens() { grep -o -- '--[a-z][a-z0-9-]*' "$1" | sed 's/^--//'; }

# fish_longs FILE: the names given to -l in a fish completion.
fish_longs() {
	grep '^complete ' "$1" | grep -o -- ' -l [a-z0-9-]*' | sed 's/^ -l //'
}

# same_set WHAT EXPECTED ACTUAL: the two newline-separated lists hold the
# same words; otherwise prints what WHAT lacks and what it has extra.
same_set() {
	local lacks extra want have
	want=$(sed '/^$/d' <<<"$2" | sort -u)
	have=$(sed '/^$/d' <<<"$3" | sort -u)
	lacks=$(comm -23 <(echo "$want") <(echo "$have") | paste -sd ' ')
	extra=$(comm -13 <(echo "$want") <(echo "$have") | paste -sd ' ')
	if [ -n "$lacks" ] || [ -n "$extra" ]; then
		echo "$1: lacks [$lacks], lists unknown [$extra]" >&2
		return 1
	fi
}

# check_options BIN: the man page and the three completions list exactly
# the long options BIN --help lists (bash adds the short-only ones).
check_options() {
	local bin=$1 longs shorts shortonly fail=0
	local dashed

	longs=$(help_longs "$ROOT/$bin")
	shorts=$(help_shorts "$ROOT/$bin")
	# A broken extraction must not pass as "nothing to compare".
	[ "$(wc -l <<<"$longs")" -ge 10 ] || {
		echo "could not read the long options from $bin --help" >&2
		return 1
	}
	shortonly=$("$ROOT/$bin" --help | sed -n 's/^  \(-[[:alnum:]]\)  .*/\1/p')
	dashed=$(sed 's/^/--/' <<<"$longs")
	[ -n "$shortonly" ] && dashed+=$'\n'$shortonly

	same_set "man/$bin.1 options" "$longs" \
		"$(man_longs "$ROOT/man/$bin.1")" || fail=1
	same_set "man/$bin.1 short options" "$shorts" \
		"$(man_shorts "$ROOT/man/$bin.1")" || fail=1
	same_set "completions/$bin.bash opts" "$dashed" \
		"$(bash_opts "$ROOT/completions/$bin.bash")" || fail=1
	same_set "completions/$bin.bash --names" "$longs" \
		"$(long_tokens "$ROOT/completions/$bin.bash")" || fail=1
	same_set "completions/_$bin" "$longs" \
		"$(long_tokens "$ROOT/completions/_$bin")" || fail=1
	same_set "completions/$bin.fish" "$longs" \
		"$(fish_longs "$ROOT/completions/$bin.fish")" || fail=1
	return $fail
}

@test "wscat man page and completions list exactly the options of --help" {
	check_options wscat
}

@test "wsserve man page and completions list exactly the options of --help" {
	check_options wsserve
}

@test "each man page states the defaults and list limits --help prints from the table" {
	local bin page
	for bin in wscat wsserve; do
		page=$ROOT/man/$bin.1
		# A broken extraction must not pass as "nothing to compare".
		[ "$(help_defaults "$ROOT/$bin" | wc -l)" -ge 5 ] ||
			fail "could not read the defaults from $bin --help"
		# "The default is 16M." or "...; the default is 10."
		same_set "man/$bin.1 defaults" "$(help_defaults "$ROOT/$bin")" \
			"$(man_stated "$page" '[Dd]efault is ([^ ]*[^ .,;:])')"
		[ "$(help_limits "$ROOT/$bin" | wc -l)" -ge 3 ] ||
			fail "could not read the list limits from $bin --help"
		same_set "man/$bin.1 list limits" "$(help_limits "$ROOT/$bin")" \
			"$(man_stated "$page" 'up to ([0-9]+) times')"
	done
}

@test "the completions take a value after exactly the options --help gives one" {
	local bin valued
	for bin in wscat wsserve; do
		valued=$(help_valued "$ROOT/$bin")
		[ "$(wc -l <<<"$valued")" -ge 10 ] ||
			fail "could not read the options with values from $bin --help"
		# bash: the arms of "case $prev".
		same_set "completions/$bin.bash case \$prev" "$valued" \
			"$(sed -n '/case \$prev in/,/esac/p' \
				"$ROOT/completions/$bin.bash" | long_tokens /dev/stdin)"
		# zsh: '--name=[...]'.
		same_set "completions/_$bin --name=" "$valued" \
			"$(grep -o -- '--[a-z][a-z0-9-]*=' "$ROOT/completions/_$bin" |
				sed 's/^--//; s/=$//')"
		# fish: -x (a value, no files) or -r (a value, files too).
		same_set "completions/$bin.fish -x/-r" "$valued" \
			"$(grep -E '^complete .* -(x|r)( |$)' \
				"$ROOT/completions/$bin.fish" |
				fish_longs /dev/stdin)"
	done
}

@test "the man pages are clean under mandoc -Tlint -Wwarning" {
	run mandoc -Tlint -Wwarning "$ROOT/man/wsserve.1" "$ROOT/man/wscat.1"
	assert_success
	assert_output ''
}

@test "each man page SYNOPSIS matches the usage line of its binary" {
	local bin synopsis
	for bin in wscat wsserve; do
		synopsis=$(man_text "$ROOT/man/$bin.1" |
			sed -n '/^SYNOPSIS/,/^DESCRIPTION/{/^[A-Z]/d;p}' | one_line)
		assert_equal "$synopsis" "$(help_usage "$ROOT/$bin")"
	done
}

@test "each man page has the sections in order and a real date" {
	local bin sections
	for bin in wscat wsserve; do
		# ENVIRONMENT and SECURITY, when a page has them, follow
		# DESCRIPTION.
		sections=$(sed -n 's/^\.Sh //p' "$ROOT/man/$bin.1" |
			grep -vxE 'ENVIRONMENT|SECURITY' | paste -sd ,)
		assert_equal "$sections" \
			'NAME,SYNOPSIS,DESCRIPTION,EXIT STATUS,EXAMPLES,SEE ALSO,STANDARDS'
		run grep -E '^\.Dd [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4}$' \
			"$ROOT/man/$bin.1"
		assert_success
		run grep -c '^\.%R RFC 6455$' "$ROOT/man/$bin.1"
		assert_output 1
	done
}

@test "wscat man page EXIT STATUS lists every code in src/exitcode.h" {
	same_set "wscat.1 EXIT STATUS" "$(all_exit_codes)" \
		"$(man_exit_codes "$ROOT/man/wscat.1")"
	run grep -c '^\.It 128+ Ns Ar N$' "$ROOT/man/wscat.1"
	assert_output 1
}

@test "wsserve man page EXIT STATUS lists the codes wsserve can return" {
	local names codes=
	# The codes named where wsserve decides its status.
	names=$(grep -ho 'WS_EXIT_[A-Z_]*' "$ROOT/cmd/wsserve.c" \
		"$ROOT/src/server.c" | sort -u)
	[ -n "$names" ]
	for n in $names; do
		codes+=$(exit_code "$n")$'\n'
	done
	same_set "wsserve.1 EXIT STATUS" "$codes" \
		"$(man_exit_codes "$ROOT/man/wsserve.1")"
}

@test "-h and --help print the usage and every option to stdout, exit 0" {
	local bin opt
	for bin in wscat wsserve; do
		run --separate-stderr -0 "$ROOT/$bin" -h
		assert_equal "$stderr" ''
		assert_line --index 0 --regexp "^usage: $bin \["
		for opt in $(help_longs "$ROOT/$bin"); do
			assert_line --partial -- "--$opt"
		done
		run --separate-stderr -0 "$ROOT/$bin" --help
		assert_equal "$stderr" ''
		assert_line --index 0 --regexp "^usage: $bin \["
	done
}

@test "-V and --version print one line with the version" {
	local bin version
	version=$(sed -n 's/.*WS_VERSION "\(.*\)".*/\1/p' "$ROOT/src/version.h")
	[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	for bin in wscat wsserve; do
		for opt in -V --version; do
			run --separate-stderr -0 "$ROOT/$bin" "$opt"
			assert_output "$bin $version"
			assert_equal "${#lines[@]}" 1
			assert_equal "$stderr" ''
		done
	done
}

@test "an unknown option exits 2 with one line naming it and the usage on stderr" {
	local bin usage opt
	for bin in wscat wsserve; do
		usage=$("$ROOT/$bin" --help | sed -n '1,/^$/p' | sed '/^$/d')
		for opt in --bogus -Z; do
			run --separate-stderr -2 "$ROOT/$bin" "$opt"
			assert_output ''
			[[ ${stderr_lines[0]} == *"${opt#-}"* ]] || {
				echo "first line does not name $opt: ${stderr_lines[0]}"
				return 1
			}
			assert_equal "$(printf '%s\n' "${stderr_lines[@]:1}")" "$usage"
		done
	done
}
