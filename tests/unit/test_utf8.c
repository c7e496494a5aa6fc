/*
 * utf8_valid against RFC 3629 / Unicode table 3-7: every boundary of the
 * well-formed ranges, and each way a sequence can be ill-formed.  Every
 * case is also fed to utf8_feed split at each position, and a byte at a
 * time, as text arrives from a socket: the verdict must not change.
 */
#include <stdbool.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "tests.h"
#include "utf8.h"

/* utf8_valid, and utf8_feed in two pieces split at every position and
 * in single bytes, all say whether p[0..n) is well-formed. */
static void
check(const char *p, size_t n, bool valid)
{
	struct utf8_state st;
	bool ok;

	CU_ASSERT_EQUAL(utf8_valid(p, n), valid);
	for (size_t k = 0; k <= n; k++) {
		memset(&st, 0, sizeof(st));
		ok = utf8_feed(&st, p, k) && utf8_feed(&st, p + k, n - k) &&
		    st.more == 0;
		CU_ASSERT_EQUAL(ok, valid);
	}
	memset(&st, 0, sizeof(st));
	ok = true;
	for (size_t i = 0; i < n && ok; i++)
		ok = utf8_feed(&st, p + i, 1);
	CU_ASSERT_EQUAL(ok && st.more == 0, valid);
}

/* Lengths are explicit so that NUL and truncation are testable. */
#define VALID(s) check((s), sizeof(s) - 1, true)
#define INVALID(s) check((s), sizeof(s) - 1, false)

static void
test_ascii(void)
{
	VALID("hello, world");
	VALID("\x7f");
	VALID("a\0b"); /* NUL is a valid code point */
}

static void
test_empty(void)
{
	CU_ASSERT_TRUE(utf8_valid("", 0));
	/* n bounds the scan: bytes past it are never read. */
	CU_ASSERT_TRUE(utf8_valid("\xff", 0));
}

static void
test_two_byte(void)
{
	VALID("\xc2\x80"); /* U+0080, lowest */
	VALID("\xdf\xbf"); /* U+07FF, highest */
	VALID("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"); /* κόσμε */
}

static void
test_three_byte(void)
{
	VALID("\xe0\xa0\x80"); /* U+0800 */
	VALID("\xe2\x82\xac"); /* U+20AC euro */
	VALID("\xed\x9f\xbf"); /* U+D7FF, below surrogates */
	VALID("\xee\x80\x80"); /* U+E000, first after */
	VALID("\xef\xbf\xbf"); /* U+FFFF */
}

static void
test_four_byte(void)
{
	VALID("\xf0\x90\x80\x80"); /* U+10000 */
	VALID("\xf0\x9f\x98\x80"); /* U+1F600 */
	VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the maximum */
}

static void
test_mixed(void)
{
	VALID("a\xc2\xa9 b\xe2\x82\xac c\xf0\x9f\x98\x80 d");
}

static void
test_lone_continuation(void)
{
	INVALID("\x80");
	INVALID("\xbf");
	INVALID("a\x80z");
}

static void
test_overlong(void)
{
	INVALID("\xc0\xaf"); /* '/' in two bytes */
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\xaf");     /* '/' in three */
	INVALID("\xe0\x9f\xbf");     /* U+07FF in three */
	INVALID("\xf0\x80\x80\xaf"); /* '/' in four */
	INVALID("\xf0\x8f\xbf\xbf"); /* U+FFFF in four */
}

static void
test_surrogates(void)
{
	INVALID("\xed\xa0\x80");	     /* U+D800 */
	INVALID("\xed\xbf\xbf");	     /* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair */
}

static void
test_above_max(void)
{
	INVALID("\xf4\x90\x80\x80"); /* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf5");
	INVALID("\xf8\x88\x80\x80\x80"); /* old five-byte form */
}

static void
test_truncated(void)
{
	INVALID("\xe2\x82"); /* euro sign, last byte missing */
	INVALID("abc\xe2\x82");
	INVALID("\xc2");
	INVALID("\xf0\x9f\x98");
	/* Cut by n, not by the data: the byte past n must not be read. */
	CU_ASSERT_FALSE(utf8_valid("\xe2\x82\xac", 2));
	CU_ASSERT_FALSE(utf8_valid("\xf0\x9f\x98\x80", 3));
	CU_ASSERT_FALSE(utf8_valid("a\xc2\xa9", 2));
}

/* A lead byte followed by a non-continuation byte. */
static void
test_bad_continuation(void)
{
	INVALID("\xc2\x41");
	INVALID("\xe2\x82\x41");
	INVALID("\xe2\x41\xac");
	INVALID("\xf0\x9f\x98\xc0");
}

static void
test_ff(void)
{
	INVALID("\xff");
	INVALID("\xfe");
	INVALID("ok\xff");
}

/* The eight-bytes-at-a-time ASCII path: one bad or multibyte byte at
 * every position of a long ASCII run is found. */
static void
test_ascii_words(void)
{
	char buf[40];

	for (size_t i = 0; i < sizeof(buf); i++) {
		memset(buf, 'a', sizeof(buf));
		buf[i] = '\xff';
		check(buf, sizeof(buf), false);
		if (i + 1 < sizeof(buf)) {
			buf[i] = '\xc3';
			buf[i + 1] = '\xa9';
			check(buf, sizeof(buf), true);
			check(buf, i + 1, false); /* cut inside it */
		}
	}
}

static const struct unit_test tests[] = {
	{ "ASCII", test_ascii },
	{ "empty", test_empty },
	{ "2-byte sequences", test_two_byte },
	{ "3-byte sequences", test_three_byte },
	{ "4-byte sequences up to U+10FFFF", test_four_byte },
	{ "mixed widths", test_mixed },
	{ "lone continuation bytes", test_lone_continuation },
	{ "overlong forms", test_overlong },
	{ "surrogates", test_surrogates },
	{ "above U+10FFFF", test_above_max },
	{ "truncated at the end", test_truncated },
	{ "bad continuation bytes", test_bad_continuation },
	{ "0xFF and 0xFE", test_ff },
	{ "long ASCII runs with one other byte anywhere", test_ascii_words },
};

int
test_utf8_add(void)
{
	return unit_add_suite("utf8", tests, UNIT_NTESTS(tests));
}
