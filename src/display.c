/*
 * Terminal-safe renderings of peers' bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
display_init(struct display *d, struct lineio_writer *out, struct console *con,
    bool color, size_t max_message)
{
	d->out = out;
	d->con = con;
	d->color = color;
	buf_init(&d->line, 4 * max_message + 256);
}

void
display_deinit(struct display *d)
{
	buf_deinit(&d->line);
}

/* The line built in d->line goes out, and the buffer is emptied. */
static int
emit(struct display *d)
{
	const char *p = buf_head(&d->line);
	size_t n = buf_used(&d->line);
	int r;

	r = d->con != NULL ? console_print(d->con, p, n) :
			     lineio_writer_message(d->out, p, n);
	buf_consume(&d->line, n);
	return r;
}

int
display_message(struct display *d, const char *mark, bool text,
    const uint8_t *p, size_t n)
{
	display_color(&d->line, d->color, DISPLAY_BLUE);
	buf_printf(&d->line, "%s ", mark);
	display_payload(&d->line, text, p, n);
	display_reset(&d->line, d->color);
	return emit(d);
}

int
display_notice(struct display *d, enum display_color c, const char *fmt, ...)
{
	va_list ap;
	char text[LOG_LINE_MAX];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	display_color(&d->line, d->color, c);
	buf_append(&d->line, text, strlen(text));
	if (c != DISPLAY_PLAIN)
		display_reset(&d->line, d->color);
	return emit(d);
}

void
display_quote(char *out, size_t outlen, const void *p, size_t n)
{
	struct buf b;
	size_t k;

	if (outlen == 0)
		return;
	buf_init(&b, 4 * n + 1);
	display_escape(&b, p, n);
	k = buf_used(&b) < outlen - 1 ? buf_used(&b) : outlen - 1;
	memcpy(out, buf_head(&b), k);
	out[k] = '\0';
	buf_deinit(&b);
}

const char *
display_color_valid(void *cfg, const char *when)
{
	(void)cfg;
	return strcmp(when, "auto") == 0 || strcmp(when, "always") == 0 ||
		strcmp(when, "never") == 0 ?
	    NULL :
	    "expected auto, always or never";
}

bool
display_use_color(const char *when, bool no_color, bool tty)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no_color || (when != NULL && strcmp(when, "never") == 0))
		return false;
	if (when != NULL && strcmp(when, "always") == 0)
		return true;
	if ((nc != NULL && nc[0] != '\0') ||
	    (term != NULL && strcmp(term, "dumb") == 0))
		return false;
	return tty;
}
