/*
 * Encoded frames on their way to one peer, held by reference.  A server
 * frame is unmasked, so every client gets the same bytes: a broadcast is
 * encoded once into a chunk that each client's queue points into, and a
 * queue goes out with one writev.  A session's own frames (replies,
 * control frames, a client's masked frames) go into a chunk of its own.
 *
 * Ownership: a chunk lives while a queue or a writer holds a reference;
 * whoever appends to a chunk holds it as its "current" chunk.
 */
#ifndef OUTQ_H
#define OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define OUTQ_CHUNK (16 * 1024) /* bytes per chunk, or one larger frame */

struct chunk {
	unsigned refs;
	size_t len; /* bytes appended so far: they never change again */
	size_t cap;
	uint8_t data[];
};

/* Where n more bytes can be appended to the current chunk *cur (NULL for
 * none): *cur itself, reset when nobody else holds it, or a new chunk
 * that replaces it.  NULL when out of memory.  Append at data + len, then
 * add to len. */
struct chunk *chunk_room(struct chunk **cur, size_t n);

/* Room for n more bytes in c, which nobody else holds (NULL: a new one),
 * by doubling up to max if need be: the chunk, perhaps moved, or NULL
 * when out of memory (c is then intact). */
struct chunk *chunk_grow(struct chunk *c, size_t n, size_t max);

/* Drops a reference; NULL is fine. */
void chunk_unref(struct chunk *c);

struct outseg {
	struct chunk *c; /* a reference */
	size_t off, len;
};

struct outq {
	struct outseg *seg; /* a ring of cap segments; owned */
	size_t head, count, cap;
	size_t bytes;	/* in all segments */
	uint64_t *ends; /* a ring: where frames end, in bytes ever queued,
			 * as end << 1 | (1 for a message); owned */
	size_t ehead, ecount, ecap;
	uint64_t pushed, written; /* bytes ever queued, and written */
	uint64_t last_end;	  /* the end of the last frame written whole */
};

void outq_init(struct outq *q);
/* Drops every segment and the rings. */
void outq_clear(struct outq *q);

/* Queues c's bytes [off, off + len), taking a reference; bytes that
 * follow the last segment's in the same chunk extend it.  0, or -1 when
 * out of memory. */
int outq_push(struct outq *q, struct chunk *c, size_t off, size_t len);

/* Remembers that a frame (a whole message when msg) ends where the queue
 * ends now.  0, or -1 when out of memory. */
int outq_mark(struct outq *q, bool msg);

/* outq_push and outq_mark, both or neither: a whole frame.  0 or -1. */
int outq_push_frame(struct outq *q, struct chunk *c, size_t off, size_t len,
    bool msg);

/* The first segments, at most max of them, as iovecs; their count. */
int outq_iov(const struct outq *q, struct iovec *iov, int max);

/* Drops n written bytes from the front (n <= bytes). */
void outq_consume(struct outq *q, size_t n);

/* Keeps only the first n bytes (n <= bytes): undoes pushes made since
 * the queue held n, with no mark among them. */
void outq_truncate(struct outq *q, size_t n);

/* Messages not yet written whole. */
size_t outq_undelivered(const struct outq *q);

/* Drops the frames that have not begun to go out (one under way is kept:
 * the stream stays well-formed); the count of messages dropped. */
size_t outq_drop_unstarted(struct outq *q);

#endif
