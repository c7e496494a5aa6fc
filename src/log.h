/*
 * Diagnostics on stderr, prefixed with the program name.  The only code in
 * src/ that writes to stderr.  Levels: log_msg always prints (the ready line,
 * warnings, errors), log_info unless quiet, log_debug only when verbose.
 */
#ifndef LOG_H
#define LOG_H

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* The size of every error buffer in src/: one line, NUL included. */
#define LOG_ERR_MAX 256

enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1 };

void log_init(const char *progname, enum log_level level);
void log_msg(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
