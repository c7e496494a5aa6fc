/*
 * A growable byte buffer with a hard cap.  Storage is allocated on first use
 * and released when the buffer drains, so an idle connection costs nothing.
 * Readable bytes are data[pos..len).
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t pos; /* first unread byte */
	size_t len; /* end of the readable bytes */
	size_t cap; /* allocated size */
	size_t max; /* cap never grows beyond this */
};

void buf_init(struct buf *b, size_t max);
void buf_deinit(struct buf *b);
size_t buf_used(const struct buf *b);
size_t buf_room(const struct buf *b);
char *buf_head(const struct buf *b);

/* Appends all of p or nothing.  Returns 0, or -1 when it would exceed max
 * or memory runs out. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Appends printf-formatted text, all or nothing.  0 or -1, as
 * buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends as much of p as fits; returns the count. */
size_t buf_append_some(struct buf *b, const void *p, size_t n);

/* Makes room for n more bytes and returns where to write them; commit with
 * buf_commit().  NULL when n does not fit under max. */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);

/* The process-wide cache of drained blocks, for other owners of large
 * blocks (src/outq): the smallest cached block of at least want and at
 * most max bytes, not much larger than want (budgets count capacity), its
 * size in *cap; or NULL. */
void *buf_pool_take(size_t want, size_t max, size_t *cap);
/* Keeps p (a malloc'd block of cap bytes) for a later taker, or frees
 * it. */
void buf_pool_put(void *p, size_t cap);

/* Drops n bytes from the front. */
void buf_consume(struct buf *b, size_t n);

#endif
