/*
 * Diagnostics on stderr.  Each call writes one whole line with one write(2)
 * so that lines from one process never tear.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"

static const char *log_prog = "ws";
static enum log_level log_lvl = LOG_NORMAL;
static void (*log_sink)(const char *, size_t, void *);
static void *log_sink_arg;

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_lvl = level;
}

void
log_set_sink(void (*fn)(const char *line, size_t n, void *arg), void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

void
log_escape(char *out, size_t outlen, const char *p, size_t n)
{
	escape_text(out, outlen, p, n, "");
}

static void
log_vwrite(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], safe[4 * LOG_LINE_MAX];
	int n, m;
	size_t k;

	n = snprintf(line, sizeof(line), "%s: ", log_prog);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	/* Peers' bytes reach these lines (reasons, headers with -v): no
	 * terminal may interpret them. */
	k = escape_text(safe, sizeof(safe) - 1, line, n, "\t\r\n");
	if (log_sink != NULL) {
		log_sink(safe, k, log_sink_arg);
		return;
	}
	safe[k++] = '\n';
	(void)!write(STDERR_FILENO, safe, k);
}

void
log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_lvl < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vwrite(fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_lvl < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	log_vwrite(fmt, ap);
	va_end(ap);
}
