/*
 * The one escaping of peers' bytes for terminals.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

/* The code point of a well-formed sequence of k bytes. */
static uint32_t
decode(const uint8_t *s, size_t k)
{
	static const uint8_t lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[k];

	for (size_t i = 1; i < k; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* C1 controls, and the marks that reorder what follows them. */
static bool
hidden_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

size_t
escape_hidden(const void *p, size_t n, uint32_t *cp)
{
	size_t k = utf8_seq(p, n);

	if (k < 2 || !hidden_control(*cp = decode(p, k)))
		return 0;
	return k;
}

size_t
escape_text(char *out, size_t outlen, const void *p, size_t n, const char *keep)
{
	const uint8_t *s = p, *end = s + n;
	char esc[8];
	size_t o = 0, k, e;

	if (outlen == 0)
		return 0;
	for (; s<end; s += k> 0 ? k : 1) {
		k = utf8_seq(s, end - s);
		if (k == 1 && *s != 0 && strchr(keep, *s) != NULL)
			e = snprintf(esc, sizeof(esc), "%c", *s);
		else if (k == 1 && *s == '\n')
			e = snprintf(esc, sizeof(esc), "\\n");
		else if (k == 1 && *s == '\r')
			e = snprintf(esc, sizeof(esc), "\\r");
		else if (k == 0 || (k == 1 && (*s < 0x20 || *s == 0x7f)))
			e = snprintf(esc, sizeof(esc), "\\x%02x", *s);
		else if (k > 1 && hidden_control(decode(s, k)))
			e = snprintf(esc, sizeof(esc), "\\u%04x",
			    (unsigned)decode(s, k));
		else {
			memcpy(esc, s, k);
			e = k;
		}
		if (o + e >= outlen)
			break;
		memcpy(out + o, esc, e);
		o += e;
	}
	out[o] = '\0';
	return o;
}
