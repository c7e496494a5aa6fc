/*
 * Command-line helpers: one option table per binary drives getopt_long and
 * --help (curl's one-row-per-option idea), and range-checked number parsing
 * in the style of OpenBSD's strtonum.
 */
#ifndef OPT_H
#define OPT_H

#include <getopt.h>
#include <stdio.h>

#define OPT_MAX 64

struct opt_def {
	const char *name;	/* long name, or NULL for a short-only one */
	int val;		/* short letter, or a value >= 256 */
	const char *arg;	/* argument name, NULL for a flag */
	const char *help;
};

/* Fills longopts (size OPT_MAX) and the getopt short string (size
 * 3*OPT_MAX + 1, starting with ':' so that errors come back to the caller
 * as ':' and '?', see opt_error) from the table, which ends with a zeroed row (val 0). */
void opt_build(const struct opt_def *defs, struct option *longopts,
    char *shortopts);

/* For getopt_long's ':' (missing argument) or '?' (unknown option),
 * describes the problem in msg, naming the option. */
void opt_error(int ch, char *const argv[], char *msg, size_t msglen);

/* Prints the usage text; with about != NULL also about and one aligned
 * line per option (the --help output). */
void opt_usage(FILE *fp, const char *usage, const char *about,
    const struct opt_def *defs);

/* Appends v to a list of at most max entries.  0, or -1 when full. */
int opt_list_add(const char **list, size_t *n, size_t max, const char *v);

/* Parses an integer in [min, max].  On error returns 0 and sets *errstr to
 * "invalid", "too small" or "too large"; otherwise *errstr = NULL. */
long long opt_num(const char *s, long long min, long long max,
    const char **errstr);

/* Parses seconds (decimals allowed) in [min, max], as opt_num. */
double opt_seconds(const char *s, double min, double max,
    const char **errstr);

/* Parses a byte count with an optional K, M or G suffix (powers of 1024). */
long long opt_bytes(const char *s, long long min, long long max,
    const char **errstr);

#endif
