/*
 * permessage-deflate negotiation (RFC 7692): the offers pmd_accept takes
 * or declines and the answer it words, the answers pmd_check_answer takes
 * or refuses and what its refusal shows, and that neither reads a byte
 * past a header value.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "pmd.h"
#include "tests.h"

#define NVALUES 3 /* header values a row gives at most */

/* What wsserve always answers, before any server_max_window_bits. */
#define ANSWER                                             \
	"permessage-deflate; server_no_context_takeover; " \
	"client_no_context_takeover"

/* An assertion that names its row: a loop's failures are otherwise all
 * alike. */
#define CHECK(cond, what)                                                 \
	CU_assertImplementation(!!(cond), __LINE__, (what), __FILE__, "", \
	    CU_FALSE)

/* The header values of a row as spans, NULL ending them: their count. */
static size_t
spans(const char *const *v, struct handshake_span *s)
{
	size_t n;

	for (n = 0; n < NVALUES && v[n] != NULL; n++) {
		s[n].p = v[n];
		s[n].n = strlen(v[n]);
	}
	return n;
}

/* The row's values joined for a failure message. */
static void
describe(char *out, size_t outlen, const char *fn, const char *const *v)
{
	size_t o;

	o = snprintf(out, outlen, "%s(", fn);
	for (size_t i = 0; i < NVALUES && v[i] != NULL && o < outlen; i++)
		o += snprintf(out + o, outlen - o, "%s\"%s\"", i ? ", " : "",
		    v[i]);
	if (o < outlen)
		snprintf(out + o, outlen - o, ")");
}

/* The pm a row expects, field by field. */
static bool
pmd_is(const struct pmd *pm, const struct pmd *want)
{
	return pm->on == want->on &&
	    pm->server_no_takeover == want->server_no_takeover &&
	    pm->client_no_takeover == want->client_no_takeover &&
	    pm->server_bits == want->server_bits &&
	    pm->client_bits == want->client_bits;
}

/* pmd_accept on the values v: the pm and answer expected. */
static void
accept_is(const char *const *v, const struct pmd *want, const char *answer)
{
	struct handshake_span s[NVALUES];
	char got[PMD_ANSWER_MAX], what[512];
	struct pmd pm;
	size_t n;

	n = spans(v, s);
	describe(what, sizeof(what), "pmd_accept", v);
	/* Left over from a previous answer: must be cleared. */
	memset(got, 'x', sizeof(got));
	memset(&pm, 0xa5, sizeof(pm));
	pmd_accept(s, n, &pm, got);
	CHECK(pmd_is(&pm, want), what);
	CHECK(memchr(got, '\0', sizeof(got)) != NULL &&
		strcmp(got, answer) == 0,
	    what);
}

static void
test_accept_taken(void)
{
	static const struct {
		const char *v[NVALUES];
		int sbits, cbits;
		const char *answer;
	} c[] = {
		{ { "permessage-deflate" }, 15, 15, ANSWER },
		/* What browsers offer: the client's window is its own. */
		{ { "permessage-deflate; client_max_window_bits" }, 15, 15,
		    ANSWER },
		{ { "permessage-deflate; client_max_window_bits=10" }, 15, 10,
		    ANSWER },
		{ { "permessage-deflate; server_max_window_bits=10" }, 10, 15,
		    ANSWER "; server_max_window_bits=10" },
		{ { "permessage-deflate; server_max_window_bits=8" }, 8, 15,
		    ANSWER "; server_max_window_bits=8" },
		{ { "permessage-deflate; server_max_window_bits=9" }, 9, 15,
		    ANSWER "; server_max_window_bits=9" },
		{ { "permessage-deflate; server_max_window_bits=15" }, 15, 15,
		    ANSWER "; server_max_window_bits=15" },
		/* Our answer says no takeover whatever the client asked. */
		{ { "permessage-deflate; server_no_context_takeover; "
		    "client_no_context_takeover; server_max_window_bits=12; "
		    "client_max_window_bits=11" },
		    12, 11, ANSWER "; server_max_window_bits=12" },
		/* Quoted values, a quoted-pair among them. */
		{ { "permessage-deflate; server_max_window_bits=\"10\"" }, 10,
		    15, ANSWER "; server_max_window_bits=10" },
		{ { "permessage-deflate; server_max_window_bits=\"1\\1\"" }, 11,
		    15, ANSWER "; server_max_window_bits=11" },
		{ { "permessage-deflate; client_max_window_bits=\"12\"" }, 15,
		    12, ANSWER },
		/* Names are case-insensitive; blanks around ; and =. */
		{ { "PerMessage-Deflate; Server_Max_Window_Bits=11" }, 11, 15,
		    ANSWER "; server_max_window_bits=11" },
		{ { "permessage-deflate ;server_max_window_bits = 11 ; "
		    "client_max_window_bits" },
		    11, 15, ANSWER "; server_max_window_bits=11" },
		{ { "permessage-deflate\t;\tserver_max_window_bits\t=\t\"9\"" },
		    9, 15, ANSWER "; server_max_window_bits=9" },
		/* Another extension first, or an offer we cannot take. */
		{ { "x-webkit-deflate-frame, permessage-deflate" }, 15, 15,
		    ANSWER },
		{ { "x-foo; a=1; b=\"x,y;z\", permessage-deflate" }, 15, 15,
		    ANSWER },
		{ { "permessage-deflate; foo, permessage-deflate" }, 15, 15,
		    ANSWER },
		{ { "permessage-deflate; server_max_window_bits=7, "
		    "permessage-deflate; server_max_window_bits=9" },
		    9, 15, ANSWER "; server_max_window_bits=9" },
		/* The first offer we can honour, not the last. */
		{ { "permessage-deflate; server_max_window_bits=9, "
		    "permessage-deflate" },
		    9, 15, ANSWER "; server_max_window_bits=9" },
		/* Across header values: a bad offer, a value that does not
		 * parse, another extension, then the one we take. */
		{ { "permessage-deflate; foo",
		      "permessage-deflate; server_max_window_bits=12" },
		    12, 15, ANSWER "; server_max_window_bits=12" },
		{ { "permessage-deflate;;", "permessage-deflate" }, 15, 15,
		    ANSWER },
		{ { "x-foo", "", "permessage-deflate" }, 15, 15, ANSWER },
		/* Empty list elements are skipped (RFC 7230 section 7). */
		{ { ", ,permessage-deflate" }, 15, 15, ANSWER },
		{ { ",\t, permessage-deflate , ," }, 15, 15, ANSWER },
		{ { "permessage-deflate,," }, 15, 15, ANSWER },
	};

	struct pmd want = { .on = true };

	/* Always both no_context_takeover, the windows asked. */
	want.server_no_takeover = want.client_no_takeover = true;
	for (size_t i = 0; i < UNIT_NTESTS(c); i++) {
		want.server_bits = c[i].sbits;
		want.client_bits = c[i].cbits;
		accept_is(c[i].v, &want, c[i].answer);
	}
}

static void
test_accept_declined(void)
{
	static const char *const c[][NVALUES] = {
		{ NULL },
		{ "" },
		{ "x-webkit-deflate-frame" },
		{ "permessage-deflatex" },
		{ "deflate" },
		/* Unknown or repeated parameters. */
		{ "permessage-deflate; foo" },
		{ "permessage-deflate; foo=1" },
		{ "permessage-deflate; server_no_context_takeover; "
		  "server_no_context_takeover" },
		{ "permessage-deflate; client_no_context_takeover; "
		  "client_no_context_takeover" },
		{ "permessage-deflate; client_max_window_bits; "
		  "client_max_window_bits" },
		{ "permessage-deflate; client_max_window_bits=9; "
		  "client_max_window_bits=9" },
		{ "permessage-deflate; server_max_window_bits=10; "
		  "server_max_window_bits=10" },
		{ "permessage-deflate; server_max_window_bits=10; "
		  "SERVER_MAX_WINDOW_BITS=10" },
		/* server_max_window_bits needs a value, exactly 8 to 15. */
		{ "permessage-deflate; server_max_window_bits" },
		{ "permessage-deflate; server_max_window_bits=7" },
		{ "permessage-deflate; server_max_window_bits=16" },
		{ "permessage-deflate; server_max_window_bits=0" },
		{ "permessage-deflate; server_max_window_bits=08" },
		{ "permessage-deflate; server_max_window_bits=010" },
		{ "permessage-deflate; server_max_window_bits=1a" },
		{ "permessage-deflate; server_max_window_bits=-9" },
		{ "permessage-deflate; server_max_window_bits=+9" },
		{ "permessage-deflate; server_max_window_bits=\"\"" },
		{ "permessage-deflate; server_max_window_bits=\" 9\"" },
		{ "permessage-deflate; server_max_window_bits=\"9 \"" },
		/* The flags take no value, not even an empty one. */
		{ "permessage-deflate; server_no_context_takeover=1" },
		{ "permessage-deflate; client_no_context_takeover=\"\"" },
		{ "permessage-deflate; client_max_window_bits=16" },
		{ "permessage-deflate; client_max_window_bits=7" },
		{ "permessage-deflate; client_max_window_bits=\"\"" },
		/* Values that do not parse. */
		{ "permessage-deflate;;" },
		{ "permessage-deflate;" },
		{ "permessage-deflate; =1" },
		{ "permessage-deflate; server_max_window_bits=" },
		{ "permessage-deflate; server_max_window_bits=;" },
		{ "permessage-deflate; server_max_window_bits=\"10" },
		{ "permessage-deflate; server_max_window_bits=\"10\\" },
		{ "permessage-deflate; server_max_window_bits=10 11" },
		{ "permessage-deflate; server_max_window_bits=\"10\"x" },
		{ "permessage-deflate x" },
		{ "permessage-deflate=1" },
		{ "\"permessage-deflate\"" },
		{ "permessage-deflate; server_max_window_bits=\x01" },
		{ ";permessage-deflate" },
		/* All of several values declined. */
		{ "permessage-deflate; foo", "permessage-deflate;;", "x-foo" },
	};
	static const struct pmd off;

	for (size_t i = 0; i < UNIT_NTESTS(c); i++)
		accept_is(c[i], &off, "");
}

/* A value too long for the parser's buffer is a bad value, skipped
 * exactly: the offer after it still counts. */
static void
test_accept_long_value(void)
{
	static const char *const pre[] = {
		"permessage-deflate; server_max_window_bits=\"",
		"permessage-deflate; server_max_window_bits=",
		"permessage-deflate; foo=\"",
	};
	char v[512], digits[201], answer[PMD_ANSWER_MAX], what[600];
	struct handshake_span s;
	struct pmd pm;
	bool quoted;

	memset(digits, '1', 200);
	digits[200] = '\0';
	for (size_t i = 0; i < UNIT_NTESTS(pre); i++) {
		quoted = pre[i][strlen(pre[i]) - 1] == '"';
		snprintf(v, sizeof(v), "%s%s%s", pre[i], digits,
		    quoted ? "\"" : "");
		s.p = v;
		s.n = strlen(v);
		snprintf(what, sizeof(what), "pmd_accept(\"%s\") declined", v);
		pmd_accept(&s, 1, &pm, answer);
		CHECK(!pm.on && answer[0] == '\0', what);

		snprintf(v + strlen(v), sizeof(v) - strlen(v),
		    ", permessage-deflate; server_max_window_bits=11");
		s.n = strlen(v);
		snprintf(what, sizeof(what),
		    "pmd_accept(\"%s\") takes the second", v);
		pmd_accept(&s, 1, &pm, answer);
		CHECK(pm.on && pm.server_bits == 11, what);
		CHECK(strcmp(answer, ANSWER "; server_max_window_bits=11") == 0,
		    what);
	}
}

/* pmd_check_answer on the values v: 0 with the pm expected, or with want
 * NULL -1 and a reason that names the header. */
static void
check_is(const char *const *v, bool offered, const struct pmd *want)
{
	struct handshake_span s[NVALUES];
	char err[256], what[512];
	struct pmd pm;
	size_t n;
	int r;

	n = spans(v, s);
	describe(what, sizeof(what),
	    offered ? "pmd_check_answer" : "pmd_check_answer, not offered", v);
	err[0] = '\0';
	memset(&pm, 0xa5, sizeof(pm));
	r = pmd_check_answer(s, n, offered, &pm, err, sizeof(err));
	if (want == NULL) {
		CHECK(r == -1, what);
		CHECK(strstr(err, "Sec-WebSocket-Extensions") != NULL, what);
	} else {
		CHECK(r == 0, what);
		CHECK(pmd_is(&pm, want), what);
	}
}

static void
test_check_taken(void)
{
	static const struct {
		const char *v[NVALUES];
		bool offered;
		struct pmd want;
	} c[] = {
		/* No extension: fine whether or not we offered one. */
		{ { NULL }, false, { false, false, false, 0, 0 } },
		{ { "" }, false, { false, false, false, 0, 0 } },
		{ { NULL }, true, { false, false, false, 0, 0 } },
		{ { "" }, true, { false, false, false, 0, 0 } },
		{ { ", ," }, true, { false, false, false, 0, 0 } },
		{ { "permessage-deflate" }, true,
		    { true, false, false, 15, 15 } },
		{ { "permessage-deflate; server_no_context_takeover" }, true,
		    { true, true, false, 15, 15 } },
		{ { "permessage-deflate; client_no_context_takeover" }, true,
		    { true, false, true, 15, 15 } },
		{ { "permessage-deflate; server_no_context_takeover; "
		    "client_no_context_takeover" },
		    true, { true, true, true, 15, 15 } },
		/* What wsserve answers. */
		{ { ANSWER "; server_max_window_bits=10" }, true,
		    { true, true, true, 10, 15 } },
		{ { "permessage-deflate; client_no_context_takeover; "
		    "server_max_window_bits=9; client_max_window_bits=10; "
		    "server_no_context_takeover" },
		    true, { true, true, true, 9, 10 } },
		{ { "permessage-deflate; client_max_window_bits=\"8\"" }, true,
		    { true, false, false, 15, 8 } },
		{ { "Permessage-Deflate ;  Server_No_Context_Takeover ;"
		    "CLIENT_MAX_WINDOW_BITS = 12" },
		    true, { true, true, false, 15, 12 } },
		/* Empty values and elements around the one answer. */
		{ { "", ", permessage-deflate,", "" }, true,
		    { true, false, false, 15, 15 } },
	};

	for (size_t i = 0; i < UNIT_NTESTS(c); i++)
		check_is(c[i].v, c[i].offered, &c[i].want);
}

/* Every window size either side may be given. */
static void
test_check_bits(void)
{
	char v[128], what[160];
	struct handshake_span s;
	char err[256];
	struct pmd pm;

	for (int bits = 8; bits <= 15; bits++) {
		snprintf(v, sizeof(v),
		    "permessage-deflate; server_max_window_bits=%d", bits);
		s.p = v;
		s.n = strlen(v);
		snprintf(what, sizeof(what), "pmd_check_answer(\"%s\")", v);
		CHECK(pmd_check_answer(&s, 1, true, &pm, err, sizeof(err)) == 0,
		    what);
		CHECK(pm.on && pm.server_bits == bits && pm.client_bits == 15,
		    what);

		snprintf(v, sizeof(v),
		    "permessage-deflate; client_max_window_bits=%d", bits);
		s.n = strlen(v);
		snprintf(what, sizeof(what), "pmd_check_answer(\"%s\")", v);
		CHECK(pmd_check_answer(&s, 1, true, &pm, err, sizeof(err)) == 0,
		    what);
		CHECK(pm.on && pm.client_bits == bits && pm.server_bits == 15,
		    what);
	}
}

static void
test_check_refused(void)
{
	static const struct {
		const char *v[NVALUES];
		bool offered;
	} c[] = {
		/* Nothing offered: any extension is refused. */
		{ { "permessage-deflate" }, false },
		{ { "x-foo" }, false },
		{ { "", "permessage-deflate" }, false },
		/* An answer's client_max_window_bits has a value. */
		{ { "permessage-deflate; client_max_window_bits" }, true },
		{ { "permessage-deflate; client_max_window_bits=16" }, true },
		{ { "permessage-deflate; server_max_window_bits" }, true },
		{ { "permessage-deflate; server_max_window_bits=7" }, true },
		{ { "permessage-deflate; server_max_window_bits=08" }, true },
		{ { "permessage-deflate; foo" }, true },
		{ { "permessage-deflate; server_no_context_takeover=1" },
		    true },
		{ { "permessage-deflate; server_no_context_takeover; "
		    "server_no_context_takeover" },
		    true },
		{ { "permessage-deflate; client_max_window_bits=9; "
		    "client_max_window_bits=10" },
		    true },
		/* One answer to one offer. */
		{ { "permessage-deflate, permessage-deflate" }, true },
		{ { "permessage-deflate", "permessage-deflate" }, true },
		{ { "permessage-deflate",
		      "permessage-deflate; server_no_context_takeover" },
		    true },
		/* What we did not offer. */
		{ { "x-webkit-deflate-frame" }, true },
		{ { "permessage-deflate, x-foo" }, true },
		{ { "x-foo", "permessage-deflate" }, true },
		/* Values that do not parse, even after a good element. */
		{ { "permessage-deflate;;" }, true },
		{ { "permessage-deflate; =1" }, true },
		{ { "permessage-deflate; server_max_window_bits=\"10" }, true },
		{ { "permessage-deflate x" }, true },
		{ { "permessage-deflate, ;" }, true },
		{ { "permessage-deflate", "permessage-deflate;;" }, true },
	};

	for (size_t i = 0; i < UNIT_NTESTS(c); i++)
		check_is(c[i].v, c[i].offered, NULL);
}

/* A refusal quotes the server's value, escaped: a terminal shows the
 * reason, and the value is the server's to choose. */
static void
test_check_err_escaped(void)
{
	static const struct {
		const char *v;
		size_t n; /* 0: strlen */
		const char *raw, *shown;
	} c[] = {
		{ "permessage-deflate; foo=\x01", 0, "\x01", "\\x01" },
		{ "permessage-deflate; foo=\"\x1b[2J\"", 0, "\x1b", "\\x1b" },
		{ "x-\xe2\x80\xae-foo", 0, "\xe2\x80\xae", "\\u202e" },
		{ "permessage-deflate; foo\r\nX: 1", 0, "\r\n", "\\r\\n" },
		{ "permessage-deflate\0; foo", 24, NULL, "\\x00" },
	};
	struct handshake_span s;
	char err[512], what[160];
	struct pmd pm;

	for (size_t i = 0; i < UNIT_NTESTS(c); i++) {
		s.p = c[i].v;
		s.n = c[i].n ? c[i].n : strlen(c[i].v);
		snprintf(what, sizeof(what), "case %zu escaped in err", i);
		CHECK(pmd_check_answer(&s, 1, true, &pm, err, sizeof(err)) ==
			-1,
		    what);
		CHECK(c[i].raw == NULL || strstr(err, c[i].raw) == NULL, what);
		CHECK(strstr(err, c[i].shown) != NULL, what);
	}
}

/* A long value is cut short in the reason, which says so; a short err
 * is filled, not overrun. */
static void
test_check_err_long(void)
{
	char v[300], err[512], small[16];
	struct handshake_span s = { v, 0 };
	struct pmd pm;

	snprintf(v, sizeof(v), "permessage-deflate; foo=");
	memset(v + strlen(v), 'a', 200);
	v[24 + 200] = '\0';
	s.n = strlen(v);
	CU_ASSERT_EQUAL(pmd_check_answer(&s, 1, true, &pm, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Sec-WebSocket-Extensions"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "..."));
	CU_ASSERT(strlen(err) < 200);

	memset(small, 'z', sizeof(small));
	CU_ASSERT_EQUAL(pmd_check_answer(&s, 1, true, &pm, small,
			    sizeof(small)),
	    -1);
	CU_ASSERT_EQUAL(strlen(small), sizeof(small) - 1);
}

/*
 * A header value is a span into the request or response head, not a
 * string: nothing may be read past its last byte.  Each value is put
 * right before an unreadable page and parsed in a child process, where
 * a stray read is a SIGSEGV instead of a crash of the whole run.
 */
static void
test_reads_within_span(void)
{
	static const char *const v[] = {
		"",
		",",
		"permessage-deflate",
		"permessage-deflate;",
		"permessage-deflate; ",
		"permessage-deflate; server_no_context_takeover",
		"permessage-deflate; server_max_window_bits",
		"permessage-deflate; server_max_window_bits ",
		"permessage-deflate; server_max_window_bits=",
		"permessage-deflate; server_max_window_bits= ",
		"permessage-deflate; client_max_window_bits=",
		"permessage-deflate; server_max_window_bits=\"",
		"permessage-deflate; server_max_window_bits=\"1",
		"permessage-deflate; server_max_window_bits=\"1\\",
		"permessage-deflate; server_max_window_bits=\"10\"",
		"permessage-deflate; server_max_window_bits=10",
		"permessage-deflate,",
		"x=",
	};
	long pagesize = sysconf(_SC_PAGESIZE);
	char *page, *p, what[160], answer[PMD_ANSWER_MAX], err[256];
	struct handshake_span s;
	struct pmd pm;
	size_t n;
	int status;
	pid_t pid;

	page = mmap(NULL, 2 * pagesize, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(page != MAP_FAILED);
	CU_ASSERT_FATAL(mprotect(page + pagesize, pagesize, PROT_NONE) == 0);
	for (size_t i = 0; i < UNIT_NTESTS(v); i++) {
		n = strlen(v[i]);
		p = page + pagesize - n;
		memcpy(p, v[i], n);
		s.p = p;
		s.n = n;
		fflush(NULL);
		if ((pid = fork()) == 0) {
			pmd_accept(&s, 1, &pm, answer);
			pmd_check_answer(&s, 1, true, &pm, err, sizeof(err));
			pmd_check_answer(&s, 1, false, &pm, err, sizeof(err));
			_exit(0);
		}
		CU_ASSERT_FATAL(pid != -1);
		CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
		snprintf(what, sizeof(what),
		    "\"%s\" parsed within its span (%s %d)", v[i],
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
					  WEXITSTATUS(status));
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, what);
	}
	munmap(page, 2 * pagesize);
}

static const struct unit_test tests[] = {
	{ "accept: offers taken", test_accept_taken },
	{ "accept: offers declined", test_accept_declined },
	{ "accept: a 200-byte value", test_accept_long_value },
	{ "answer: taken", test_check_taken },
	{ "answer: every window size", test_check_bits },
	{ "answer: refused", test_check_refused },
	{ "answer: the refusal escapes the value", test_check_err_escaped },
	{ "answer: a long value in the refusal", test_check_err_long },
	{ "no read past a header value", test_reads_within_span },
};

int
test_pmd_add(void)
{
	return unit_add_suite("pmd", tests, UNIT_NTESTS(tests));
}
