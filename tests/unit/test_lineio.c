/*
 * linereader: bytes in, lines out, with no loop and no fd: LF and CRLF,
 * lines split across reads, the last line without LF, over-long lines
 * skipped, and non-UTF-8 lines flagged for binary.
 */
#include <stdbool.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "lineio.h"
#include "tests.h"

#define MAXLINES 16

struct seen {
	char line[MAXLINES][64];
	bool text[MAXLINES];
	int n, batches, eofs;
};

static void
line_cb(const char *p, size_t n, bool text, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAXLINES && n < sizeof(s->line[0])) {
		memcpy(s->line[s->n], p, n);
		s->line[s->n][n] = '\0';
		s->text[s->n] = text;
	}
	s->n++;
}

static void
batch_cb(void *arg)
{
	((struct seen *)arg)->batches++;
}

static void
eof_cb(void *arg)
{
	((struct seen *)arg)->eofs++;
}

static void
setup(struct linereader *r, struct seen *s, size_t max_line)
{
	memset(s, 0, sizeof(*s));
	linereader_init(r, NULL, 0, max_line, line_cb, batch_cb, eof_cb, s);
}

static void
test_lf_and_crlf(void)
{
	struct linereader r;
	struct seen s;

	setup(&r, &s, 100);
	linereader_feed(&r, "a\nbb\r\n\nc\r\r\n", 12);
	CU_ASSERT_EQUAL(s.n, 4);
	CU_ASSERT_STRING_EQUAL(s.line[0], "a");
	CU_ASSERT_STRING_EQUAL(s.line[1], "bb");
	CU_ASSERT_STRING_EQUAL(s.line[2], "");
	/* Only the one CR right before LF is part of the line end. */
	CU_ASSERT_STRING_EQUAL(s.line[3], "c\r");
	CU_ASSERT_EQUAL(r.lineno, 4);
	linereader_deinit(&r);
}

static void
test_split_reads(void)
{
	struct linereader r;
	struct seen s;
	const char *in = "hello world\nsecond\r\n";

	setup(&r, &s, 100);
	for (size_t i = 0; i < strlen(in); i++)
		linereader_feed(&r, in + i, 1);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[0], "hello world");
	CU_ASSERT_STRING_EQUAL(s.line[1], "second");
	linereader_deinit(&r);
}

static void
test_last_line_without_lf(void)
{
	struct linereader r;
	struct seen s;

	setup(&r, &s, 100);
	linereader_feed(&r, "one\ntw", 6);
	linereader_feed(&r, "o", 1);
	CU_ASSERT_EQUAL(s.n, 1);
	linereader_end(&r);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[1], "two");
	CU_ASSERT_EQUAL(s.eofs, 1);
	CU_ASSERT_EQUAL(s.batches, 1);
	/* A second end is a no-op. */
	linereader_end(&r);
	CU_ASSERT_EQUAL(s.eofs, 1);
	linereader_deinit(&r);
}

static void
test_empty_input(void)
{
	struct linereader r;
	struct seen s;

	setup(&r, &s, 100);
	linereader_end(&r);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(s.eofs, 1);
	linereader_deinit(&r);
}

static void
test_too_long_skipped(void)
{
	struct linereader r;
	struct seen s;

	setup(&r, &s, 4);
	/* "12345" is over 4 bytes; spread over reads it is skipped whole. */
	linereader_feed(&r, "ok\n123", 6);
	linereader_feed(&r, "45678", 5);
	linereader_feed(&r, "9\nfine\n", 7);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[0], "ok");
	CU_ASSERT_STRING_EQUAL(s.line[1], "fine");
	/* The skipped line still has its number. */
	CU_ASSERT_EQUAL(r.lineno, 3);
	linereader_deinit(&r);
}

static void
test_limit_is_exact(void)
{
	struct linereader r;
	struct seen s;

	setup(&r, &s, 4);
	linereader_feed(&r, "1234\r\n12345\n", 12);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_STRING_EQUAL(s.line[0], "1234");
	CU_ASSERT_EQUAL(r.lineno, 2);
	linereader_deinit(&r);
}

static void
test_binary_flag(void)
{
	struct linereader r;
	struct seen s;

	setup(&r, &s, 100);
	linereader_feed(&r, "caf\xc3\xa9\nbad\xff\n", 11);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_TRUE(s.text[0]);
	CU_ASSERT_FALSE(s.text[1]);
	CU_ASSERT_EQUAL(r.nbinary, 1);
	linereader_deinit(&r);
}

int
test_lineio_add(void)
{
	static const struct unit_test tests[] = {
		{ "LF and CRLF line ends", test_lf_and_crlf },
		{ "lines split across reads", test_split_reads },
		{ "last line without LF", test_last_line_without_lf },
		{ "empty input", test_empty_input },
		{ "over-long line skipped", test_too_long_skipped },
		{ "line limit is exact", test_limit_is_exact },
		{ "non-UTF-8 line flagged", test_binary_flag },
	};

	return unit_add_suite("lineio", tests, UNIT_NTESTS(tests));
}
