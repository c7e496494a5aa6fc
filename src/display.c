/*
 * Terminal-safe renderings of peers' bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display.h"
#include "escape.h"

static const char *const sgr[] = {
	[DISPLAY_PLAIN] = "",
	[DISPLAY_GREEN] = "\033[32m",
	[DISPLAY_BLUE] = "\033[34m",
	[DISPLAY_RED] = "\033[31m",
	[DISPLAY_DIM] = "\033[2m",
};

void
display_escape(struct buf *b, const void *p, size_t n)
{
	char *dst = buf_reserve(b, ESCAPE_MAX(n));

	if (dst != NULL)
		buf_commit(b, escape_text(dst, ESCAPE_MAX(n), p, n, "\t"));
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
	if (d->log_taken)
		log_set_sink(NULL, NULL);
	d->log_taken = false;
	buf_deinit(&d->line);
}

static void
log_cb(const char *line, size_t n, void *arg)
{
	struct display *d = arg;

	display_notice(d, d->log_color, "%.*s", (int)n, line);
}

void
display_take_log(struct display *d, enum display_color c)
{
	d->log_color = c;
	d->log_taken = true;
	log_set_sink(log_cb, d);
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
	escape_text(out, outlen, p, n, "\t");
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

void
display_opts_init(struct display_opts *o, const char *prog, const char *when,
    bool no_color, bool no_history, bool reads_stdin)
{
	char err[LOG_ERR_MAX];

	o->show = isatty(STDOUT_FILENO);
	o->console = o->show && reads_stdin && isatty(STDIN_FILENO);
	o->color = display_use_color(when, no_color, o->show);
	o->history = NULL;
	if (!o->console || no_history)
		return;
	if (console_history_path(prog, o->history_path, sizeof(o->history_path),
		err, sizeof(err)) == -1)
		log_msg("%s", err);
	else
		o->history = o->history_path;
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
