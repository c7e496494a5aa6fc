/*
 * struct buf: lazy allocation, release on drain, the hard cap, and that
 * reclaiming the consumed front never corrupts what is still unread.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "tests.h"

#define MAX 65536

/* True when the readable bytes of b are exactly s. */
static int
buf_is(const struct buf *b, const char *s)
{
	size_t n = strlen(s);

	return buf_used(b) == n && (n == 0 || memcmp(buf_head(b), s, n) == 0);
}

static void
test_lazy(void)
{
	struct buf b;

	buf_init(&b, MAX);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.cap, 0);
	CU_ASSERT_EQUAL(buf_used(&b), 0);
	CU_ASSERT_EQUAL(buf_room(&b), MAX);
	/* Nothing to store, nothing to allocate. */
	CU_ASSERT_EQUAL(buf_append(&b, "x", 0), 0);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(buf_append(&b, "x", 1), 0);
	CU_ASSERT_PTR_NOT_NULL(b.data);
	buf_deinit(&b);
	CU_ASSERT_PTR_NULL(b.data);
}

static void
test_append_consume(void)
{
	struct buf b;

	buf_init(&b, MAX);
	CU_ASSERT_EQUAL(buf_append(&b, "hello", 5), 0);
	CU_ASSERT_EQUAL(buf_append(&b, " world", 6), 0);
	CU_ASSERT_TRUE(buf_is(&b, "hello world"));
	CU_ASSERT_EQUAL(buf_room(&b), MAX - 11);
	buf_consume(&b, 6);
	CU_ASSERT_TRUE(buf_is(&b, "world"));
	CU_ASSERT_EQUAL(buf_room(&b), MAX - 5);
	CU_ASSERT_EQUAL(buf_append(&b, "!", 1), 0);
	CU_ASSERT_TRUE(buf_is(&b, "world!"));
	buf_deinit(&b);
}

static void
test_release_on_drain(void)
{
	struct buf b;

	buf_init(&b, MAX);
	CU_ASSERT_EQUAL(buf_append(&b, "abc", 3), 0);
	buf_consume(&b, 1);
	CU_ASSERT_PTR_NOT_NULL(b.data);
	buf_consume(&b, 2);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.cap, 0);
	CU_ASSERT_EQUAL(buf_used(&b), 0);
	CU_ASSERT_EQUAL(b.max, MAX);	/* the cap survives */
	/* Usable again after the release. */
	CU_ASSERT_EQUAL(buf_append(&b, "de", 2), 0);
	CU_ASSERT_TRUE(buf_is(&b, "de"));
	buf_deinit(&b);
}

static void
test_cap(void)
{
	struct buf b;
	char big[100];

	memset(big, 'z', sizeof(big));
	buf_init(&b, 10);
	CU_ASSERT_EQUAL(buf_append(&b, big, 11), -1);
	CU_ASSERT_EQUAL(buf_used(&b), 0);
	CU_ASSERT_EQUAL(buf_append(&b, "abcdefgh", 8), 0);
	/* All or nothing: 3 more would pass 10, so none go in. */
	CU_ASSERT_EQUAL(buf_append(&b, "123", 3), -1);
	CU_ASSERT_TRUE(buf_is(&b, "abcdefgh"));
	CU_ASSERT_EQUAL(buf_append(&b, "12", 2), 0);
	CU_ASSERT_TRUE(buf_is(&b, "abcdefgh12"));
	CU_ASSERT_EQUAL(buf_room(&b), 0);
	CU_ASSERT_EQUAL(buf_append(&b, "x", 1), -1);
	CU_ASSERT(b.cap <= 10);
	/* Consuming makes room under the cap again. */
	buf_consume(&b, 4);
	CU_ASSERT_EQUAL(buf_append(&b, "WXYZ", 4), 0);
	CU_ASSERT_TRUE(buf_is(&b, "efgh12WXYZ"));
	CU_ASSERT(b.cap <= 10);
	buf_deinit(&b);
}

static void
test_append_some(void)
{
	struct buf b;

	buf_init(&b, 8);
	CU_ASSERT_EQUAL(buf_append_some(&b, "abcde", 5), 5);
	CU_ASSERT_EQUAL(buf_append_some(&b, "fghij", 5), 3);
	CU_ASSERT_TRUE(buf_is(&b, "abcdefgh"));
	CU_ASSERT_EQUAL(buf_append_some(&b, "k", 1), 0);
	CU_ASSERT_TRUE(buf_is(&b, "abcdefgh"));
	buf_consume(&b, 2);
	CU_ASSERT_EQUAL(buf_append_some(&b, "ijk", 3), 2);
	CU_ASSERT_TRUE(buf_is(&b, "cdefghij"));
	buf_deinit(&b);
}

static void
test_reserve_commit(void)
{
	struct buf b;
	char *p;

	buf_init(&b, 16);
	CU_ASSERT_EQUAL(buf_append(&b, "ab", 2), 0);
	p = buf_reserve(&b, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_EQUAL(p, buf_head(&b) + 2);
	memcpy(p, "cdef", 4);
	/* Reserved bytes are not readable until committed. */
	CU_ASSERT_TRUE(buf_is(&b, "ab"));
	buf_commit(&b, 3);
	CU_ASSERT_TRUE(buf_is(&b, "abcde"));
	CU_ASSERT_PTR_NULL(buf_reserve(&b, 12));	/* 5 + 12 > 16 */
	CU_ASSERT_TRUE(buf_is(&b, "abcde"));
	p = buf_reserve(&b, 11);			/* exactly to the cap */
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, '.', 11);
	buf_commit(&b, 11);
	CU_ASSERT_EQUAL(buf_used(&b), 16);
	CU_ASSERT_EQUAL(buf_room(&b), 0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b), "abcde...........", 16), 0);
	buf_deinit(&b);
}

/* Reserving on an empty buffer allocates and returns its start. */
static void
test_reserve_empty(void)
{
	struct buf b;
	char *p;

	buf_init(&b, MAX);
	p = buf_reserve(&b, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_EQUAL(p, b.data);
	CU_ASSERT(b.cap >= 100 && b.cap <= MAX);
	memset(p, 'q', 100);
	buf_commit(&b, 100);
	CU_ASSERT_EQUAL(buf_used(&b), 100);
	CU_ASSERT_EQUAL(buf_head(&b)[99], 'q');
	buf_deinit(&b);
}

/*
 * Uneven append/consume cycles drive the buffer through growth, in-place
 * compaction and release; a running counter checks every byte read.
 */
static void
test_compaction(void)
{
	struct buf b;
	unsigned char chunk[3001];
	unsigned int wseq = 0, rseq = 0;
	int bad = 0, fails = 0, compactions = 0, drains = 0;

	buf_init(&b, 16384);
	for (int round = 0; round < 2000; round++) {
		/* Phases of 250 rounds: filling to the cap, then draining. */
		size_t span = (round / 250) % 2 ? sizeof(chunk) + 1000 :
		    sizeof(chunk) - 1000;
		size_t in = 1 + (round * 7919) % sizeof(chunk);
		size_t out = (round * 104729) % span;

		for (size_t i = 0; i < in; i++)
			chunk[i] = (unsigned char)(wseq + i);
		/* Fits only once the consumed front is reclaimed. */
		if (b.data != NULL && b.pos > 0 && b.len + in > b.cap &&
		    buf_used(&b) + in <= b.cap)
			compactions++;
		if (buf_append(&b, chunk, in) == 0)
			wseq += in;
		else
			fails++;
		if (out > buf_used(&b))
			out = buf_used(&b);
		for (size_t i = 0; i < out; i++)
			if ((unsigned char)buf_head(&b)[i] !=
			    (unsigned char)(rseq + i))
				bad++;
		rseq += out;
		buf_consume(&b, out);
		if (b.cap > b.max)
			bad++;
		if (buf_used(&b) == 0 && b.data != NULL)
			bad++;
		if (out > 0 && buf_used(&b) == 0)
			drains++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(wseq - rseq, buf_used(&b));
	/* The cap, the memmove path and release must all have happened. */
	CU_ASSERT(fails > 0);
	CU_ASSERT(compactions > 0);
	CU_ASSERT(drains > 0);
	/* What is left is still in sequence. */
	for (size_t i = 0; i < buf_used(&b); i++)
		if ((unsigned char)buf_head(&b)[i] != (unsigned char)(rseq + i))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	buf_deinit(&b);
}

/* Dropping more than is buffered just empties it. */
static void
test_overconsume(void)
{
	struct buf b;

	buf_init(&b, MAX);
	CU_ASSERT_EQUAL(buf_append(&b, "abc", 3), 0);
	buf_consume(&b, 10);
	CU_ASSERT_EQUAL(buf_used(&b), 0);
	CU_ASSERT_PTR_NULL(b.data);
	buf_deinit(&b);
}

static const struct unit_test tests[] = {
	{ "lazy allocation", test_lazy },
	{ "append and consume", test_append_consume },
	{ "memory released when drained", test_release_on_drain },
	{ "cap enforced, all or nothing", test_cap },
	{ "buf_append_some partial", test_append_some },
	{ "reserve and commit", test_reserve_commit },
	{ "reserve on an empty buffer", test_reserve_empty },
	{ "compaction keeps contents", test_compaction },
	{ "consume past the end", test_overconsume },
};

int
test_buf_add(void)
{
	return unit_add_suite("buf", tests, UNIT_NTESTS(tests));
}
