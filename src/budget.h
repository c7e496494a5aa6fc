/*
 * A memory budget shared by the sessions of one server: the bytes held in
 * partially received messages across all connections (--max-memory).
 * Sessions add what they assemble and release it when the message is
 * delivered or dropped.  Over the budget, of the sessions in the middle
 * of a message only one reads on: the one that holds the most among those
 * that tried (it finishes its message and frees it); the others stop
 * reading, so TCP holds the rest instead of our memory.  Sessions between
 * messages read on (control frames, small messages), so a new message
 * costs at most one read before it waits.  The owner resumes the waiting
 * sessions when budget_changed() says so.
 *
 * Outgoing queues are not counted here: each is bounded by its own high
 * mark, and the server stops reading stdin while they are full.
 */
#ifndef BUDGET_H
#define BUDGET_H

#include <stdbool.h>
#include <stddef.h>

struct budget {
	size_t max;	    /* 0: no budget */
	size_t used;	    /* bytes held in partial messages */
	const void *exempt; /* the session that may read on, or NULL */
	size_t exempt_held; /* ... and what it holds */
	bool changed;	    /* readers may resume: see budget_changed */
};

void budget_init(struct budget *b, size_t max);

/* who (held bytes now held, after adding n) grows the total by n. */
void budget_add(struct budget *b, const void *who, size_t held, size_t n);

/* who drops n held bytes (its message was delivered or failed); 0 left
 * ends its exemption. */
void budget_release(struct budget *b, const void *who, size_t n);

/* Whether who, holding held bytes, must stop reading: over the budget,
 * in the middle of a message, and not the exempt reader.  A reader that
 * holds more than the exempt one (or the first, when there is none) takes
 * its place. */
bool budget_blocks(struct budget *b, const void *who, size_t held);

/* The same question without taking the place: whether to wait for
 * readability at all. */
bool budget_waits(const struct budget *b, const void *who, size_t held);

/* True once (then false) when blocked readers may try again. */
bool budget_changed(struct budget *b);

#endif
