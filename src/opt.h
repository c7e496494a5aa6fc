/*
 * The command line from one table per binary, as curl's tool_getparam does
 * it: each row names an option, the kind of value it takes, its range, its
 * default, and where the value goes in the caller's config struct (an
 * offsetof).  opt_parse() runs getopt_long over the table, parses and
 * range-checks every value, and names the option in every error;
 * opt_print() prints --help, defaults included, from the same table.
 *
 * Errors: opt_parse() returns OPT_ERROR or OPT_USAGE with a one-line
 * message in the caller's buffer.  Nothing here exits or picks a stream:
 * cmd/ prints the message, then lets opt_print() print what follows it
 * and give the exit status.
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>
#include <stdio.h>

#include "log.h" /* LOG_VERBOSE, for OPT_ROW_VERBOSE */

#define OPT_MAX 64     /* rows in a table */
#define OPT_ERRLEN 256 /* an error message: one line */

/* What an option takes, and the C type of the field it stores into. */
enum opt_kind {
	OPT_FLAG,    /* no argument; bool, set to true */
	OPT_SET,     /* no argument; int (0 by default), set to def: for
		      * -q and -v, where the last one wins */
	OPT_HOOK,    /* no argument, nothing stored: only the hook runs */
	OPT_HELP,    /* no argument; opt_parse() returns OPT_HELP_ASKED */
	OPT_VERSION, /* no argument; opt_parse() returns OPT_VERSION_ASKED */
	OPT_STRING,  /* const char *, pointing into argv */
	OPT_LIST,    /* repeatable string: see store_off and count_off */
	OPT_PORT,    /* const char *, checked to be a port number 0-65535 */
	OPT_SECONDS, /* double; a fraction is allowed */
	OPT_COUNT,   /* size_t; a decimal integer */
	OPT_BYTES,   /* size_t; an integer, then K, M or G for 1024^1-3 */
	OPT_REST     /* the rest of the command line, from the word after
		      * the option (or after its '='): char *const * into
		      * argv, NULL-ended, and its size_t count at count_off;
		      * none of those words is an option of ours */
};

/* Run after the value is stored: NULL to accept it, or the reason to
 * reject it ("expected user:pass").  arg is NULL for kinds without one. */
typedef const char *opt_hook_fn(void *cfg, const char *arg);

/* One option.  Two rows may store into one field (-k and -n). */
struct opt_def {
	const char *name; /* long name, or NULL for a short-only one */
	int val;	  /* short letter, or 0 for a long-only option */
	const char *arg;  /* argument name in --help; NULL: none taken */
	const char *help; /* --help text, without default or list limit */
	enum opt_kind kind;
	size_t off;	     /* offsetof the field; a list's pointer field */
	size_t store_off;    /* OPT_LIST: offsetof a const char *[max] */
	size_t count_off;    /* OPT_LIST: offsetof its size_t count */
	double min, max;     /* numbers: the range; OPT_LIST: max entries */
	double def;	     /* numbers: default; OPT_SET: the value set */
	const char *def_str; /* string, port or list default, or NULL */
	opt_hook_fn *hook;   /* extra check or action, or NULL */
	const char *bare;    /* OPT_STRING: stored when the option is the
			      * last word, without its value (compared by
			      * address); NULL: that is a usage error */
	bool operand_last;   /* OPT_REST: when no operand came before, the
			      * last word is the operand, not the rest's */
};

/* One program's command line. */
struct opt_cli {
	const char *name; /* program name, for the version line */
	const char *version;
	const char *usage;	    /* "usage: ..." lines: the man SYNOPSIS */
	const char *about;	    /* what --help prints before the options */
	const struct opt_def *defs; /* ends with a zeroed row, { 0 } */
	const char *operand;	    /* the one operand, required ("URL"): */
	size_t operand_off;	    /* ... a const char *, which an option may
				     * set instead; NULL operand: none taken */
};

enum opt_status {
	OPT_USAGE = -2, /* the command line's shape: usage follows */
	OPT_ERROR = -1, /* a value: the message is all */
	OPT_OK = 0,
	OPT_HELP_ASKED,
	OPT_VERSION_ASKED
};

/*
 * Stores every row's default into cfg, then parses argv (getopt_long,
 * which permutes it) and stores each value.  A number's default outside
 * its range stands for "off", which the option cannot set, and a list's
 * default applies only when the option is not given.
 *
 * Returns OPT_OK, OPT_HELP_ASKED or OPT_VERSION_ASKED (at the first -h or
 * -V: the rest is not parsed), or an error with one line in err.  A bad
 * value is OPT_ERROR, and the line names the option as given: "--port
 * 70000: too large (max 65535)", "-w abc: invalid", "-a x: too many (max
 * 16)".  An unknown option, a missing argument, a stray or missing operand
 * is OPT_USAGE: "unknown option --bogus"; a row with a bare value takes
 * that instead of a missing argument.  The value is shown as
 * opt_quote() gives it.  Strings stored point into argv.
 */
int opt_parse(const struct opt_cli *cli, void *cfg, int argc, char *argv[],
    char *err, size_t errlen);

/*
 * Prints to fp what follows a status of opt_parse() other than OPT_OK, and
 * returns main's exit status.  OPT_HELP_ASKED: the --help text, usage,
 * about and a line per option with "(default 16M)" and "(up to 16 times)"
 * from the table; OPT_VERSION_ASKED: the line "name version"; both return
 * WS_EXIT_OK, or WS_EXIT_FAIL when fp could not be written.  OPT_USAGE:
 * the usage lines; OPT_ERROR: nothing; both return WS_EXIT_USAGE.
 */
int opt_print(FILE *fp, const struct opt_cli *cli, int status);

/*
 * s as an error message shows a value: as it is when it is printable
 * ASCII, else in single quotes with C escapes (\r, \n, \t, \\, \', \xNN)
 * for every control and non-ASCII byte, so none reaches the terminal raw;
 * '' when empty.  Cut short to fit outlen, always NUL-terminated.
 */
void opt_quote(const char *s, char *out, size_t outlen);

/*
 * Rows both binaries share, so that their spelling, range and default are
 * written once.  at is the field's offsetof; help says whom it concerns.
 */
#define OPT_DAY 86400.0 /* the longest time any option takes */

#define OPT_ROW_HELP                                           \
	{                                                      \
		"help", 'h', NULL, "print this help and exit", \
		    .kind = OPT_HELP                           \
	}
#define OPT_ROW_VERSION                                             \
	{                                                           \
		"version", 'V', NULL, "print the version and exit", \
		    .kind = OPT_VERSION                             \
	}
#define OPT_ROW_VERBOSE(at, help)                                    \
	{                                                            \
		"verbose", 'v', NULL, help,                          \
		    .kind = OPT_SET, .off = (at), .def = LOG_VERBOSE \
	}
#define OPT_ROW_MAX_MESSAGE(at)                                               \
	{                                                                     \
		"max-message", 0, "BYTES", "largest message accepted",        \
		    .kind = OPT_BYTES, .off = (at), .min = 1, .max = 1 << 30, \
		    .def = 16 << 20                                           \
	}
#define OPT_ROW_COLOR(at, check)                                     \
	{                                                            \
		"color", 0, "WHEN",                                  \
		    "colours: auto (on a terminal), always "         \
		    "or never",                                      \
		    .kind = OPT_STRING, .off = (at), .hook = (check) \
	}
#define OPT_ROW_NO_COLOR(at)                                          \
	{                                                             \
		"no-color", 0, NULL, "no colours (as --color never)", \
		    .kind = OPT_FLAG, .off = (at)                     \
	}
#define OPT_ROW_NO_HISTORY(at)                        \
	{                                             \
		"no-history", 0, NULL,                \
		    "at a terminal, keep no history " \
		    "file",                           \
		    .kind = OPT_FLAG, .off = (at)     \
	}
#define OPT_ROW_CLOSE_GRACE(at)                                        \
	{                                                              \
		"close-grace", 0, "SECONDS",                           \
		    "--exec: peer gone -> stdin closed, SIGTERM that " \
		    "much later",                                      \
		    .kind = OPT_SECONDS, .off = (at), .min = 0,        \
		    .max = OPT_DAY, .def = 5                           \
	}
#define OPT_ROW_PING_INTERVAL(at, help)                         \
	{                                                       \
		"ping-interval", 0, "SECONDS", help,            \
		    .kind = OPT_SECONDS, .off = (at), .min = 0, \
		    .max = OPT_DAY, .def = 0                    \
	}
#define OPT_ROW_PING_TIMEOUT(at, help)                              \
	{                                                           \
		"ping-timeout", 0, "SECONDS", help,                 \
		    .kind = OPT_SECONDS, .off = (at), .min = 0.001, \
		    .max = OPT_DAY, .def = 10                       \
	}

#endif
