/*
 * src/outq and src/frame: chunks that are reused only when nobody else
 * holds them, the segment ring (merging, growth, wrap-around, consume,
 * with the chunks' references), where frames end (the ends ring, messages
 * not yet written whole, dropping the frames not yet begun), frame headers
 * byte for byte (RFC 6455 5.2), masking against a byte-wise reference, and
 * frames encoded straight into a chunk.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "frame.h"
#include "outq.h"
#include "tests.h"

static const uint8_t MASK[4] = { 0x12, 0x34, 0x56, 0x78 };

/* Appends n bytes of a pattern that depends on seed to c; their offset. */
static size_t
fill(struct chunk *c, size_t n, unsigned seed)
{
	size_t off = c->len;

	for (size_t i = 0; i < n; i++)
		c->data[off + i] = (uint8_t)(seed * 31 + (off + i) * 7 + 1);
	c->len += n;
	return off;
}

/* True when segment i of q is c's bytes [off, off + len). */
static int
seg_is(const struct outq *q, int i, const struct chunk *c, size_t off,
    size_t len)
{
	struct iovec iov[64];
	int n = outq_iov(q, iov, 64);

	return i < n && iov[i].iov_base == c->data + off &&
	    iov[i].iov_len == len;
}

/* Every byte of q, in order, into out (of room max): their count, or
 * (size_t)-1 when they do not add up to q->bytes. */
static size_t
gather(const struct outq *q, uint8_t *out, size_t max)
{
	struct iovec iov[256];
	int n = outq_iov(q, iov, 256);
	size_t total = 0;

	if ((size_t)n != q->count)
		return (size_t)-1;
	for (int i = 0; i < n; i++) {
		if (total + iov[i].iov_len > max)
			return (size_t)-1;
		memcpy(out + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	return total == q->bytes ? total : (size_t)-1;
}

/* chunk_room */

static void
test_room_new(void)
{
	struct chunk *cur = NULL, *c;

	c = chunk_room(&cur, 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_EQUAL(cur, c);
	CU_ASSERT_EQUAL(c->refs, 1);
	CU_ASSERT_EQUAL(c->len, 0);
	CU_ASSERT(c->cap >= OUTQ_CHUNK);
	/* The whole capacity is writable (ASan / valgrind would say). */
	memset(c->data, 0xaa, c->cap);
	chunk_unref(cur);
	chunk_unref(NULL); /* fine */
}

static void
test_room_shared(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;
	size_t off;

	outq_init(&q);
	c = chunk_room(&cur, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	off = fill(c, 100, 1);
	CU_ASSERT_EQUAL(outq_push(&q, c, off, 100), 0);
	CU_ASSERT_EQUAL(c->refs, 2);
	/* Someone else holds it and it has room: the same chunk, untouched. */
	CU_ASSERT_PTR_EQUAL_FATAL(chunk_room(&cur, 100), c);
	CU_ASSERT_PTR_EQUAL(cur, c);
	CU_ASSERT_EQUAL(c->len, 100);
	CU_ASSERT_EQUAL(c->refs, 2);
	fill(c, 100, 2);
	CU_ASSERT_EQUAL(c->len, 200);
	/* Exactly the room that is left still fits. */
	CU_ASSERT_PTR_EQUAL_FATAL(chunk_room(&cur, c->cap - c->len), c);
	CU_ASSERT_EQUAL(c->len, 200);
	outq_clear(&q);
	CU_ASSERT_EQUAL(c->refs, 1);
	chunk_unref(cur);
}

static void
test_room_reuse(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;

	outq_init(&q);
	c = chunk_room(&cur, 50);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 50, 1);
	CU_ASSERT_EQUAL(outq_push(&q, c, 0, 50), 0);
	outq_consume(&q, 50); /* the queue is done with it */
	CU_ASSERT_EQUAL(c->refs, 1);
	/* Nobody else holds it and it is big enough: reset and reused. */
	CU_ASSERT_PTR_EQUAL(chunk_room(&cur, 20), c);
	CU_ASSERT_PTR_EQUAL(cur, c);
	CU_ASSERT_EQUAL(c->len, 0);
	CU_ASSERT_EQUAL(c->refs, 1);
	/* Reused even for a need of the whole capacity. */
	fill(c, 30, 2);
	CU_ASSERT_PTR_EQUAL(chunk_room(&cur, c->cap), c);
	CU_ASSERT_EQUAL(c->len, 0);
	outq_clear(&q);
	chunk_unref(cur);
}

static void
test_room_full(void)
{
	struct chunk *cur = NULL, *c, *d;
	struct outq q;
	uint8_t want[64], got[64];
	size_t off, cap;

	outq_init(&q);
	c = chunk_room(&cur, 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	cap = c->cap;
	fill(c, cap - 74, 1);
	off = fill(c, 64, 2); /* 10 bytes of room left */
	memcpy(want, c->data + off, 64);
	CU_ASSERT_EQUAL(outq_push(&q, c, off, 64), 0);
	CU_ASSERT_EQUAL(c->refs, 2);
	/* 11 bytes do not fit: a new chunk replaces it. */
	d = chunk_room(&cur, 11);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_EQUAL(d, c);
	CU_ASSERT_PTR_EQUAL(cur, d);
	CU_ASSERT_EQUAL(d->refs, 1);
	CU_ASSERT_EQUAL(d->len, 0);
	CU_ASSERT(d->cap >= OUTQ_CHUNK);
	/* The old one lives on for the queue, its bytes intact. */
	CU_ASSERT_EQUAL(c->refs, 1);
	CU_ASSERT_EQUAL(c->len, cap - 10);
	memset(d->data, 0xee, d->cap);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), 64);
	CU_ASSERT_EQUAL(memcmp(got, want, 64), 0);
	outq_clear(&q); /* frees c: a leak or a double free would show */
	chunk_unref(cur);

	/* Not shared but too small: replaced (and the old one freed). */
	cur = NULL;
	c = chunk_room(&cur, 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	d = chunk_room(&cur, c->cap + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_EQUAL(cur, d);
	CU_ASSERT(d->cap >= OUTQ_CHUNK + 1);
	CU_ASSERT_EQUAL(d->refs, 1);
	chunk_unref(cur);
}

static void
test_room_large(void)
{
	struct chunk *cur = NULL, *c, *big;
	struct outq q;
	size_t n = 3 * OUTQ_CHUNK + 7;

	outq_init(&q);
	c = chunk_room(&cur, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 1, 1);
	CU_ASSERT_EQUAL(outq_push(&q, c, 0, 1), 0);
	big = chunk_room(&cur, n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_PTR_EQUAL(cur, big);
	CU_ASSERT_EQUAL(big->cap, n); /* one frame's size, not more */
	CU_ASSERT_EQUAL(big->len, 0);
	memset(big->data, 0x5a, n);
	big->len = n;
	CU_ASSERT_EQUAL(c->refs, 1); /* the queue's */
	/* A chunk exactly OUTQ_CHUNK big is a plain one. */
	chunk_unref(cur);
	cur = NULL;
	c = chunk_room(&cur, OUTQ_CHUNK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->cap, OUTQ_CHUNK);
	chunk_unref(cur);
	outq_clear(&q);
}

static void
test_room_overflow(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;

	outq_init(&q);
	c = chunk_room(&cur, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 1, 1);
	CU_ASSERT_EQUAL(outq_push(&q, c, 0, 1), 0);
	/* No allocation of that size is tried; *cur stays as it was. */
	CU_ASSERT_PTR_NULL(chunk_room(&cur, SIZE_MAX));
	CU_ASSERT_PTR_EQUAL(cur, c);
	CU_ASSERT_EQUAL(c->refs, 2);
	CU_ASSERT_EQUAL(c->len, 1);
	outq_clear(&q);
	chunk_unref(cur);
}

/* outq_push */

static void
test_push_merge(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 1);
	fill(b, 100, 2);

	/* Nothing to push: nothing queued, no reference taken. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 0), 0);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_EQUAL(a->refs, 1);

	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 10), 0);
	CU_ASSERT_EQUAL(outq_push(&q, a, 10, 5), 0); /* contiguous */
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_EQUAL(q.bytes, 15);
	CU_ASSERT_EQUAL(a->refs, 2); /* one segment, one reference */
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 0, 15));

	CU_ASSERT_EQUAL(outq_push(&q, a, 15, 0), 0);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_EQUAL(q.bytes, 15);

	/* A gap: a segment of its own. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 20, 5), 0);
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL(a->refs, 3);
	/* Going back: not contiguous either. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 5), 0);
	CU_ASSERT_EQUAL(q.count, 3);
	/* The right offset, but another chunk. */
	CU_ASSERT_EQUAL(outq_push(&q, b, 5, 5), 0);
	CU_ASSERT_EQUAL(q.count, 4);
	CU_ASSERT_EQUAL(b->refs, 2);
	/* Contiguous with an earlier segment but not the last one. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 25, 5), 0);
	CU_ASSERT_EQUAL(q.count, 5);
	CU_ASSERT_EQUAL(a->refs, 5);
	/* And the last one extends again. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 30, 7), 0);
	CU_ASSERT_EQUAL(q.count, 5);
	CU_ASSERT_EQUAL(q.bytes, 15 + 5 + 5 + 5 + 12);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 0, 15));
	CU_ASSERT_TRUE(seg_is(&q, 1, a, 20, 5));
	CU_ASSERT_TRUE(seg_is(&q, 2, a, 0, 5));
	CU_ASSERT_TRUE(seg_is(&q, 3, b, 5, 5));
	CU_ASSERT_TRUE(seg_is(&q, 4, a, 25, 12));

	outq_clear(&q);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_PTR_NULL(q.seg);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	/* Usable again after a clear. */
	CU_ASSERT_EQUAL(outq_push(&q, b, 0, 3), 0);
	CU_ASSERT_TRUE(seg_is(&q, 0, b, 0, 3));
	outq_clear(&q);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* Segment i of the wrap test: c's bytes [4i, 4i + 3), never contiguous. */
#define WSEG(i) ((size_t)(i)*4)

static void
test_ring_wrap(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;
	uint8_t got[256], want[256];
	size_t first = 0, next = 0, n;

	outq_init(&q);
	c = chunk_room(&cur, 400);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 400, 3);

	for (; next < 6; next++)
		CU_ASSERT_EQUAL(outq_push(&q, c, WSEG(next), 3), 0);
	CU_ASSERT_EQUAL(q.cap, 8); /* RING_MIN: what follows must wrap */
	/* Four out and a bit: the head moves on. */
	outq_consume(&q, 4 * 3 + 1);
	first = 4;
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL(q.bytes, 5);
	CU_ASSERT_TRUE(seg_is(&q, 0, c, WSEG(4) + 1, 2));
	/* Six more wrap around the ring of 8, then it grows (twice). */
	for (; next < 12; next++)
		CU_ASSERT_EQUAL(outq_push(&q, c, WSEG(next), 3), 0);
	CU_ASSERT_EQUAL(q.count, 8);
	CU_ASSERT_EQUAL(q.cap, 8);
	for (; next < 30; next++)
		CU_ASSERT_EQUAL(outq_push(&q, c, WSEG(next), 3), 0);
	CU_ASSERT_EQUAL(q.count, 26);
	CU_ASSERT(q.cap >= 26);
	CU_ASSERT_EQUAL(c->refs, 1 + 26);
	CU_ASSERT_EQUAL(q.bytes, 2 + 25 * 3);

	/* In order: the partly consumed one, then the rest. */
	CU_ASSERT_TRUE(seg_is(&q, 0, c, WSEG(first) + 1, 2));
	for (size_t i = first + 1; i < next; i++)
		CU_ASSERT_TRUE(seg_is(&q, (int)(i - first), c, WSEG(i), 3));
	memcpy(want, c->data + WSEG(first) + 1, 2);
	n = 2;
	for (size_t i = first + 1; i < next; i++, n += 3)
		memcpy(want + n, c->data + WSEG(i), 3);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), n);
	CU_ASSERT_EQUAL(memcmp(got, want, n), 0);

	/* Wrap around the grown ring as well. */
	outq_consume(&q, 2 + 20 * 3);
	first += 21;
	for (; next < 60; next++)
		CU_ASSERT_EQUAL(outq_push(&q, c, WSEG(next), 3), 0);
	CU_ASSERT_EQUAL(q.count, next - first);
	for (size_t i = first; i < next; i++)
		CU_ASSERT_TRUE(seg_is(&q, (int)(i - first), c, WSEG(i), 3));
	CU_ASSERT_EQUAL(c->refs, 1 + next - first);
	outq_clear(&q);
	CU_ASSERT_EQUAL(c->refs, 1);
	chunk_unref(cur);
}

/* outq_iov */

static void
test_iov_max(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;
	struct iovec iov[8], sentinel = { (void *)&sentinel, 12345 };

	outq_init(&q);
	CU_ASSERT_EQUAL(outq_iov(&q, iov, 8), 0); /* empty, no ring yet */
	c = chunk_room(&cur, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 100, 4);
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(outq_push(&q, c, i * 10, i + 1), 0);
	for (size_t i = 0; i < 8; i++)
		iov[i] = sentinel;
	CU_ASSERT_EQUAL(outq_iov(&q, iov, 3), 3);
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_PTR_EQUAL(iov[i].iov_base, c->data + i * 10);
		CU_ASSERT_EQUAL(iov[i].iov_len, i + 1);
	}
	CU_ASSERT_PTR_EQUAL(iov[3].iov_base, sentinel.iov_base); /* untouched */
	CU_ASSERT_EQUAL(iov[3].iov_len, sentinel.iov_len);
	CU_ASSERT_EQUAL(outq_iov(&q, iov, 0), 0);
	CU_ASSERT_EQUAL(outq_iov(&q, iov, 1), 1);
	CU_ASSERT_EQUAL(outq_iov(&q, iov, 8), 5);
	CU_ASSERT_PTR_EQUAL(iov[4].iov_base, c->data + 40);
	CU_ASSERT_EQUAL(iov[4].iov_len, 5);
	CU_ASSERT_PTR_EQUAL(iov[5].iov_base, sentinel.iov_base);
	outq_clear(&q);
	chunk_unref(cur);
}

/* outq_consume */

static void
test_consume(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 5);
	fill(b, 100, 6);
	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 10), 0);
	CU_ASSERT_EQUAL(outq_push(&q, a, 20, 10), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 0, 10), 0);
	CU_ASSERT_EQUAL(a->refs, 3);
	CU_ASSERT_EQUAL(b->refs, 2);

	outq_consume(&q, 0);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_EQUAL(q.bytes, 30);

	/* Partway into the first. */
	outq_consume(&q, 4);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_EQUAL(q.bytes, 26);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 4, 6));
	CU_ASSERT_EQUAL(a->refs, 3);
	/* To its end exactly. */
	outq_consume(&q, 6);
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL(q.bytes, 20);
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 20, 10));
	/* Across one and into the next. */
	outq_consume(&q, 15);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_EQUAL(q.bytes, 5);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 2);
	CU_ASSERT_TRUE(seg_is(&q, 0, b, 5, 5));
	/* A shortened segment still extends with what follows it. */
	CU_ASSERT_EQUAL(outq_push(&q, b, 10, 5), 0);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_TRUE(seg_is(&q, 0, b, 5, 10));
	/* Everything, across several segments at once. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 50, 3), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 60, 3), 0);
	CU_ASSERT_EQUAL(q.bytes, 16);
	outq_consume(&q, 16);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	/* Empty, then used again. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 1), 0);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 0, 1));
	CU_ASSERT_EQUAL(q.bytes, 1);
	outq_clear(&q);
	CU_ASSERT_EQUAL(a->refs, 1);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* Frame ends */

/* Where the i-th frame end still queued lies, in bytes ever queued, and
 * whether it ends a message (the ring holds end << 1 | msg). */
static uint64_t
end_pos(const struct outq *q, size_t i)
{
	return q->ends[(q->ehead + i) % q->ecap] >> 1;
}

static int
end_msg(const struct outq *q, size_t i)
{
	return (int)(q->ends[(q->ehead + i) % q->ecap] & 1);
}

static void
test_push_frame(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 11);
	fill(b, 100, 12);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0); /* no ring yet */

	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 0, 10, true), 0);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_EQUAL(q.bytes, 10);
	CU_ASSERT_EQUAL(q.pushed, 10);
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 10);
	CU_ASSERT_EQUAL(end_msg(&q, 0), 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);

	/* Contiguous: the segment extends, but the frame has an end of its
	 * own (a control frame: not a message). */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 10, 6, false), 0);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 0, 16));
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 2);
	CU_ASSERT_EQUAL(end_pos(&q, 1), 16);
	CU_ASSERT_EQUAL(end_msg(&q, 1), 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);

	/* Another chunk: a segment of its own. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 0, 4, true), 0);
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL(b->refs, 2);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 3);
	CU_ASSERT_EQUAL(end_pos(&q, 2), 20);
	/* The same chunk with a gap: one too. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 30, 5, true), 0);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_EQUAL(a->refs, 3);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 4);
	CU_ASSERT_EQUAL(end_pos(&q, 3), 25);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 3);

	/* A plain push records no end; the frame pushed next extends the same
	 * segment and ends after both. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 35, 3), 0);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_EQUAL(q.pushed, 28);
	CU_ASSERT_EQUAL(q.ecount, 4);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 38, 2, true), 0);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_TRUE(seg_is(&q, 2, a, 30, 10));
	CU_ASSERT_EQUAL(a->refs, 3);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 5);
	CU_ASSERT_EQUAL(end_pos(&q, 4), 30);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 4);
	CU_ASSERT_EQUAL(q.bytes, 30);

	/* No bytes: no segment and no reference. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 50, 0, false), 0);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_EQUAL(q.bytes, 30);
	CU_ASSERT_EQUAL(q.pushed, 30);
	CU_ASSERT_EQUAL(b->refs, 2);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 4);

	outq_clear(&q);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	CU_ASSERT_PTR_NULL(q.ends);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.pushed, 0);
	CU_ASSERT_EQUAL(q.written, 0);
	CU_ASSERT_EQUAL(q.last_end, 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	/* And usable again: positions count from zero. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 60, 7, true), 0);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 7);
	outq_clear(&q);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* As wslay's send callback delivers a frame: in pieces, each pushed, and
 * one mark after the last. */
static void
test_mark_pieces(void)
{
	static const size_t piece[] = { 2, 3, 5 };
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;
	size_t off;

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	for (size_t i = 0; i < 3; i++) {
		off = fill(a, piece[i], 13);
		CU_ASSERT_EQUAL(outq_push(&q, a, off, piece[i]), 0);
	}
	CU_ASSERT_EQUAL(q.count, 1); /* appended in turn: one segment */
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, false), 0);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1); /* one end, at the total */
	CU_ASSERT_EQUAL(end_pos(&q, 0), 10);
	CU_ASSERT_EQUAL(end_msg(&q, 0), 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);

	/* Pieces in two chunks, a message. */
	off = fill(a, 4, 14);
	CU_ASSERT_EQUAL(outq_push(&q, a, off, 4), 0);
	off = fill(b, 6, 15);
	CU_ASSERT_EQUAL(outq_push(&q, b, off, 6), 0);
	CU_ASSERT_EQUAL(q.ecount, 1);
	CU_ASSERT_EQUAL(outq_mark(&q, true), 0);
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 2);
	CU_ASSERT_EQUAL(end_pos(&q, 1), 20);
	CU_ASSERT_EQUAL(end_msg(&q, 1), 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);

	/* Out; the first end goes as its last byte does. */
	outq_consume(&q, 9);
	CU_ASSERT_EQUAL(q.ecount, 2);
	CU_ASSERT_EQUAL(q.last_end, 0);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(q.ecount, 1);
	CU_ASSERT_EQUAL(q.last_end, 10);
	outq_consume(&q, 9);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.last_end, 20);
	CU_ASSERT_EQUAL(q.written, 20);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);

	/* Empty: the next frame ends where it should. */
	off = fill(b, 3, 16);
	CU_ASSERT_EQUAL(outq_push(&q, b, off, 3), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, true), 0);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 23);
	outq_clear(&q);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* outq_undelivered */

static void
test_undelivered(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 17);
	fill(b, 100, 18);
	/* A message [0, 10) in two segments, a control frame [10, 15), a
	 * message [15, 22) that shares a segment with it. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 4), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 0, 6), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 50, 5, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 55, 7, true), 0);
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);

	outq_consume(&q, 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	outq_consume(&q, 4); /* the first segment, not the frame */
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	outq_consume(&q, 5); /* all but its last byte */
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	CU_ASSERT_EQUAL(q.ecount, 3);
	outq_consume(&q, 1); /* its last byte */
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	CU_ASSERT_EQUAL(q.ecount, 2);
	CU_ASSERT_EQUAL(q.last_end, 10);
	/* The control frame, whole: not counted either way. */
	outq_consume(&q, 4);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	CU_ASSERT_EQUAL(q.ecount, 1);
	CU_ASSERT_EQUAL(q.last_end, 15);
	outq_consume(&q, 6);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	CU_ASSERT_EQUAL(q.last_end, 15);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.last_end, 22);
	CU_ASSERT_EQUAL(q.bytes, 0);

	/* Several ends passed by one consume. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 10, 3, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 13, 3, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 70, 3, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 30, 3, true), 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 3);
	outq_consume(&q, 8); /* through two messages, into the third */
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	CU_ASSERT_EQUAL(q.last_end, 28);
	outq_consume(&q, 3); /* to the end of one, into the last */
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	CU_ASSERT_EQUAL(q.last_end, 31);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.last_end, 34);
	CU_ASSERT_EQUAL(q.count, 0);
	/* Control frames only: nothing undelivered. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 80, 2, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 82, 2, false), 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.ecount, 2);
	outq_clear(&q);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* The ends ring: grows past RING_MIN, wraps, stays in order. */

#define EMAX 64

/* Frame i of the ring test: 1 to 5 bytes; a message unless i % 3 == 0. */
#define ELEN(i) (1 + (size_t)(i) % 5)
#define EMSG(i) ((i) % 3 != 0)

/* True when the ends queued are those of frames first to next. */
static int
ends_are(const struct outq *q, const uint64_t *end, size_t first, size_t next)
{
	size_t msgs = 0;

	if (q->ecount != next - first)
		return 0;
	for (size_t i = first; i < next; i++) {
		if (end_pos(q, i - first) != end[i] ||
		    end_msg(q, i - first) != EMSG(i))
			return 0;
		msgs += EMSG(i);
	}
	return outq_undelivered(q) == msgs;
}

static void
test_ends_ring(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;
	uint64_t end[EMAX];
	size_t first = 0, next = 0, off = 0, bad = 0;

	outq_init(&q);
	c = chunk_room(&cur, 400);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 400, 19);
#define PUSH_UPTO(n)                                                    \
	for (; next < (n); next++) {                                    \
		CU_ASSERT_EQUAL(outq_push_frame(&q, c, off, ELEN(next), \
				    EMSG(next)),                        \
		    0);                                                 \
		off += ELEN(next);                                      \
		end[next] = off;                                        \
	}

	PUSH_UPTO(6);
	CU_ASSERT_EQUAL(q.ecap, 8); /* RING_MIN: what follows must wrap */
	CU_ASSERT_TRUE(ends_are(&q, end, 0, 6));
	/* Four frames out and a byte: the head moves on. */
	outq_consume(&q, end[3] + 1);
	first = 4;
	CU_ASSERT_EQUAL(q.ehead, 4);
	CU_ASSERT_EQUAL(q.last_end, end[3]);
	CU_ASSERT_TRUE(ends_are(&q, end, first, next));
	/* Six more wrap around the ring of 8, full. */
	PUSH_UPTO(12);
	CU_ASSERT_EQUAL(q.ecap, 8);
	CU_ASSERT_EQUAL(q.ecount, 8);
	CU_ASSERT_TRUE(ends_are(&q, end, first, next));
	/* Then it grows, twice, keeping the order. */
	PUSH_UPTO(30);
	CU_ASSERT(q.ecap >= 26);
	CU_ASSERT_TRUE(ends_are(&q, end, first, next));
	/* Around the grown ring as well. */
	outq_consume(&q, end[24] - q.written);
	first = 25;
	CU_ASSERT_EQUAL(q.last_end, end[24]);
	CU_ASSERT_TRUE(ends_are(&q, end, first, next));
	PUSH_UPTO(EMAX);
	CU_ASSERT_TRUE(ends_are(&q, end, first, next));
	CU_ASSERT(q.ecap >= next - first);
	CU_ASSERT_EQUAL(q.count, 1); /* contiguous frames, one segment */
#undef PUSH_UPTO

	/* A byte at a time: each end goes exactly with its last byte. */
	while (q.bytes > 0) {
		outq_consume(&q, 1);
		while (first < next && end[first] <= q.written)
			first++;
		if (!ends_are(&q, end, first, next) ||
		    q.last_end != end[first - 1])
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(first, EMAX);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.written, end[EMAX - 1]);
	outq_clear(&q);
	CU_ASSERT_EQUAL(c->refs, 1);
	chunk_unref(cur);
}

/* outq_drop_unstarted */

static void
test_drop_none_written(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;
	uint8_t got[64];

	outq_init(&q);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0); /* never used */
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.pushed, 0);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 21);
	fill(b, 100, 22);
	/* Messages around a control frame in pieces. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 0, 10, true), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 0, 3), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 3, 2), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 10, 5, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 20, 4, true), 0);
	CU_ASSERT_EQUAL(q.count, 4);
	CU_ASSERT_EQUAL(a->refs, 3);
	CU_ASSERT_EQUAL(b->refs, 3);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 3);

	/* Nothing written: all of it goes; three messages. */
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 3);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.pushed, 0);
	CU_ASSERT_EQUAL(q.written, 0);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	CU_ASSERT_EQUAL(outq_iov(&q, (struct iovec[1]){ { 0 } }, 1), 0);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0); /* nothing left */

	/* The queue goes on from there. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 30, 6, true), 0);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 6);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), 6);
	CU_ASSERT_EQUAL(memcmp(got, b->data + 30, 6), 0);
	outq_consume(&q, 6);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.last_end, 6);
	/* All written: nothing to drop. */
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0);
	CU_ASSERT_EQUAL(q.pushed, 6);
	CU_ASSERT_EQUAL(q.written, 6);
	/* Control frames only: dropped, none counted. */
	CU_ASSERT_EQUAL(outq_push(&q, a, 50, 2), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 52, 2, false), 0);
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.pushed, 6);
	CU_ASSERT_EQUAL(a->refs, 1);
	outq_clear(&q);
	chunk_unref(ca);
	chunk_unref(cb);
}

static void
test_drop_partly_written(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;
	uint8_t got[64], want[64];

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 23);
	fill(b, 100, 24);
	/* Messages A [0, 10) and B [10, 20) in one segment, a control frame
	 * C [20, 25) in pieces, messages D [25, 35) and E [35, 39). */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 0, 10, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 10, 10, true), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 0, 2), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 2, 3), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 40, 10, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 10, 4, true), 0);
	CU_ASSERT_EQUAL(q.count, 4);
	CU_ASSERT_EQUAL(a->refs, 3);
	CU_ASSERT_EQUAL(b->refs, 3);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 4);

	/* A under way: kept whole, cut inside the segment it shares with
	 * B; B, D and E dropped (C is not a message). */
	outq_consume(&q, 4);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 3);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_EQUAL(q.bytes, 6);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 4, 6));
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_EQUAL(b->refs, 1);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 10);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	CU_ASSERT_EQUAL(q.pushed, 10);
	CU_ASSERT_EQUAL(q.written, 4);
	/* Again: A is still under way, nothing else to drop. */
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0);
	CU_ASSERT_EQUAL(q.bytes, 6);
	CU_ASSERT_EQUAL(q.ecount, 1);
	CU_ASSERT_EQUAL(a->refs, 2);

	/* A frame pushed after the drop ends where it really ends. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 20, 7, true), 0);
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 2);
	CU_ASSERT_EQUAL(end_pos(&q, 1), 17);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	memcpy(want, a->data + 4, 6);
	memcpy(want + 6, b->data + 20, 7);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), 13);
	CU_ASSERT_EQUAL(memcmp(got, want, 13), 0);
	outq_consume(&q, 5);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	CU_ASSERT_EQUAL(q.last_end, 10);
	outq_consume(&q, 6);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.last_end, 17);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_EQUAL(q.pushed, 17);
	CU_ASSERT_EQUAL(q.written, 17);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);
	outq_clear(&q);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* The frame under way spans segments, the last of which goes on with the
 * next frame; it is a control frame, so no message is under way. */
static void
test_drop_spanning(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;
	uint8_t got[64], want[64];

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 25);
	fill(b, 100, 26);
	CU_ASSERT_EQUAL(outq_push(&q, a, 0, 4), 0);
	CU_ASSERT_EQUAL(outq_push(&q, b, 0, 6), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, false), 0);		 /* [0, 10) */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 6, 5, true), 0);	 /* [10, 15) */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 60, 3, true), 0); /* [15, 18) */
	CU_ASSERT_EQUAL(q.count, 3);
	CU_ASSERT_TRUE(seg_is(&q, 1, b, 0, 11));

	outq_consume(&q, 2);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 2);
	CU_ASSERT_EQUAL(q.count, 2);
	CU_ASSERT_EQUAL(q.bytes, 8);
	CU_ASSERT_TRUE(seg_is(&q, 0, a, 2, 2));
	CU_ASSERT_TRUE(seg_is(&q, 1, b, 0, 6));
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_EQUAL(b->refs, 2);
	CU_ASSERT_EQUAL(q.ecount, 1);
	CU_ASSERT_EQUAL(q.pushed, 10);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	memcpy(want, a->data + 2, 2);
	memcpy(want + 2, b->data, 6);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), 8);
	CU_ASSERT_EQUAL(memcmp(got, want, 8), 0);

	/* Down to its last byte: still kept, whole. */
	outq_consume(&q, 7);
	CU_ASSERT_EQUAL(q.last_end, 0);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0);
	CU_ASSERT_EQUAL(q.bytes, 1);
	CU_ASSERT_TRUE(seg_is(&q, 0, b, 5, 1));
	CU_ASSERT_EQUAL(q.ecount, 1);
	CU_ASSERT_EQUAL(a->refs, 1);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(q.last_end, 10);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(b->refs, 1);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 0);
	outq_clear(&q);
	chunk_unref(ca);
	chunk_unref(cb);
}

static void
test_drop_at_boundary(void)
{
	struct chunk *ca = NULL, *cb = NULL, *a, *b;
	struct outq q;
	uint8_t got[64];

	outq_init(&q);
	a = chunk_room(&ca, 100);
	b = chunk_room(&cb, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fill(a, 100, 27);
	fill(b, 100, 28);
	/* A [0, 10), a control frame [10, 15) in the same segment, messages
	 * [15, 23) and [23, 28). */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 0, 10, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 10, 5, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 0, 8, true), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 30, 5, true), 0);
	CU_ASSERT_EQUAL(a->refs, 3);
	CU_ASSERT_EQUAL(b->refs, 2);

	/* A written exactly: everything after it goes, the rest of its
	 * segment with it. */
	outq_consume(&q, 10);
	CU_ASSERT_EQUAL(q.last_end, 10);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 2);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 2);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.bytes, 0);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.pushed, 10);
	CU_ASSERT_EQUAL(q.written, 10);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(a->refs, 1);
	CU_ASSERT_EQUAL(b->refs, 1);

	/* What follows starts at 10. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, b, 40, 4, true), 0);
	CU_ASSERT_EQUAL_FATAL(q.ecount, 1);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 14);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), 4);
	CU_ASSERT_EQUAL(memcmp(got, b->data + 40, 4), 0);
	outq_consume(&q, 3);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 1);
	outq_consume(&q, 1);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.last_end, 14);

	/* At the end of a control frame, the same. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 50, 5, false), 0);
	CU_ASSERT_EQUAL(outq_push_frame(&q, a, 55, 5, true), 0);
	outq_consume(&q, 5);
	CU_ASSERT_EQUAL(q.last_end, 19);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 1);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(q.pushed, 19);
	CU_ASSERT_EQUAL(a->refs, 1);
	outq_clear(&q);
	chunk_unref(ca);
	chunk_unref(cb);
}

/* Kept bytes and bytes pushed after a drop go out together, and the
 * counts come out right once everything is written. */
static void
test_drop_then_push(void)
{
	struct chunk *cur = NULL, *c;
	struct outq q;
	uint8_t got[128], want[128];
	size_t off, n;

	outq_init(&q);
	c = chunk_room(&cur, 200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fill(c, 200, 29);
	/* Frames of 7 bytes, every one a message, in one segment. */
	for (off = 0; off < 70; off += 7)
		CU_ASSERT_EQUAL(outq_push_frame(&q, c, off, 7, true), 0);
	outq_consume(&q, 17); /* into the third */
	CU_ASSERT_EQUAL(outq_undelivered(&q), 8);
	CU_ASSERT_EQUAL(outq_drop_unstarted(&q), 7);
	CU_ASSERT_EQUAL(q.bytes, 4);
	CU_ASSERT_EQUAL(q.pushed, 21);
	memcpy(want, c->data + 17, 4);
	n = 4;
	/* Where the dropped ones were: contiguous with what is kept. */
	CU_ASSERT_EQUAL(outq_push_frame(&q, c, 21, 7, true), 0);
	CU_ASSERT_EQUAL(q.count, 1);
	memcpy(want + n, c->data + 21, 7);
	n += 7;
	/* And elsewhere, in pieces. */
	CU_ASSERT_EQUAL(outq_push(&q, c, 100, 3), 0);
	CU_ASSERT_EQUAL(outq_push(&q, c, 120, 5), 0);
	CU_ASSERT_EQUAL(outq_mark(&q, true), 0);
	memcpy(want + n, c->data + 100, 3);
	memcpy(want + n + 3, c->data + 120, 5);
	n += 8;
	CU_ASSERT_EQUAL_FATAL(q.ecount, 3);
	CU_ASSERT_EQUAL(end_pos(&q, 0), 21);
	CU_ASSERT_EQUAL(end_pos(&q, 1), 28);
	CU_ASSERT_EQUAL(end_pos(&q, 2), 36);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 3);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), n);
	CU_ASSERT_EQUAL(memcmp(got, want, n), 0);
	outq_consume(&q, n);
	CU_ASSERT_EQUAL(outq_undelivered(&q), 0);
	CU_ASSERT_EQUAL(q.ecount, 0);
	CU_ASSERT_EQUAL(q.written, 36);
	CU_ASSERT_EQUAL(q.last_end, 36);
	CU_ASSERT_EQUAL(q.count, 0);
	CU_ASSERT_EQUAL(c->refs, 1);
	outq_clear(&q);
	chunk_unref(cur);
}

/* The queue against a plain model: random frames, whole or in pieces
 * (often contiguous), messages and control frames, consumes (often to a
 * frame's end) and drops over three chunks, both rings wrapping and
 * growing; segments, bytes, references, frame ends and undelivered
 * messages are checked after every step. */

#define MNCHUNK 3
#define MSPAN 2048
#define MMAX 200
#define MFMAX 400
#define MPIECES 3

struct mseg {
	int ci;
	size_t off, len;
};

struct mframe {
	uint64_t start, end;
	bool msg;
};

struct model {
	struct mseg seg[MMAX + MPIECES];
	size_t nseg;
	struct mframe fr[MFMAX + 1];
	size_t nfr;
	uint64_t pushed, written, last_end;
	uint64_t start; /* of the frame being pushed */
	size_t bytes;
};

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
m_push(struct model *m, int ci, size_t off, size_t len)
{
	struct mseg *last = m->nseg ? &m->seg[m->nseg - 1] : NULL;

	if (len == 0)
		return;
	if (last != NULL && last->ci == ci && last->off + last->len == off)
		last->len += len;
	else
		m->seg[m->nseg++] = (struct mseg){ ci, off, len };
	m->pushed += len;
	m->bytes += len;
}

static void
m_mark(struct model *m, bool msg)
{
	m->fr[m->nfr++] = (struct mframe){ m->start, m->pushed, msg };
	m->start = m->pushed;
}

static void
m_consume(struct model *m, size_t n)
{
	size_t k = 0;

	m->bytes -= n;
	m->written += n;
	while (n > 0) {
		if (n < m->seg[0].len) {
			m->seg[0].off += n;
			m->seg[0].len -= n;
			break;
		}
		n -= m->seg[0].len;
		memmove(m->seg, m->seg + 1, (m->nseg - 1) * sizeof(*m->seg));
		m->nseg--;
	}
	while (k < m->nfr && m->fr[k].end <= m->written)
		m->last_end = m->fr[k++].end;
	memmove(m->fr, m->fr + k, (m->nfr - k) * sizeof(*m->fr));
	m->nfr -= k;
}

/* A frame that has begun to go out is kept whole; the rest goes. */
static size_t
m_drop(struct model *m)
{
	size_t kept = 0, dropped = 0, n, keep = 0, i;

	if (m->nfr > 0 && m->fr[0].start < m->written)
		kept = 1;
	for (i = kept; i < m->nfr; i++)
		dropped += m->fr[i].msg;
	m->nfr = kept;
	n = kept ? (size_t)(m->fr[0].end - m->written) : 0;
	for (i = 0; i < m->nseg && keep < n; i++) {
		if (m->seg[i].len > n - keep)
			m->seg[i].len = n - keep;
		keep += m->seg[i].len;
	}
	m->nseg = i;
	m->bytes = keep;
	m->pushed = m->start = m->written + keep;
	return dropped;
}

static int
model_ok(const struct outq *q, struct chunk *const *ch, const struct model *m)
{
	struct iovec iov[MMAX + 8];
	size_t bytes = 0, msgs = 0;
	unsigned refs[MNCHUNK] = { 1, 1, 1 };

	if ((size_t)outq_iov(q, iov, MMAX + 8) != m->nseg ||
	    q->count != m->nseg)
		return 0;
	for (size_t i = 0; i < m->nseg; i++) {
		const struct mseg *s = &m->seg[i];

		if (iov[i].iov_base != ch[s->ci]->data + s->off ||
		    iov[i].iov_len != s->len || s->len == 0)
			return 0;
		bytes += s->len;
		refs[s->ci]++;
	}
	for (int k = 0; k < MNCHUNK; k++)
		if (ch[k]->refs != refs[k])
			return 0;
	if (q->bytes != bytes || m->bytes != bytes || q->pushed != m->pushed ||
	    q->written != m->written || q->last_end != m->last_end ||
	    q->ecount != m->nfr || q->pushed - q->written != bytes)
		return 0;
	for (size_t i = 0; i < m->nfr; i++) {
		if (end_pos(q, i) != m->fr[i].end ||
		    end_msg(q, i) != m->fr[i].msg)
			return 0;
		msgs += m->fr[i].msg;
	}
	return outq_undelivered(q) == msgs;
}

/* Where bytes of length len to push go: now and then right after the last
 * segment, in its chunk. */
static void
m_where(const struct model *m, uint32_t *s, size_t len, int *ci, size_t *off)
{
	*ci = (int)(rnd(s) % MNCHUNK);
	if (m->nseg > 0 && rnd(s) % 3 == 0) {
		*ci = m->seg[m->nseg - 1].ci; /* follow the last one */
		*off = m->seg[m->nseg - 1].off + m->seg[m->nseg - 1].len;
		if (*off + len > MSPAN)
			*off = 0;
	} else
		*off = rnd(s) % (MSPAN - len + 1);
}

static void
test_model(void)
{
	struct chunk *cur[MNCHUNK] = { NULL }, *ch[MNCHUNK];
	struct model *m = calloc(1, sizeof(*m));
	struct outq q;
	size_t bad = 0, maxcount = 0, maxends = 0, drops_kept = 0;
	size_t drops_msgs = 0, at_end = 0;
	uint32_t s = 0x9e3779b9;
	/* Below which op is a frame, a frame in pieces, a consume; a drop. */
	static const uint32_t fast[3] = { 35, 50, 96 },
			      slow[3] = { 50, 72, 99 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	outq_init(&q);
	for (int k = 0; k < MNCHUNK; k++) {
		ch[k] = chunk_room(&cur[k], MSPAN);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ch[k]);
		fill(ch[k], MSPAN, (unsigned)k);
	}
	for (int step = 0; step < 20000; step++) {
		uint32_t op = rnd(&s) % 100;
		/* Now and then a slow peer: the queue grows. */
		const uint32_t *lim = step / 1000 % 2 ? slow : fast;
		bool room = m->nseg + MPIECES <= MMAX && m->nfr < MFMAX;

		if (op < lim[0] && room) {
			/* A whole frame; now and then an empty one. */
			size_t len = rnd(&s) % 10 == 0 ? 0 : 1 + rnd(&s) % 23;
			bool msg = rnd(&s) % 4 != 0;
			size_t off;
			int ci;

			m_where(m, &s, len, &ci, &off);
			if (outq_push_frame(&q, ch[ci], off, len, msg) != 0)
				bad++;
			m_push(m, ci, off, len);
			m_mark(m, msg);
		} else if (op < lim[1] && room) {
			/* In pieces, then marked. */
			size_t pieces = 1 + rnd(&s) % MPIECES;
			bool msg = rnd(&s) % 2;

			for (size_t i = 0; i < pieces; i++) {
				size_t len = 1 + rnd(&s) % 12, off;
				int ci;

				m_where(m, &s, len, &ci, &off);
				if (outq_push(&q, ch[ci], off, len) != 0)
					bad++;
				m_push(m, ci, off, len);
			}
			if (outq_mark(&q, msg) != 0)
				bad++;
			m_mark(m, msg);
		} else if (op < lim[2] || !room) {
			size_t n = m->bytes ? rnd(&s) % (m->bytes + 1) : 0;
			uint32_t how = rnd(&s) % 4;

			if (how == 0 && m->nfr > 0) {
				/* To the end of a frame exactly. */
				n = (size_t)(m->fr[rnd(&s) % m->nfr].end -
				    m->written);
				at_end++;
			} else if (how == 1)
				n = n < 40 ? n : n % 40;
			outq_consume(&q, n);
			m_consume(m, n);
		} else {
			size_t want = m_drop(m), got;

			got = outq_drop_unstarted(&q);
			if (got != want)
				bad++;
			drops_kept += m->nfr;
			drops_msgs += want > 0;
		}
		if (!model_ok(&q, ch, m))
			bad++;
		if (m->nseg > maxcount)
			maxcount = m->nseg;
		if (m->nfr > maxends)
			maxends = m->nfr;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(maxcount > 16); /* the rings grew more than once */
	CU_ASSERT(maxends > 16);
	CU_ASSERT(drops_kept > 10); /* drops with a frame under way */
	CU_ASSERT(drops_msgs > 10);
	CU_ASSERT(at_end > 100);
	outq_clear(&q);
	for (int k = 0; k < MNCHUNK; k++) {
		CU_ASSERT_EQUAL(ch[k]->refs, 1);
		chunk_unref(cur[k]);
	}
	free(m);
}

/* frame_header */

/* Checks frame_header(opcode, n, mask) against the want bytes, and that
 * nothing after them was written. */
static void
check_header(int opcode, uint64_t n, const uint8_t *mask, const uint8_t *want,
    size_t wlen)
{
	uint8_t p[FRAME_HEADER_MAX + 8];
	size_t h;

	memset(p, 0xee, sizeof(p));
	h = frame_header(p, opcode, n, mask);
	CU_ASSERT_EQUAL(h, wlen);
	CU_ASSERT(h <= FRAME_HEADER_MAX);
	CU_ASSERT_EQUAL(memcmp(p, want, wlen), 0);
	for (size_t i = wlen; i < sizeof(p); i++)
		CU_ASSERT_EQUAL(p[i], 0xee);
}

static void
test_header_small(void)
{
	static const uint8_t h0[] = { 0x81, 0x00 };
	static const uint8_t h0m[] = { 0x81, 0x80, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t h125[] = { 0x82, 0x7d };
	static const uint8_t h125m[] = { 0x82, 0xfd, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t h5[] = { 0x89, 0x05 }; /* a ping */

	check_header(1, 0, NULL, h0, sizeof(h0));
	check_header(1, 0, MASK, h0m, sizeof(h0m));
	check_header(2, 125, NULL, h125, sizeof(h125));
	check_header(2, 125, MASK, h125m, sizeof(h125m));
	check_header(9, 5, NULL, h5, sizeof(h5));
}

static void
test_header_16(void)
{
	static const uint8_t h126[] = { 0x81, 0x7e, 0x00, 0x7e };
	static const uint8_t h126m[] = { 0x81, 0xfe, 0x00, 0x7e, 0x12, 0x34,
		0x56, 0x78 };
	static const uint8_t h65535[] = { 0x82, 0x7e, 0xff, 0xff };
	static const uint8_t h65535m[] = { 0x82, 0xfe, 0xff, 0xff, 0x12, 0x34,
		0x56, 0x78 };
	static const uint8_t h258[] = { 0x81, 0x7e, 0x01, 0x02 };

	check_header(1, 126, NULL, h126, sizeof(h126));
	check_header(1, 126, MASK, h126m, sizeof(h126m));
	check_header(2, 65535, NULL, h65535, sizeof(h65535));
	check_header(2, 65535, MASK, h65535m, sizeof(h65535m));
	check_header(1, 0x102, NULL, h258, sizeof(h258)); /* big-endian */
}

static void
test_header_64(void)
{
	static const uint8_t h65536[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0,
		0 };
	static const uint8_t h65536m[] = { 0x82, 0xff, 0, 0, 0, 0, 0, 0x01, 0,
		0, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t hbig[] = { 0x81, 0x7f, 0x01, 0x23, 0x45, 0x67,
		0x89, 0xab, 0xcd, 0xef };
	static const uint8_t hbigm[] = { 0x81, 0xff, 0x01, 0x23, 0x45, 0x67,
		0x89, 0xab, 0xcd, 0xef, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t hmax[] = { 0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff };

	check_header(2, 65536, NULL, h65536, sizeof(h65536));
	check_header(2, 65536, MASK, h65536m, sizeof(h65536m));
	check_header(1, 0x0123456789abcdefULL, NULL, hbig, sizeof(hbig));
	check_header(1, 0x0123456789abcdefULL, MASK, hbigm, sizeof(hbigm));
	/* The largest length RFC 6455 allows (top bit 0). */
	check_header(2, 0x7fffffffffffffffULL, NULL, hmax, sizeof(hmax));
}

/* frame_mask */

static void
ref_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *mask)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] ^ mask[i % 4];
}

static void
test_mask(void)
{
	static const uint8_t masks[2][4] = { { 0x12, 0x34, 0x56, 0x78 },
		{ 0xff, 0x00, 0xa5, 0x5a } };
	uint8_t src[64], dst[64], want[64], copy[64];
	size_t bad = 0, guard = 0, inplace = 0, twice = 0;
	uint32_t s = 12345;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rnd(&s);
	for (int k = 0; k < 2; k++)
		for (size_t n = 0; n <= 40; n++)
			for (size_t so = 0; so < 8; so++)
				for (size_t d = 0; d < 8; d++) {
					const uint8_t *mk = masks[k];

					memset(dst, 0xcc, sizeof(dst));
					ref_mask(want, src + so, n, mk);
					frame_mask(dst + d, src + so, n, mk);
					if (memcmp(dst + d, want, n) != 0)
						bad++;
					for (size_t i = 0; i < sizeof(dst); i++)
						if ((i < d || i >= d + n) &&
						    dst[i] != 0xcc)
							guard++;
					/* Back again. */
					frame_mask(copy, dst + d, n, mk);
					if (memcmp(copy, src + so, n) != 0)
						twice++;
					/* In place. */
					memcpy(copy, src, sizeof(src));
					frame_mask(copy + so, copy + so, n, mk);
					if (memcmp(copy + so, want, n) != 0 ||
					    memcmp(copy, src, so) != 0 ||
					    memcmp(copy + so + n, src + so + n,
						sizeof(src) - so - n) != 0)
						inplace++;
					frame_mask(copy + so, copy + so, n, mk);
					if (memcmp(copy, src, sizeof(src)) != 0)
						twice++;
				}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(guard, 0);
	CU_ASSERT_EQUAL(inplace, 0);
	CU_ASSERT_EQUAL(twice, 0);
}

static void
test_mask_long(void)
{
	size_t n = 100003;
	uint8_t *src = malloc(n + 3), *dst = malloc(n + 5), *want = malloc(n);
	uint32_t s = 777;

	CU_ASSERT_FATAL(src != NULL && dst != NULL && want != NULL);
	for (size_t i = 0; i < n + 3; i++)
		src[i] = (uint8_t)rnd(&s);
	ref_mask(want, src + 3, n, MASK);
	frame_mask(dst + 5, src + 3, n, MASK);
	CU_ASSERT_EQUAL(memcmp(dst + 5, want, n), 0);
	frame_mask(src + 3, src + 3, n, MASK);
	CU_ASSERT_EQUAL(memcmp(src + 3, want, n), 0);
	free(src);
	free(dst);
	free(want);
}

/* frame_encode */

static void
test_encode(void)
{
	static const uint8_t one[] = { 0x81, 0x05, 'h', 'e', 'l', 'l', 'o' };
	struct chunk *cur = NULL, *c, *c2;
	struct outq q;
	uint8_t payload[200], want[200], got[512];
	size_t off = 99, off2 = 99;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + 5);
	outq_init(&q);
	c = frame_encode(&cur, 1, "hello", 5, NULL, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_EQUAL(cur, c);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(c->len, sizeof(one));
	CU_ASSERT_EQUAL(memcmp(c->data, one, sizeof(one)), 0);
	CU_ASSERT_EQUAL(outq_push(&q, c, off, c->len - off), 0);

	/* The next, masked, right after it in the same chunk. */
	c2 = frame_encode(&cur, 2, payload, sizeof(payload), MASK, &off2);
	CU_ASSERT_PTR_EQUAL_FATAL(c2, c);
	CU_ASSERT_EQUAL(off2, sizeof(one));
	CU_ASSERT_EQUAL(c->len, sizeof(one) + 4 + 4 + sizeof(payload));
	CU_ASSERT_EQUAL(c->data[off2], 0x82);
	CU_ASSERT_EQUAL(c->data[off2 + 1], 0xfe);
	CU_ASSERT_EQUAL(c->data[off2 + 2], 0x00);
	CU_ASSERT_EQUAL(c->data[off2 + 3], 200);
	CU_ASSERT_EQUAL(memcmp(c->data + off2 + 4, MASK, 4), 0);
	ref_mask(want, payload, sizeof(payload), MASK);
	CU_ASSERT_EQUAL(memcmp(c->data + off2 + 8, want, sizeof(want)), 0);
	/* The first frame is untouched, and the two merge in the queue. */
	CU_ASSERT_EQUAL(memcmp(c->data, one, sizeof(one)), 0);
	CU_ASSERT_EQUAL(outq_push(&q, c, off2, c->len - off2), 0);
	CU_ASSERT_EQUAL(q.count, 1);
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), c->len);
	CU_ASSERT_EQUAL(memcmp(got, one, sizeof(one)), 0);

	/* An empty frame, payload NULL. */
	off = 99;
	c2 = frame_encode(&cur, 9, NULL, 0, NULL, &off);
	CU_ASSERT_PTR_EQUAL(c2, c);
	CU_ASSERT_EQUAL(off, sizeof(one) + 208);
	CU_ASSERT_EQUAL(c->len, off + 2);
	CU_ASSERT_EQUAL(c->data[off], 0x89);
	CU_ASSERT_EQUAL(c->data[off + 1], 0x00);
	off2 = c->len;
	c2 = frame_encode(&cur, 10, NULL, 0, MASK, &off);
	CU_ASSERT_PTR_EQUAL(c2, c);
	CU_ASSERT_EQUAL(off, off2);
	CU_ASSERT_EQUAL(c->len, off + 6);
	CU_ASSERT_EQUAL(c->data[off + 1], 0x80);
	CU_ASSERT_EQUAL(memcmp(c->data + off + 2, MASK, 4), 0);

	outq_clear(&q);
	chunk_unref(cur);
}

/* A frame that does not fit the current chunk starts a new one; one
 * larger than a chunk gets a chunk of its own size. */
static void
test_encode_new_chunk(void)
{
	size_t n = 4 * OUTQ_CHUNK + 3; /* > 65535: the 64-bit length */
	uint8_t *payload = malloc(n), *want = malloc(n);
	struct chunk *cur = NULL, *c, *c2;
	struct outq q;
	uint8_t got[64];
	size_t off, fill_to;

	CU_ASSERT_FATAL(payload != NULL && want != NULL);
	for (size_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(i ^ (i >> 8));
	outq_init(&q);
	c = frame_encode(&cur, 2, payload, 40, NULL, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(outq_push(&q, c, off, c->len - off), 0);
	fill_to = c->cap - 100;
	fill(c, fill_to - c->len, 9); /* 100 bytes left */

	c2 = frame_encode(&cur, 2, payload, 100, NULL, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	CU_ASSERT_PTR_NOT_EQUAL(c2, c);
	CU_ASSERT_PTR_EQUAL(cur, c2);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(c2->len, 2 + 100);
	CU_ASSERT_EQUAL(memcmp(c2->data + 2, payload, 100), 0);
	CU_ASSERT_EQUAL(c->refs, 1); /* the queue's, still readable */
	CU_ASSERT_EQUAL(gather(&q, got, sizeof(got)), 42);
	CU_ASSERT_EQUAL(got[0], 0x82);
	CU_ASSERT_EQUAL(got[1], 40);
	CU_ASSERT_EQUAL(memcmp(got + 2, payload, 40), 0);
	CU_ASSERT_EQUAL(outq_push(&q, c2, off, c2->len - off), 0);

	c = frame_encode(&cur, 1, payload, n, MASK, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_EQUAL(c, c2);
	CU_ASSERT(c->cap >= n + 14);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(c->len, 14 + n);
	CU_ASSERT_EQUAL(c->data[0], 0x81);
	CU_ASSERT_EQUAL(c->data[1], 0xff);
	CU_ASSERT_EQUAL(c->data[7], (n >> 16) & 0xff);
	CU_ASSERT_EQUAL(c->data[8], (n >> 8) & 0xff);
	CU_ASSERT_EQUAL(c->data[9], n & 0xff);
	CU_ASSERT_EQUAL(memcmp(c->data + 10, MASK, 4), 0);
	ref_mask(want, payload, n, MASK);
	CU_ASSERT_EQUAL(memcmp(c->data + 14, want, n), 0);
	CU_ASSERT_EQUAL(c2->refs, 1);

	/* Too big to encode at all: NULL, and *cur as it was. */
	c2 = frame_encode(&cur, 1, payload, SIZE_MAX, NULL, &off);
	CU_ASSERT_PTR_NULL(c2);
	CU_ASSERT_PTR_EQUAL(cur, c);
	CU_ASSERT_EQUAL(c->len, 14 + n);

	outq_clear(&q);
	chunk_unref(cur);
	free(payload);
	free(want);
}

/* As documented: a chunk that nobody else holds is reset, so a frame must
 * be queued (referenced) before the next is encoded, or it is
 * overwritten. */
static void
test_encode_unheld(void)
{
	struct chunk *cur = NULL, *c, *c2;
	size_t off = 99;

	c = frame_encode(&cur, 1, "abc", 3, NULL, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(off, 0);
	c2 = frame_encode(&cur, 2, "xy", 2, NULL, &off);
	CU_ASSERT_PTR_EQUAL(c2, c);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(c->len, 4);
	CU_ASSERT_EQUAL(c->data[0], 0x82);
	CU_ASSERT_EQUAL(memcmp(c->data + 2, "xy", 2), 0);
	chunk_unref(cur);
}

static const struct unit_test tests[] = {
	{ "chunk_room: a new chunk", test_room_new },
	{ "chunk_room: shared chunk with room", test_room_shared },
	{ "chunk_room: unshared chunk reused", test_room_reuse },
	{ "chunk_room: full chunk replaced, old kept", test_room_full },
	{ "chunk_room: large frame gets its size", test_room_large },
	{ "chunk_room: size overflow", test_room_overflow },
	{ "outq_push merges contiguous bytes only", test_push_merge },
	{ "ring grows and wraps in order", test_ring_wrap },
	{ "outq_iov with a smaller max", test_iov_max },
	{ "outq_consume partial and across", test_consume },
	{ "outq_push_frame merges, one end each", test_push_frame },
	{ "outq_mark after pieces: one end", test_mark_pieces },
	{ "outq_undelivered counts whole messages", test_undelivered },
	{ "ends ring grows and wraps in order", test_ends_ring },
	{ "outq_drop_unstarted, nothing written", test_drop_none_written },
	{ "outq_drop_unstarted keeps the frame under way",
	    test_drop_partly_written },
	{ "outq_drop_unstarted, frame across segments", test_drop_spanning },
	{ "outq_drop_unstarted at a frame boundary", test_drop_at_boundary },
	{ "outq_drop_unstarted, then more frames", test_drop_then_push },
	{ "queue against a model", test_model },
	{ "frame_header up to 125", test_header_small },
	{ "frame_header 16-bit length", test_header_16 },
	{ "frame_header 64-bit length", test_header_64 },
	{ "frame_mask against a byte-wise XOR", test_mask },
	{ "frame_mask long and unaligned", test_mask_long },
	{ "frame_encode header and payload", test_encode },
	{ "frame_encode into a new chunk", test_encode_new_chunk },
	{ "frame_encode reuses an unheld chunk", test_encode_unheld },
};

int
test_outq_add(void)
{
	return unit_add_suite("outq", tests, UNIT_NTESTS(tests));
}
