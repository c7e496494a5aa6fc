/*
 * Diagnostics on stderr.  Each call writes one whole line with one write(2)
 * so that lines from one process never tear.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "ws";
static enum log_level log_lvl = LOG_NORMAL;

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_lvl = level;
}

static void
log_vwrite(const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;

	n = snprintf(line, sizeof(line), "%s: ", log_prog);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
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
