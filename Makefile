# wsserve / wscat — plain Makefile.  `make check` installs what it needs.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes
CPPFLAGS += -D_GNU_SOURCE -Isrc
LDLIBS   = -lwslay -lev -lssl -lcrypto -lhttp_parser -ledit -lmd -ljansson -lz

# Debian packages: build, then test.
DEPS      = gcc make libwslay-dev libev-dev libssl-dev libhttp-parser-dev \
	    libedit-dev libmd-dev libjansson-dev zlib1g-dev
TEST_DEPS = bats bats-assert bats-support libcunit1-dev python3 \
	    python3-websockets valgrind mandoc curl procps \
	    bash-completion zsh fish man-db \
	    chromium openssl clang libclang-rt-14-dev llvm \
	    clang-format-14 shellcheck python3-pexpect tmux jq \
	    tinyproxy nginx redis-server redis-tools

SRC  = src/buf.c src/log.c src/utf8.c src/url.c src/handshake.c src/net.c \
       src/proc.c src/opt.c src/lineio.c src/transport.c src/session.c \
       src/session_recv.c src/upgrade.c src/wsconn.c src/wsconn_open.c \
       src/server.c src/client.c src/page.c src/tls.c \
       src/budget.c src/policy.c src/escape.c src/display.c src/console.c \
       src/command.c src/server_console.c src/client_console.c \
       src/outq.c src/frame.c src/record.c src/server_io.c src/client_io.c \
       src/cgi.c src/child.c src/exec.c src/server_exec.c src/client_exec.c \
       src/pmd.c src/deflate.c src/proxy.c
OBJ  = $(SRC:.c=.o) src/page_html.o
BINS = wsserve wscat

UNIT_SRC = tests/unit/test_main.c tests/unit/test_url.c \
	   tests/unit/test_handshake.c tests/unit/test_utf8.c \
	   tests/unit/test_buf.c tests/unit/test_lineio.c \
	   tests/unit/test_session.c tests/unit/test_upgrade.c \
	   tests/unit/test_opt.c \
	   tests/unit/test_policy.c tests/unit/test_command.c \
	   tests/unit/test_outq.c tests/unit/test_child.c \
	   tests/unit/test_record.c tests/unit/test_cgi.c \
	   tests/unit/test_pmd.c tests/unit/test_deflate.c \
	   tests/unit/test_proxy.c

all: $(BINS)

wsserve: cmd/wsserve.o libwscore.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ cmd/wsserve.o libwscore.a $(LDLIBS)

wscat: cmd/wscat.o libwscore.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ cmd/wscat.o libwscore.a $(LDLIBS)

libwscore.a: $(OBJ)
	$(AR) rcs $@ $(OBJ)

src/page_html.o: src/page_html.S src/page.html
	$(CC) $(CFLAGS) -c -o $@ src/page_html.S

%.o: %.c src/*.h
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

tests/unit/run: $(UNIT_SRC) libwscore.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $(UNIT_SRC) libwscore.a \
		$(LDLIBS) -lcunit

# Installs only what is missing; a no-op when everything is present.
deps:
	@./.ci/deps $(DEPS)

# Debian packages, then the pinned npm packages of the node peer (tests/)
# and the browser test (tests/browser/).
test-deps:
	@./.ci/deps $(DEPS) $(TEST_DEPS)
	@./.ci/npm tests tests/browser

run: deps all
	./wsserve

unit: tests/unit/run
	./tests/unit/run

BATS_FILES = $(filter-out tests/valgrind.bats,$(wildcard tests/*.bats))

bats: all
	./tests/run-bats $(BATS_FILES)

valgrind: all
	./tests/run-bats tests/valgrind.bats

# `make lint`: formatting (clang-format 14, as Debian 12 ships it, with
# .clang-format), the man pages, the shell scripts, and clang's static
# analyzer; each step fails on any finding.  `make format` rewrites the C
# files in place.
CLANG_FORMAT = clang-format-14
LINT_C  = $(wildcard src/*.c src/*.h cmd/*.c tests/unit/*.c tests/unit/*.h \
	  tests/fuzz/*.c bench/*.c)
LINT_SH = bench/run .ci/run .ci/deps .ci/npm tests/run-bats tests/fuzz/run \
	  tests/helpers.bash tests/tls_helpers.bash tests/browser_helpers.bash \
	  tests/tty_helpers.bash deploy/wsserve-redis bench/cluster \
	  tests/peers/nginx_conf.sh

lint: lint-format lint-man lint-sh lint-analyze

lint-format:
	$(CLANG_FORMAT) --dry-run -Werror $(LINT_C)

format:
	$(CLANG_FORMAT) -i $(LINT_C)

lint-man:
	mandoc -Tlint -Wwarning man/wsserve.1 man/wscat.1

lint-sh:
	shellcheck $(LINT_SH)

# --analyzer-output text: no .plist files; -analyzer-werror: fail on any.
# One file per job, on every CPU, and again only for what changed (a
# stamp per file in build-analyze/): the analyzer is lint's slow step.
ANALYZE_OK = $(patsubst %.c,build-analyze/%.ok,$(SRC) cmd/wsserve.c cmd/wscat.c)

lint-analyze:
	@$(MAKE) --no-print-directory -j"$$(nproc)" $(ANALYZE_OK)

build-analyze/%.ok: %.c src/*.h
	@mkdir -p $(@D)
	clang --analyze --analyzer-output text -Xclang -analyzer-werror \
	    $(CPPFLAGS) -o /dev/null $<
	@touch $@

check: test-deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) lint
	./tests/run-bats $(wildcard tests/*.bats)
	$(MAKE) asan

# The integration suites again against AddressSanitizer + UBSan builds in
# build-asan/ (the tests take their binaries from WS_BIN_DIR).  UBSan only
# reports by default: make it fail the run.  Browser, docs and install
# suites do not exercise more C; hostile.bats measures RSS, which ASan
# inflates.
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_BATS  = tests/wscat.bats tests/wsserve.bats tests/handshake.bats \
	     tests/http.bats tests/tls.bats tests/interop_python.bats \
	     tests/interop_node.bats tests/flood.bats tests/strict.bats \
	     tests/stdio.bats tests/security.bats tests/compat.bats \
	     tests/tty_wsserve.bats tests/tty_wscat.bats tests/hibernate.bats \
	     tests/deflate.bats tests/proxy.bats \
	     $(wildcard tests/conformance*.bats)
ASAN_ENV   = WS_BIN_DIR=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

build-asan/%: cmd/%.c $(SRC) src/page_html.S src/page.html src/*.h
	@mkdir -p build-asan
	$(CC) $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -o $@ $< $(SRC) \
		src/page_html.S $(LDLIBS)

asan: build-asan/wsserve build-asan/wscat
	$(ASAN_ENV) ./tests/run-bats $(ASAN_BATS)

# libFuzzer targets (tests/fuzz/): `make fuzz` runs each FUZZ_SECONDS,
# `make fuzz-smoke` a few seconds each from the committed seeds.
FUZZ_SECONDS ?= 60

fuzz:
	./tests/fuzz/run $(FUZZ_SECONDS)

fuzz-smoke:
	./tests/fuzz/run --smoke

# socat is the plain-TCP baseline of the ingest figures; bench/wsload
# (not built by `make all`) is the load client of the others and their
# plain-TCP baseline server.
bench: all bench/wsload bench/jsonenc bench/deflate
	@./.ci/deps socat time nginx redis-server redis-tools
	./bench/run
	./bench/cluster

bench/wsload: bench/wsload.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ bench/wsload.c

bench/jsonenc: bench/jsonenc.c libwscore.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ bench/jsonenc.c libwscore.a \
		$(LDLIBS)

bench/deflate: bench/deflate.c libwscore.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ bench/deflate.c libwscore.a \
		$(LDLIBS)

BINDIR  = $(DESTDIR)$(PREFIX)/bin
MANDIR  = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR  = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

install: all
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 755 wsserve wscat $(BINDIR)/
	install -m 644 man/wsserve.1 man/wscat.1 $(MANDIR)/
	install -m 644 completions/wsserve.bash $(BASHDIR)/wsserve
	install -m 644 completions/wscat.bash $(BASHDIR)/wscat
	install -m 644 completions/_wsserve completions/_wscat $(ZSHDIR)/
	install -m 644 completions/wsserve.fish completions/wscat.fish $(FISHDIR)/

uninstall:
	rm -f $(BINDIR)/wsserve $(BINDIR)/wscat \
	      $(MANDIR)/wsserve.1 $(MANDIR)/wscat.1 \
	      $(BASHDIR)/wsserve $(BASHDIR)/wscat \
	      $(ZSHDIR)/_wsserve $(ZSHDIR)/_wscat \
	      $(FISHDIR)/wsserve.fish $(FISHDIR)/wscat.fish

clean:
	rm -f $(BINS) cmd/*.o src/*.o libwscore.a tests/unit/run bench/wsload \
		bench/jsonenc bench/deflate
	rm -rf build-asan build-analyze

.PHONY: all deps test-deps run unit bats valgrind lint lint-format format \
	lint-man lint-sh lint-analyze check asan bench \
	fuzz fuzz-smoke \
	install uninstall clean
