/*
 * Bytes a peer sent, made safe to show on a terminal: nothing in the
 * result is a control a terminal acts on.  C0 controls and DEL become
 * \xNN (\n and \r as such), C1 controls (CSI is one), the bidirectional
 * overrides and marks \uNNNN, bytes that are not UTF-8 \xNN; the rest,
 * UTF-8 text, passes.  log and display both show peers' bytes this way.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#define ESCAPE_MAX(n) (4 * (n) + 1) /* room for n bytes escaped, and NUL */

/* Copies n bytes of p into out (outlen bytes) escaped, but for the C0
 * bytes in keep (e.g. "\t"), which pass; cut short on a whole escape to
 * fit, NUL-ended.  Returns the length. */
size_t escape_text(char *out, size_t outlen, const void *p, size_t n,
    const char *keep);

/* When p starts with one of the hidden controls above (C1, a bidi mark),
 * the length of its UTF-8 sequence, with its code point in *cp; else 0. */
size_t escape_hidden(const void *p, size_t n, uint32_t *cp);

#endif
