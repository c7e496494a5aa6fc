#!/usr/bin/env bats
# make install / uninstall into a temporary DESTDIR.

load helpers

@test "make install puts exactly the binaries, man pages and completions in place" {
	dest=$BATS_TEST_TMPDIR/root
	run -0 make -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/ws
	run -0 bash -c "cd '$dest' && find . -type f | sort"
	assert_output "$(printf '%s\n' \
		./opt/ws/bin/wscat \
		./opt/ws/bin/wsserve \
		./opt/ws/share/bash-completion/completions/wscat \
		./opt/ws/share/bash-completion/completions/wsserve \
		./opt/ws/share/fish/vendor_completions.d/wscat.fish \
		./opt/ws/share/fish/vendor_completions.d/wsserve.fish \
		./opt/ws/share/man/man1/wscat.1 \
		./opt/ws/share/man/man1/wsserve.1 \
		./opt/ws/share/zsh/site-functions/_wscat \
		./opt/ws/share/zsh/site-functions/_wsserve)"
	[ -x "$dest/opt/ws/bin/wscat" ]
	run -0 "$dest/opt/ws/bin/wscat" -V
	assert_output --regexp '^wscat [0-9]'
	# The installed page renders, and man finds it under the prefix.
	run -0 env MANPATH="$dest/opt/ws/share/man" man -P cat wscat
	assert_output --partial 'EXIT STATUS'
}

@test "make uninstall removes every installed file and nothing else" {
	dest=$BATS_TEST_TMPDIR/root
	mkdir -p "$dest/usr/local/bin"
	touch "$dest/usr/local/bin/other-tool"
	run -0 make -C "$ROOT" install DESTDIR="$dest"
	run -0 make -C "$ROOT" uninstall DESTDIR="$dest"
	run -0 bash -c "cd '$dest' && find . -type f"
	assert_output ./usr/local/bin/other-tool
}

@test "the man pages render with man -l without warnings" {
	for page in wscat wsserve; do
		run --separate-stderr -0 env MANWIDTH=80 man -l -P cat "$ROOT/man/$page.1"
		[ -z "$stderr" ]
		assert_output --partial 'RFC 6455'
	done
}
