/*
 * Reference-counted chunks of encoded frames, and the per-peer queue of
 * segments that point into them.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "outq.h"

#define RING_MIN 8

/* A chunk of at least want and at most max bytes, from the block cache
 * of src/buf when it has one (no malloc, no fresh pages per message).  */
static struct chunk *
chunk_alloc(size_t want, size_t max)
{
	size_t got;
	struct chunk *c;

	if (want > SIZE_MAX - sizeof(*c))
		return NULL;
	if (max > SIZE_MAX - sizeof(*c))
		max = SIZE_MAX - sizeof(*c);
	if ((c = buf_pool_take(sizeof(*c) + want, sizeof(*c) + max, &got)) ==
	    NULL) {
		if ((c = malloc(sizeof(*c) + want)) == NULL)
			return NULL;
		got = sizeof(*c) + want;
	}
	c->refs = 1;
	c->len = 0;
	c->cap = got - sizeof(*c);
	return c;
}

struct chunk *
chunk_room(struct chunk **cur, size_t n)
{
	struct chunk *c = *cur;
	size_t cap;

	if (c != NULL && c->refs == 1 && c->cap >= n) {
		c->len = 0; /* every queue is done with it: reuse */
		return c;
	}
	if (c != NULL && c->cap - c->len >= n)
		return c;
	cap = n > OUTQ_CHUNK ? n : OUTQ_CHUNK;
	if ((c = chunk_alloc(cap, cap)) == NULL)
		return NULL;
	chunk_unref(*cur);
	*cur = c;
	return c;
}

struct chunk *
chunk_grow(struct chunk *c, size_t n, size_t max)
{
	size_t len = c != NULL ? c->len : 0, cap = c != NULL ? c->cap : 0;
	struct chunk *g;

	if (cap - len >= n)
		return c;
	if (n > SIZE_MAX - sizeof(*c) - len)
		return NULL;
	if (c == NULL)
		return chunk_alloc(n, max);
	/* Doubling keeps a message in many fragments from copying itself
	 * once per fragment. */
	cap = cap < max / 2 ? cap * 2 : max;
	if (cap < len + n)
		cap = len + n;
	if ((g = realloc(c, sizeof(*g) + cap)) == NULL)
		return NULL;
	g->cap = cap;
	return g;
}

void
chunk_unref(struct chunk *c)
{
	if (c != NULL && --c->refs == 0)
		buf_pool_put(c, sizeof(*c) + c->cap);
}

void
outq_init(struct outq *q)
{
	memset(q, 0, sizeof(*q));
}

static struct outseg *
at(const struct outq *q, size_t i)
{
	return &q->seg[(q->head + i) % q->cap];
}

static uint64_t *
end_at(const struct outq *q, size_t i)
{
	return &q->ends[(q->ehead + i) % q->ecap];
}

void
outq_clear(struct outq *q)
{
	for (size_t i = 0; i < q->count; i++)
		chunk_unref(at(q, i)->c);
	free(q->seg);
	free(q->ends);
	outq_init(q);
}

/* Doubles a ring of *cap elements of size bytes, count of them from head
 * on, moved to the front.  0 or -1. */
static int
grow(void **ring, size_t *head, size_t count, size_t *cap, size_t size)
{
	size_t n = *cap ? *cap * 2 : RING_MIN;
	char *p;

	if ((p = malloc(n * size)) == NULL)
		return -1;
	if (*ring != NULL) { /* the part up to the ring's end, then the rest */
		size_t first = count < *cap - *head ? count : *cap - *head;

		memcpy(p, (char *)*ring + *head * size, first * size);
		memcpy(p + first * size, *ring, (count - first) * size);
	}
	free(*ring);
	*ring = p;
	*head = 0;
	*cap = n;
	return 0;
}

int
outq_push(struct outq *q, struct chunk *c, size_t off, size_t len)
{
	struct outseg *last = q->count ? at(q, q->count - 1) : NULL;

	if (len == 0)
		return 0;
	if (last != NULL && last->c == c && last->off + last->len == off)
		last->len += len;
	else {
		if (q->count == q->cap &&
		    grow((void **)&q->seg, &q->head, q->count, &q->cap,
			sizeof(*q->seg)) == -1)
			return -1;
		c->refs++;
		*at(q, q->count++) = (struct outseg){ c, off, len };
	}
	q->bytes += len;
	q->pushed += len;
	return 0;
}

static int
end_room(struct outq *q)
{
	if (q->ecount < q->ecap)
		return 0;
	return grow((void **)&q->ends, &q->ehead, q->ecount, &q->ecap,
	    sizeof(*q->ends));
}

int
outq_mark(struct outq *q, bool msg)
{
	if (end_room(q) == -1)
		return -1;
	*end_at(q, q->ecount++) = q->pushed << 1 | msg;
	return 0;
}

int
outq_push_frame(struct outq *q, struct chunk *c, size_t off, size_t len,
    bool msg)
{
	if (end_room(q) == -1 || outq_push(q, c, off, len) == -1)
		return -1;
	return outq_mark(q, msg); /* there is room: cannot fail */
}

int
outq_iov(const struct outq *q, struct iovec *iov, int max)
{
	int n = 0;

	for (; n < max && (size_t)n < q->count; n++) {
		const struct outseg *s = at(q, n);

		iov[n].iov_base = s->c->data + s->off;
		iov[n].iov_len = s->len;
	}
	return n;
}

void
outq_consume(struct outq *q, size_t n)
{
	q->bytes -= n;
	q->written += n;
	while (n > 0) {
		struct outseg *s = at(q, 0);

		if (n < s->len) {
			s->off += n;
			s->len -= n;
			break;
		}
		n -= s->len;
		chunk_unref(s->c);
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	while (q->ecount > 0 && *end_at(q, 0) >> 1 <= q->written) {
		q->last_end = *end_at(q, 0) >> 1;
		q->ehead = (q->ehead + 1) % q->ecap;
		q->ecount--;
	}
}

size_t
outq_undelivered(const struct outq *q)
{
	size_t n = 0;

	for (size_t i = 0; i < q->ecount; i++)
		n += *end_at(q, i) & 1;
	return n;
}

void
outq_truncate(struct outq *q, size_t n)
{
	size_t keep = 0, i;

	for (i = 0; i < q->count && keep < n; i++) {
		struct outseg *s = at(q, i);

		if (s->len > n - keep)
			s->len = n - keep;
		keep += s->len;
	}
	for (size_t j = i; j < q->count; j++)
		chunk_unref(at(q, j)->c);
	q->count = i;
	q->pushed -= q->bytes - keep;
	q->bytes = keep;
}

size_t
outq_drop_unstarted(struct outq *q)
{
	size_t kept = 0, dropped = 0;
	uint64_t keep = q->written;

	if (q->written > q->last_end && q->ecount > 0) {
		keep = *end_at(q, 0) >> 1;
		kept = 1;
	}
	for (size_t i = kept; i < q->ecount; i++)
		dropped += *end_at(q, i) & 1;
	q->ecount = kept;
	outq_truncate(q, keep - q->written);
	return dropped;
}
