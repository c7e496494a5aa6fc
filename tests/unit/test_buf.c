/*
 * struct buf: lazy allocation, release on drain, the hard cap, and that
 * reclaiming the consumed front never corrupts what is still unread.
 */
#include <stdint.h>
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
	CU_ASSERT_EQUAL(b.max, MAX); /* the cap survives */
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
	CU_ASSERT_PTR_NULL(buf_reserve(&b, 12)); /* 5 + 12 > 16 */
	CU_ASSERT_TRUE(buf_is(&b, "abcde"));
	p = buf_reserve(&b, 11); /* exactly to the cap */
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
		size_t span = (round / 250) % 2 ?
		    sizeof(chunk) + 1000 :
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

static void
test_printf(void)
{
	struct buf b;

	buf_init(&b, MAX);
	CU_ASSERT_EQUAL(buf_printf(&b, "%s=%d", "x", 42), 0);
	CU_ASSERT_TRUE(buf_is(&b, "x=42"));
	/* Appends; no NUL is left among the readable bytes. */
	CU_ASSERT_EQUAL(buf_printf(&b, "|%05.1f|%c", 2.5, 'z'), 0);
	CU_ASSERT_TRUE(buf_is(&b, "x=42|002.5|z"));
	CU_ASSERT_EQUAL(buf_printf(&b, "%s", ""), 0);
	CU_ASSERT_TRUE(buf_is(&b, "x=42|002.5|z"));
	/* After a consume it appends behind what is left. */
	buf_consume(&b, 5);
	CU_ASSERT_EQUAL(buf_printf(&b, "%zu", (size_t)7), 0);
	CU_ASSERT_TRUE(buf_is(&b, "002.5|z7"));
	buf_deinit(&b);
}

/* Text longer than the first allocation grows the buffer. */
static void
test_printf_grows(void)
{
	struct buf b;
	char big[10000];

	memset(big, 'g', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, MAX);
	CU_ASSERT_EQUAL(buf_append(&b, "<", 1), 0);
	CU_ASSERT_EQUAL(buf_printf(&b, "%s>", big), 0);
	CU_ASSERT_EQUAL(buf_used(&b), sizeof(big) + 1);
	CU_ASSERT_EQUAL(buf_head(&b)[0], '<');
	CU_ASSERT_EQUAL(buf_head(&b)[sizeof(big) - 1], 'g');
	CU_ASSERT_EQUAL(buf_head(&b)[sizeof(big)], '>');
	CU_ASSERT(b.cap <= MAX);
	buf_deinit(&b);
}

/* All or nothing under the cap, "as buf_append": text that fits exactly
 * goes in, one byte more leaves the buffer as it was. */
static void
test_printf_cap(void)
{
	struct buf b;

	buf_init(&b, 8);
	CU_ASSERT_EQUAL(buf_printf(&b, "%s", "abc"), 0);
	CU_ASSERT_EQUAL(buf_printf(&b, "%d", 123456), -1);
	CU_ASSERT_TRUE(buf_is(&b, "abc"));
	CU_ASSERT_EQUAL(buf_printf(&b, "%d", 12345), 0);
	CU_ASSERT_TRUE(buf_is(&b, "abc12345"));
	CU_ASSERT_EQUAL(buf_printf(&b, "%s", ""), 0);
	CU_ASSERT_EQUAL(buf_printf(&b, "x"), -1);
	CU_ASSERT_TRUE(buf_is(&b, "abc12345"));
	CU_ASSERT(b.cap <= 8);
	buf_deinit(&b);
}

/*
 * A cap near SIZE_MAX: small appends grow the allocation by doubling from
 * the first size, never past what is needed, and cap never passes max; a
 * request the cap allows but memory cannot hold fails and leaves the
 * contents alone; sizes that would wrap a sum are refused.
 */
static void
test_growth_near_max(void)
{
	static const size_t maxes[] = { SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 12345,
		SIZE_MAX - 1, SIZE_MAX };
	unsigned char chunk[97];
	size_t total, seq;
	struct buf b;
	int bad;

	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		buf_init(&b, maxes[m]);
		total = seq = 0;
		bad = 0;
		for (int i = 0; i < 1000; i++) {
			for (size_t j = 0; j < sizeof(chunk); j++)
				chunk[j] = (unsigned char)(total + j);
			if (buf_append(&b, chunk, sizeof(chunk)) != 0)
				bad++;
			total += sizeof(chunk);
			if (b.cap > b.max || b.cap < buf_used(&b) ||
			    b.cap > 2 * buf_used(&b) + 4096)
				bad++;
			/* Drop a little from the front now and then. */
			if (i % 7 == 0) {
				for (size_t j = 0; j < 13; j++)
					if ((unsigned char)buf_head(&b)[j] !=
					    (unsigned char)(seq + j))
						bad++;
				buf_consume(&b, 13);
				seq += 13;
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(buf_used(&b), total - seq);
		CU_ASSERT(b.cap <= 2 * buf_used(&b) + 4096);
		/* What the cap allows but no malloc can give. */
		CU_ASSERT_PTR_NULL(buf_reserve(&b, b.max / 2));
		CU_ASSERT_PTR_NULL(buf_reserve(&b, b.max - buf_used(&b)));
		/* Beyond the cap. */
		CU_ASSERT_PTR_NULL(buf_reserve(&b, b.max - buf_used(&b) + 1));
		CU_ASSERT_PTR_NULL(buf_reserve(&b, SIZE_MAX));
		CU_ASSERT_EQUAL(buf_append_some(&b, chunk, 1), 1);
		CU_ASSERT(b.cap <= b.max);
		/* The contents survived every failed attempt. */
		CU_ASSERT_EQUAL(buf_used(&b), total - seq + 1);
		for (size_t j = 0; j + 1 < buf_used(&b); j++)
			if ((unsigned char)buf_head(&b)[j] !=
			    (unsigned char)(seq + j))
				bad++;
		CU_ASSERT_EQUAL(bad, 0);
		buf_deinit(&b);
	}
}

static const char *
big_block(void)
{
	static char block[4096];

	memset(block, 'b', sizeof(block));
	return block;
}

/* A drained buffer's storage serves the next one that grows: no malloc,
 * fault and free per message. */
static void
test_storage_reused(void)
{
	struct buf a, b;
	char *first;

	buf_init(&a, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf_reserve(&a, 100000));
	buf_commit(&a, 100000);
	first = a.data;
	buf_consume(&a, 100000); /* drained: no storage held */
	CU_ASSERT_PTR_NULL(a.data);
	buf_init(&b, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf_reserve(&b, 90000));
	CU_ASSERT_PTR_EQUAL(b.data, first);
	buf_deinit(&b);
	/* Too small a need for that block: a fresh one. */
	buf_init(&b, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf_reserve(&b, 100));
	CU_ASSERT(b.cap < 100000);
	buf_deinit(&b);
}

/* The live bytes move to the front only when no more than were consumed:
 * appending to a mostly full buffer grows it instead. */
static void
test_compaction_amortised(void)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	CU_ASSERT_EQUAL(buf_append(&b, big_block(), 4096), 0);
	buf_consume(&b, 1000); /* 3096 live, 1000 consumed */
	CU_ASSERT_PTR_NOT_NULL(buf_reserve(&b, 1000));
	CU_ASSERT(b.cap > 4096); /* grown, not compacted in place */
	CU_ASSERT_EQUAL(buf_used(&b), 3096);
	buf_commit(&b, 1000);
	buf_consume(&b, buf_used(&b) - 10); /* 10 live */
	CU_ASSERT_PTR_NOT_NULL(buf_reserve(&b, b.cap - 20));
	CU_ASSERT_EQUAL(b.pos, 0); /* moved in place: cheap */
	CU_ASSERT_EQUAL(b.cap, 8192);
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
	{ "buf_printf appends formatted text", test_printf },
	{ "buf_printf grows the buffer", test_printf_grows },
	{ "buf_printf cap, all or nothing", test_printf_cap },
	{ "growth near a SIZE_MAX-sized cap", test_growth_near_max },
	{ "drained storage is reused", test_storage_reused },
	{ "compaction is amortised", test_compaction_amortised },
};

int
test_buf_add(void)
{
	return unit_add_suite("buf", tests, UNIT_NTESTS(tests));
}
