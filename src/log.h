/*
 * Diagnostics on stderr, prefixed with the program name.  The only code in
 * src/ that writes to stderr.  Levels: log_msg always prints (the ready line,
 * warnings, errors), log_info unless quiet, log_debug only when verbose.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* The size of every error buffer in src/: one line, NUL included. */
#define LOG_ERR_MAX 512
#define LOG_LINE_MAX 1024 /* a logged line; longer ones are cut */

enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1 };

void log_init(const char *progname, enum log_level level);
/* Lines go to fn instead of stderr while it is set (a console prints them
 * above its prompt); NULL gives them back to stderr.  The line has no LF
 * and its control bytes are escaped already. */
void log_set_sink(void (*fn)(const char *line, size_t n, void *arg), void *arg);
/* Copies n bytes of p to out (outlen bytes, NUL-ended, cut to fit)
 * escaped as src/escape says, line breaks too, for a peer's text that
 * must stay on one line.  (Every logged line is escaped anyway, but for
 * its tabs and line breaks.) */
void log_escape(char *out, size_t outlen, const char *p, size_t n);
void log_msg(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
