#!/usr/bin/env bats
# The shell completions, run for real: bash through bash-completion, zsh
# through a completion widget driven on a pseudo-terminal (zsh/zpty), fish
# through `complete -C`.  Each test compares the words offered with what
# --help lists or with the exact words expected.

load helpers

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
COMPDIR=$ROOT/completions

# need CMD PACKAGE: skips when CMD is missing, but fails under CI, where
# `make check` must have installed PACKAGE.
need() {
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -e "$1" ]; then
		[ -z "${CI:-}" ] || fail "$2 is not installed (add it to TEST_DEPS)"
		skip "$2 is not installed"
	fi
}

# help_longs BIN: --name for each long option BIN --help lists.
help_longs() {
	"$ROOT/$1" --help |
		sed -n 's/^  \(-[[:alnum:]], \)\{0,1\} *\(--[a-z0-9-]*\).*/\2/p' |
		sort
}

# ---- bash ----------------------------------------------------------------

# bash_complete FILE WORD...: COMPREPLY, one per line, for the command line
# WORD..., the last of which is being completed.  A ":" word stands for the
# split bash makes at COMP_WORDBREAKS: it is joined to its neighbours in
# COMP_LINE, as in a real "wscat ws://..." line.
bash_complete() {
	bash --norc --noprofile -c '
		source "$1" || exit 90
		source "$2" || exit 91
		shift 2
		spec=$(complete -p "$1") || exit 92
		func=${spec#*-F }
		func=${func%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_LINE=${COMP_LINE// : /:}
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$func" "$1" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}" || true
		((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"
	' _ "$BASH_COMPLETION" "$COMPDIR/$1" "${@:2}"
}

@test "bash: 'wscat --he' offers --header and --help" {
	need "$BASH_COMPLETION" bash-completion
	run -0 bash_complete wscat.bash wscat --he
	assert_output $'--header\n--help'
}

@test "bash: 'wsserve --ha' offers --handshake-timeout" {
	need "$BASH_COMPLETION" bash-completion
	run -0 bash_complete wsserve.bash wsserve --ha
	assert_output --handshake-timeout
}

@test "bash: '--' offers exactly the long options of --help" {
	need "$BASH_COMPLETION" bash-completion
	local bin
	for bin in wscat wsserve; do
		run -0 bash_complete "$bin.bash" "$bin" --
		assert_equal "$(sort <<<"$output")" "$(help_longs "$bin")"
	done
}

@test "bash: 'wscat -' also offers the short-only -1" {
	need "$BASH_COMPLETION" bash-completion
	run -0 bash_complete wscat.bash wscat -
	assert_line -- -1
	assert_line -- --count
}

@test "bash: options whose value is free text or a number offer nothing" {
	need "$BASH_COMPLETION" bash-completion
	local opt
	for opt in -H --header -o --origin -s --subprotocol -x --execute \
		--auth --connect-timeout --count --max-message -w --wait \
		--ping-interval --ping-timeout; do
		run -0 bash_complete wscat.bash wscat "$opt" ''
		assert_output ''
	done
	# wsserve has no operands and offers options for a bare word, so a
	# missing case here would show up as a list of options.
	for opt in -a --address -p --port --handshake-timeout --max-message \
		--origin --subprotocol --max-clients --ping-interval \
		--ping-timeout --slow-client-timeout; do
		run -0 bash_complete wsserve.bash wsserve "$opt" ''
		assert_output ''
	done
	run -0 bash_complete wsserve.bash wsserve ''
	assert_line --echo
}

@test "bash: the wscat URL offers ws://, wss:// and the default wsserve address" {
	need "$BASH_COMPLETION" bash-completion
	run -0 bash_complete wscat.bash wscat ''
	assert_output $'ws://\nwss://\nws://127.0.0.1:15678/'
	run -0 bash_complete wscat.bash wscat -c w
	assert_output $'ws://\nwss://\nws://127.0.0.1:15678/'
	run -0 bash_complete wscat.bash wscat -w -1 -H 'X: y' ''
	assert_output $'ws://\nwss://\nws://127.0.0.1:15678/'
	run -0 bash_complete wscat.bash wscat --ping-interval 1 ''
	assert_output $'ws://\nwss://\nws://127.0.0.1:15678/'
	# bash splits "ws://12" at the colon; the reply must replace only
	# the part after it.
	run -0 bash_complete wscat.bash wscat ws : //12
	assert_output //127.0.0.1:15678/
}

@test "bash: no second URL once one is given" {
	need "$BASH_COMPLETION" bash-completion
	run -0 bash_complete wscat.bash wscat ws : //x/ ''
	assert_output ''
	run -0 bash_complete wscat.bash wscat -c ws : //x/ ''
	assert_output ''
}

# ---- zsh -----------------------------------------------------------------

# zsh_complete LINE: the matches zsh offers when TAB is pressed after LINE,
# one per line, sorted.  An interactive zsh on a pseudo-terminal loads the
# completions with compinit; a wrapper around compadd prints each match,
# and the shell exits as soon as the completion is done.
zsh_complete() {
	local init=$BATS_TEST_TMPDIR/init.zsh drive=$BATS_TEST_TMPDIR/drive.zsh
	cat >"$init" <<-'EOF'
		PROMPT='' RPROMPT='' PS2=''
		fpath=($COMPDIR $fpath)
		autoload -U compinit && compinit -u -D
		bindkey '^I' complete-word
		zstyle ':completion:*' insert-tab false
		compadd() {
			# Calls that only fill arrays are not offers.
			if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
				builtin compadd "$@"
				return
			fi
			local -a hits
			builtin compadd -A hits "$@"
			(( $#hits )) && print -rl -- "MATCH:"${^hits}
			builtin compadd "$@"
		}
		capture_end() { print -r -- 'CAPTURE-END'; exit }
		comppostfuncs=(capture_end)
		print -r -- 'CAPTURE-READY'
	EOF
	cat >"$drive" <<-'EOF'
		zmodload zsh/zpty || exit 90
		zpty z "COMPDIR=${(q)1} zsh -f -i"
		zpty -w z "source ${(q)2}"
		zpty -r z out '*CAPTURE-READY*' || exit 91
		zpty -w -n z "$3"$'\t'
		zpty -r z out '*CAPTURE-END*' || exit 92
		zpty -d z
		print -r -- "${out//$'\r'/}"
	EOF
	local out
	out=$(timeout 20 zsh -f "$drive" "$COMPDIR" "$init" "$1") || {
		echo "zsh completion of '$1' did not finish" >&2
		return 1
	}
	grep -a -o 'MATCH:.*' <<<"$out" | sed 's/^MATCH://' | sort -u
}

@test "zsh: the completion files parse and start with #compdef" {
	need zsh zsh
	local bin
	for bin in wscat wsserve; do
		run -0 zsh -n "$COMPDIR/_$bin"
		run -0 head -1 "$COMPDIR/_$bin"
		assert_output "#compdef $bin"
	done
}

@test "zsh: 'wscat --he' offers --header and --help" {
	need zsh zsh
	run -0 zsh_complete 'wscat --he'
	assert_output $'--header\n--help'
}

@test "zsh: 'wsserve --ha' offers --handshake-timeout" {
	need zsh zsh
	run -0 zsh_complete 'wsserve --ha'
	assert_output --handshake-timeout
}

@test "zsh: '--' offers exactly the long options of --help" {
	need zsh zsh
	local bin
	for bin in wscat wsserve; do
		run -0 zsh_complete "$bin --"
		assert_equal "$output" "$(help_longs "$bin")"
	done
}

@test "zsh: exclusion groups hide options that cannot be combined" {
	need zsh zsh
	run -0 zsh_complete 'wscat --c'
	assert_output $'--ca\n--cert\n--ciphers\n--close-grace\n--color\n--connect\n--connect-timeout\n--count'
	run -0 zsh_complete 'wscat -1 --c'
	assert_output $'--ca\n--cert\n--ciphers\n--close-grace\n--color\n--connect\n--connect-timeout'
	run -0 zsh_complete 'wscat -c ws://127.0.0.1/ --c'
	assert_output $'--ca\n--cert\n--ciphers\n--close-grace\n--color\n--connect-timeout\n--count'
	run -0 zsh_complete 'wscat --no-color --c'
	refute_line -- --color
	run -0 zsh_complete 'wscat -k --'
	refute_line -- --insecure
	refute_line -- --no-check
	run -0 zsh_complete 'wsserve --help --'
	assert_output ''
}

@test "zsh: the wscat URL offers ws://, wss:// and the default wsserve address" {
	need zsh zsh
	# zsh_complete sorts its matches.
	run -0 zsh_complete 'wscat '
	assert_output $'ws://\nws://127.0.0.1:15678/\nwss://'
	run -0 zsh_complete 'wscat -c '
	assert_output $'ws://\nws://127.0.0.1:15678/\nwss://'
}

@test "zsh: options whose value is free text or a number offer nothing" {
	need zsh zsh
	run -0 zsh_complete 'wscat -H '
	assert_output ''
	run -0 zsh_complete 'wscat --count '
	assert_output ''
	run -0 zsh_complete 'wsserve -p '
	assert_output ''
	run -0 zsh_complete 'wsserve --slow-client-timeout '
	assert_output ''
	run -0 zsh_complete 'wscat --ping-interval '
	assert_output ''
}

# ---- fish ----------------------------------------------------------------

# fish_complete FILE LINE: the words fish offers for LINE, sorted, without
# their descriptions.  Runs in an empty directory but for one file, so
# offering file names would show.
fish_complete() {
	mkdir -p "$BATS_TEST_TMPDIR/cwd"
	touch "$BATS_TEST_TMPDIR/cwd/a-file"
	(cd "$BATS_TEST_TMPDIR/cwd" && fish --no-config -c \
		'source $argv[1]; or exit 90; complete -C $argv[2]' \
		"$COMPDIR/$1" "$2") | cut -f1 | sort
	return "${PIPESTATUS[0]}"
}

@test "fish: 'wscat --he' offers --header and --help" {
	need fish fish
	run -0 fish_complete wscat.fish 'wscat --he'
	assert_output $'--header\n--help'
}

@test "fish: 'wsserve --ha' offers --handshake-timeout" {
	need fish fish
	run -0 fish_complete wsserve.fish 'wsserve --ha'
	assert_output --handshake-timeout
}

@test "fish: '--' offers exactly the long options of --help" {
	need fish fish
	local bin
	for bin in wscat wsserve; do
		run -0 fish_complete "$bin.fish" "$bin --"
		assert_equal "$output" "$(help_longs "$bin")"
	done
}

@test "fish: the wscat URL offers ws://, wss:// and the default wsserve address" {
	# fish sorts the candidates.
	need fish fish
	run -0 fish_complete wscat.fish 'wscat '
	assert_output $'ws://\nws://127.0.0.1:15678/\nwss://'
	run -0 fish_complete wscat.fish 'wscat -w -1 -H X:y '
	assert_output $'ws://\nws://127.0.0.1:15678/\nwss://'
	run -0 fish_complete wscat.fish 'wscat -c '
	assert_output $'ws://\nws://127.0.0.1:15678/\nwss://'
	run -0 fish_complete wscat.fish 'wscat ws://127.0.0.1/ '
	assert_output ''
	run -0 fish_complete wscat.fish 'wscat -c ws://127.0.0.1/ '
	assert_output ''
}

@test "fish: no file names, and nothing for free-text or number values" {
	need fish fish
	run -0 fish_complete wsserve.fish 'wsserve '
	assert_output ''
	run -0 fish_complete wsserve.fish 'wsserve -p '
	assert_output ''
	run -0 fish_complete wscat.fish 'wscat -H '
	assert_output ''
	run -0 fish_complete wscat.fish 'wscat --count '
	assert_output ''
	run -0 fish_complete wsserve.fish 'wsserve --max-clients '
	assert_output ''
	run -0 fish_complete wscat.fish 'wscat --ping-timeout '
	assert_output ''
	# A value after --ping-interval is not taken for the URL.
	run -0 fish_complete wscat.fish 'wscat --ping-interval 1 ws://127.0.0.1/ '
	assert_output ''
}

@test "options that take a file complete file names in bash and fish" {
	need "$BASH_COMPLETION" bash-completion
	need fish fish
	mkdir -p "$BATS_TEST_TMPDIR/cwd"
	touch "$BATS_TEST_TMPDIR/cwd/server.pem"
	cd "$BATS_TEST_TMPDIR/cwd"
	run -0 bash_complete wsserve.bash wsserve --cert ''
	assert_output server.pem
	run -0 bash_complete wscat.bash wscat --ca s
	assert_output server.pem
	run -0 fish_complete wsserve.fish 'wsserve --key '
	assert_line a-file
	run -0 fish_complete wscat.fish 'wscat --cert '
	assert_line a-file
	# ... and options taking free text still offer none.
	run -0 fish_complete wscat.fish 'wscat --passphrase '
	assert_output ''
}
