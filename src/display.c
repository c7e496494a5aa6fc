/*
 * Terminal-safe renderings of peers' bytes.
 */
#include <stdio.h>

#include "display.h"
#include "utf8.h"

static const char *const sgr[] = {
	[DISPLAY_PLAIN] = "",
	[DISPLAY_GREEN] = "\033[32m",
	[DISPLAY_BLUE] = "\033[34m",
	[DISPLAY_RED] = "\033[31m",
	[DISPLAY_DIM] = "\033[2m",
};

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

/* C1 controls (CSI is one), and the marks that reorder what follows. */
static bool
hidden_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

void
display_escape(struct buf *b, const void *p, size_t n)
{
	const uint8_t *s = p, *end = s + n;
	size_t k;

	while (s < end) {
		k = utf8_seq(s, end - s);
		if (k == 1 && *s == '\n')
			buf_append(b, "\\n", 2);
		else if (k == 1 && *s == '\r')
			buf_append(b, "\\r", 2);
		else if (k == 0 ||
		    (k == 1 && *s != '\t' && (*s < 0x20 || *s == 0x7f)))
			buf_printf(b, "\\x%02x", *s);
		else if (k > 1 && hidden_control(decode(s, k)))
			buf_printf(b, "\\u%04x", (unsigned)decode(s, k));
		else
			buf_append(b, s, k);
		s += k > 0 ? k : 1;
	}
}

void
display_payload(struct buf *b, bool text, const uint8_t *p, size_t n)
{
	size_t shown = n < DISPLAY_HEX_MAX ? n : DISPLAY_HEX_MAX;

	if (text) {
		display_escape(b, p, n);
		return;
	}
	buf_printf(b, "[binary, %zu byte%s]", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < shown; i++)
		buf_printf(b, " %02x", p[i]);
	if (shown < n)
		buf_printf(b, " ... (%zu more)", n - shown);
}

void
display_color(struct buf *b, bool color, enum display_color c)
{
	if (color && c != DISPLAY_PLAIN)
		buf_printf(b, "%s", sgr[c]);
}

void
display_reset(struct buf *b, bool color)
{
	if (color)
		buf_append(b, "\033[0m", 4);
}
