/*
 * UTF-8 validation (RFC 3629) for text we send: wslay checks what it
 * receives but not what we queue, and a peer fails the connection with 1007
 * on one bad byte.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when p[0..n) is well-formed UTF-8: no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated sequence at the end. */
bool utf8_valid(const void *p, size_t n);

/* The length of the well-formed sequence p starts with (1 to 4), or 0
 * when it starts with none (n == 0 too). */
size_t utf8_seq(const void *p, size_t n);

#endif
