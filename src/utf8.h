/*
 * UTF-8 validation (RFC 3629): of text we send (a peer fails the
 * connection with 1007 on one bad byte), and of text messages we receive,
 * piece by piece as they arrive.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a check across pieces of a stream is: 0 before the first. */
struct utf8_state {
	uint8_t more;	/* bytes the sequence under way still needs */
	uint8_t lo, hi; /* the range of the next one */
};

/* Checks the next n bytes of a stream: false as soon as a byte cannot be
 * part of well-formed UTF-8.  Whole when st->more is 0 at the end. */
bool utf8_feed(struct utf8_state *st, const void *p, size_t n);

/* True when p[0..n) is well-formed UTF-8: no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated sequence at the end. */
bool utf8_valid(const void *p, size_t n);

/* The length of the well-formed sequence p starts with (1 to 4), or 0
 * when it starts with none (n == 0 too). */
size_t utf8_seq(const void *p, size_t n);

#endif
