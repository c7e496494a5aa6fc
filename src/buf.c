/*
 * Bounded, lazily allocated byte buffer.
 *
 * Storage comes back when a buffer drains, so idle connections hold none;
 * but a busy one drains and refills per message, and fresh memory for each
 * (mmap'd above glibc's threshold) costs page faults and copies.  So a
 * drained buffer's storage goes to a small process-wide cache (POOL_SLOTS
 * blocks, POOL_BYTES in all) that the next growing buffer takes from; a
 * process holds at most that much more than its buffers need.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MIN 4096
#define POOL_SLOTS 8
#define POOL_BYTES (4u << 20)		   /* cached in all, at most */
#define POOL_BLOCK_MAX ((1u << 20) + 4096) /* larger ones are freed */

static struct {
	char *p;
	size_t cap;
} pool[POOL_SLOTS];
static size_t pool_used; /* slots */
static size_t pool_bytes;

void
buf_pool_put(void *p, size_t cap)
{
	if (p == NULL)
		return;
	if (cap > POOL_BLOCK_MAX || pool_used == POOL_SLOTS ||
	    pool_bytes + cap > POOL_BYTES) {
		free(p);
		return;
	}
	pool[pool_used].p = p;
	pool[pool_used++].cap = cap;
	pool_bytes += cap;
}

void *
buf_pool_take(size_t want, size_t max, size_t *cap)
{
	size_t best = POOL_SLOTS;
	void *p;

	for (size_t i = 0; i < pool_used; i++)
		if (pool[i].cap >= want && pool[i].cap <= max &&
		    pool[i].cap / 4 < want &&
		    (best == POOL_SLOTS || pool[i].cap < pool[best].cap))
			best = i;
	if (best == POOL_SLOTS)
		return NULL;
	p = pool[best].p;
	*cap = pool[best].cap;
	pool_bytes -= *cap;
	pool[best] = pool[--pool_used];
	return p;
}

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_deinit(struct buf *b)
{
	buf_pool_put(b->data, b->cap);
	b->data = NULL;
	b->pos = b->len = b->cap = 0;
}

size_t
buf_used(const struct buf *b)
{
	return b->len - b->pos;
}

size_t
buf_room(const struct buf *b)
{
	return b->max - buf_used(b);
}

char *
buf_head(const struct buf *b)
{
	/* An empty buffer without storage: an empty string, never NULL plus
	 * an offset (undefined in C). */
	static char empty[1];

	return b->data != NULL ? b->data + b->pos : empty;
}

char *
buf_reserve(struct buf *b, size_t n)
{
	size_t used = buf_used(b), want;
	char *p;

	if (n > b->max - used)
		return NULL;
	/* Compared as differences: a sum could wrap near SIZE_MAX.  Without
	 * storage (data NULL, cap 0) there is nothing to reuse. */
	if (b->data != NULL && n <= b->cap - b->len)
		return b->data + b->len;
	/* Reclaiming the consumed front moves the live bytes: worth it when
	 * they are no more than the front (each byte then moves at most
	 * once per time it is consumed), or when the buffer cannot grow. */
	if (b->data != NULL && n <= b->cap - used &&
	    (used <= b->pos || b->cap == b->max)) {
		memmove(b->data, b->data + b->pos, used);
		b->pos = 0;
		b->len = used;
		return b->data + b->len;
	}
	/* Doubles up to max; used + n <= max, so neither sum overflows.  A
	 * buffer not worth compacting grows even if its size would do. */
	want = b->cap ? b->cap : BUF_MIN;
	while ((want < used + n || want == b->cap) && want < b->max)
		want = want > b->max / 2 ? b->max : want * 2;
	if (want > b->max)
		want = b->max;
	if ((p = buf_pool_take(want, b->max, &want)) == NULL &&
	    (p = malloc(want)) == NULL)
		return NULL;
	if (b->data != NULL)
		memcpy(p, b->data + b->pos, used);
	buf_pool_put(b->data, b->cap);
	b->data = p;
	b->cap = want;
	b->pos = 0;
	b->len = used;
	return b->data + b->len;
}

void
buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	char *dst;

	if (n == 0)
		return 0;
	if ((dst = buf_reserve(b, n)) == NULL)
		return -1;
	memcpy(dst, p, n);
	b->len += n;
	return 0;
}

size_t
buf_append_some(struct buf *b, const void *p, size_t n)
{
	if (n > buf_room(b))
		n = buf_room(b);
	return buf_append(b, p, n) == 0 ? n : 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	b->pos += n;
	if (b->pos >= b->len)
		buf_deinit(b); /* drained: give the memory back */
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *dst;
	int n;

	char *tmp;
	int r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/* vsnprintf writes a NUL past the text: format in place when there
	 * is room for it, else through a copy (an exact fit). */
	if ((dst = buf_reserve(b, (size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(dst, (size_t)n + 1, fmt, ap);
		va_end(ap);
		b->len += n;
		return 0;
	}
	if ((size_t)n > buf_room(b) || (tmp = malloc((size_t)n + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = buf_append(b, tmp, n);
	free(tmp);
	return r;
}
