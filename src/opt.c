/*
 * The generic option loop: getopt_long's long array and short string come
 * from the table, each value is parsed by its row's kind into the config,
 * and --help is printed from the same rows.  Numbers are parsed here with
 * strtod and strtoll, which need guarding: glibc has no strtonum.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h> /* isfinite, a macro: no -lm */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "opt.h"

#define PORT_MAX 65535

/* The field of type type at offset off in the caller's config. */
#define FIELD(cfg, off, type) ((type *)(void *)((char *)(cfg) + (off)))

/* What getopt_long returns for the long-only row i. */
#define LONG_ONLY(i) (256 + (int)(i))

/* The zeroed row that ends a table. */
static bool
is_end(const struct opt_def *d)
{
	return d->name == NULL && d->val == 0;
}

static bool
takes_arg(enum opt_kind kind)
{
	switch (kind) {
	case OPT_FLAG:
	case OPT_SET:
	case OPT_HOOK:
	case OPT_HELP:
	case OPT_VERSION:
		return false;
	default:
		return true;
	}
}

/*
 * Fills longopts (OPT_MAX + 1 rows) and shortopts (3 * OPT_MAX + 2 bytes)
 * from the table.  The short string starts with ':' so that getopt_long
 * returns ':' for a missing argument, and reports nothing itself.
 * 0, or -1 when the table has more than OPT_MAX rows.
 */
static int
build(const struct opt_def *defs, struct option *longopts, char *shortopts)
{
	size_t nrows = 0, nlong = 0;

	*shortopts++ = ':';
	for (const struct opt_def *d = defs; !is_end(d); d++) {
		if (++nrows > OPT_MAX)
			return -1;
		if (d->name != NULL) {
			longopts[nlong].name = d->name;
			longopts[nlong].has_arg = takes_arg(d->kind) ?
			    required_argument :
			    no_argument;
			longopts[nlong].flag = NULL;
			longopts[nlong].val = d->val != 0 ?
			    d->val :
			    LONG_ONLY(d - defs);
			nlong++;
		}
		if (d->val != 0) {
			*shortopts++ = (char)d->val;
			if (takes_arg(d->kind))
				*shortopts++ = ':';
		}
	}
	memset(&longopts[nlong], 0, sizeof(longopts[nlong]));
	*shortopts = '\0';
	return 0;
}

/* The row for what getopt_long returned, or NULL for ':' and '?'. */
static const struct opt_def *
find(const struct opt_def *defs, int ch)
{
	for (const struct opt_def *d = defs; !is_end(d); d++)
		if (ch == (d->val != 0 ? d->val : LONG_ONLY(d - defs)))
			return d;
	return NULL;
}

static void
set_defaults(const struct opt_cli *cli, void *cfg)
{
	if (cli->operand != NULL)
		*FIELD(cfg, cli->operand_off, const char *) = NULL;
	for (const struct opt_def *d = cli->defs; !is_end(d); d++) {
		switch (d->kind) {
		case OPT_FLAG:
			*FIELD(cfg, d->off, bool) = false;
			break;
		case OPT_SET:
			*FIELD(cfg, d->off, int) = 0;
			break;
		case OPT_STRING:
		case OPT_PORT:
			*FIELD(cfg, d->off, const char *) = d->def_str;
			break;
		case OPT_LIST:
			*FIELD(cfg, d->off, const char *const *) = FIELD(cfg,
			    d->store_off, const char *);
			*FIELD(cfg, d->count_off, size_t) = 0;
			break;
		case OPT_SECONDS:
			*FIELD(cfg, d->off, double) = d->def;
			break;
		case OPT_COUNT:
		case OPT_BYTES:
			*FIELD(cfg, d->off, size_t) = (size_t)d->def;
			break;
		case OPT_REST:
			*FIELD(cfg, d->off, char *const *) = NULL;
			*FIELD(cfg, d->count_off, size_t) = 0;
			break;
		case OPT_HOOK:
		case OPT_HELP:
		case OPT_VERSION:
			break;
		}
	}
}

/* A number as --help and range errors show it: bytes with the largest
 * suffix that divides them (16M), seconds with their fraction. */
static void
format_value(enum opt_kind kind, double v, char *buf, size_t len)
{
	static const char units[] = "GMK";
	long long n = (long long)v;

	if (kind == OPT_SECONDS) {
		snprintf(buf, len, "%.15g", v);
		return;
	}
	for (int i = 0; kind == OPT_BYTES && n != 0 && i < 3; i++) {
		long long unit = 1LL << (30 - 10 * i);

		if (n % unit == 0) {
			snprintf(buf, len, "%lld%c", n / unit, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%lld", n);
}

/* Parses arg by d's kind into *v, unchecked.  NULL, or "invalid". */
static const char *
parse_number(const struct opt_def *d, const char *arg, double *v)
{
	char *end;
	int shift = 0;

	/* Both strtod and strtoll skip leading space and accept "". */
	if (*arg == '\0' || isspace((unsigned char)*arg))
		return "invalid";
	errno = 0;
	if (d->kind == OPT_SECONDS) {
		/* An overflow is HUGE_VAL, which the range check reports;
		 * "inf" and "nan" are no durations. */
		*v = strtod(arg, &end);
		if (errno != ERANGE && !isfinite(*v))
			return "invalid";
	} else {
		/* On overflow LLONG_MIN or LLONG_MAX, for the range check. */
		*v = (double)strtoll(arg, &end, 10);
		if (d->kind == OPT_BYTES && end != arg && end[0] != '\0' &&
		    end[1] == '\0') {
			switch (toupper((unsigned char)*end)) {
			case 'K':
				shift = 10;
				end++;
				break;
			case 'M':
				shift = 20;
				end++;
				break;
			case 'G':
				shift = 30;
				end++;
				break;
			}
		}
	}
	if (end == arg || *end != '\0')
		return "invalid";
	*v *= (double)(1LL << shift);
	return NULL;
}

/* Parses and range-checks a number and stores it.  NULL, or the reason,
 * in buf when it names the bound. */
static const char *
store_number(const struct opt_def *d, void *cfg, const char *arg, char *buf,
    size_t len)
{
	double v, lo = d->min, hi = d->max;
	const char *why;
	char bound[32];

	if ((why = parse_number(d, arg, &v)) != NULL)
		return why;
	if (d->kind == OPT_PORT) {
		lo = 0;
		hi = PORT_MAX;
	}
	if (v < lo || v > hi) {
		format_value(d->kind, v < lo ? lo : hi, bound, sizeof(bound));
		snprintf(buf, len, "too %s (%s %s)", v < lo ? "small" : "large",
		    v < lo ? "min" : "max", bound);
		return buf;
	}
	switch (d->kind) {
	case OPT_PORT:
		/* As given: getaddrinfo takes the port as text. */
		*FIELD(cfg, d->off, const char *) = arg;
		break;
	case OPT_SECONDS:
		*FIELD(cfg, d->off, double) = v;
		break;
	default:
		*FIELD(cfg, d->off, size_t) = (size_t)v;
		break;
	}
	return NULL;
}

static const char *
list_add(const struct opt_def *d, void *cfg, const char *arg, char *buf,
    size_t len)
{
	size_t *n = FIELD(cfg, d->count_off, size_t);

	if (*n >= (size_t)d->max) {
		snprintf(buf, len, "too many (max %.0f)", d->max);
		return buf;
	}
	FIELD(cfg, d->store_off, const char *)[(*n)++] = arg;
	return NULL;
}

/* Stores the value of row d.  NULL, or why it cannot (maybe in buf). */
static const char *
store(const struct opt_def *d, void *cfg, const char *arg, char *buf,
    size_t len)
{
	switch (d->kind) {
	case OPT_FLAG:
		*FIELD(cfg, d->off, bool) = true;
		return NULL;
	case OPT_SET:
		*FIELD(cfg, d->off, int) = (int)d->def;
		return NULL;
	case OPT_STRING:
		*FIELD(cfg, d->off, const char *) = arg;
		return NULL;
	case OPT_LIST:
		return list_add(d, cfg, arg, buf, len);
	case OPT_PORT:
	case OPT_SECONDS:
	case OPT_COUNT:
	case OPT_BYTES:
		return store_number(d, cfg, arg, buf, len);
	case OPT_REST: /* taken before getopt_long: see rest_start */
	case OPT_HOOK:
	case OPT_HELP:
	case OPT_VERSION:
		break;
	}
	return NULL;
}

/* An error of the command line's shape rather than of a value. */
static int __attribute__((format(printf, 3, 4)))
syntax_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return OPT_USAGE;
}

/* getopt_long returned ch, ':' or '?': name the option from optopt, or
 * from the word itself when optopt is 0 (an unknown long option). */
static int
getopt_error(int ch, char *const argv[], char *err, size_t errlen)
{
	const char *what = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };
	bool islong = strncmp(what, "--", 2) == 0;

	if (ch == '?' && optopt != 0 && islong && strchr(what, '=') != NULL)
		return syntax_error(err, errlen, "%s: option takes no argument",
		    what);
	/* A short option may sit inside a cluster such as -1Z, where the
	 * word would mislead; a missing argument is always the last word. */
	if (optopt != 0 && !(ch == ':' && islong))
		what = shortopt;
	return syntax_error(err, errlen, "%s %s",
	    ch == ':' ? "missing argument for" : "unknown option", what);
}

/* A byte that must not reach a terminal as it is. */
static bool
needs_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f;
}

void
opt_quote(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)s; *p && !needs_escape(*p); p++)
		;
	if (*s != '\0' && *p == '\0') {
		snprintf(out, outlen, "%s", s);
		return;
	}
	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	out[n++] = '\'';
	/* Room for the longest escape, the closing quote and the NUL. */
	for (p = (const unsigned char *)s; *p && n + 6 <= outlen; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '\t':
			esc = "\\t";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\'':
			esc = "\\'";
			break;
		}
		if (esc != NULL) {
			memcpy(out + n, esc, 2);
			n += 2;
		} else if (needs_escape(*p)) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 0xf];
		} else
			out[n++] = (char)*p;
	}
	out[n++] = '\'';
	out[n] = '\0';
}

/* A value rejected: names the option as given, short or long. */
static int
value_error(const struct opt_def *d, bool islong, const char *arg,
    const char *why, char *err, size_t errlen)
{
	char shortname[3] = { '-', (char)d->val, '\0' };
	const char *name = islong ? d->name : shortname;
	const char *dashes = islong ? "--" : "";
	char quoted[OPT_ERRLEN];

	if (arg == NULL)
		snprintf(err, errlen, "%s%s: %s", dashes, name, why);
	else {
		opt_quote(arg, quoted, sizeof(quoted));
		snprintf(err, errlen, "%s%s %s: %s", dashes, name, quoted, why);
	}
	return OPT_ERROR;
}

/* The row of long option word a ("--name" or "--name=value"), exact or
 * a unique prefix as getopt_long takes it, or NULL. */
static const struct opt_def *
find_long(const struct opt_def *defs, const char *a)
{
	const struct opt_def *hit = NULL;
	size_t n = strcspn(a, "=");
	bool ambiguous = false;

	for (const struct opt_def *d = defs; !is_end(d); d++) {
		if (d->name == NULL || strncmp(d->name, a, n) != 0)
			continue;
		if (d->name[n] == '\0')
			return d;
		ambiguous = hit != NULL;
		hit = d;
	}
	return ambiguous ? NULL : hit;
}

/* Where an OPT_REST option begins the rest of argv (its row in *rest),
 * or argc: the words are walked as getopt_long would, skipping values. */
static int
rest_start(const struct opt_def *defs, int argc, char *argv[],
    const struct opt_def **rest)
{
	const struct opt_def *d;
	const char *a;

	for (int i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			return argc;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			if ((d = find_long(defs, a + 2)) == NULL)
				continue;
			if (d->kind == OPT_REST) {
				*rest = d;
				return i;
			}
			if (takes_arg(d->kind) && strchr(a, '=') == NULL)
				i++;
			continue;
		}
		for (a++; *a != '\0'; a++)
			if ((d = find(defs, *a)) != NULL &&
			    takes_arg(d->kind)) {
				if (a[1] == '\0')
					i++;
				break;
			}
	}
	return argc;
}

/* The rest of argv from word i, the option that takes it: stored, with
 * the operand from its end if need be.  OPT_OK or OPT_USAGE. */
static int
take_rest(const struct opt_cli *cli, const struct opt_def *d, void *cfg, int i,
    int argc, char *argv[], char *err, size_t errlen)
{
	const char **operand = FIELD(cfg, cli->operand_off, const char *);
	const char *eq = strchr(argv[i], '=');
	size_t n;

	if (eq != NULL)
		argv[i] = (char *)eq + 1;
	else
		i++;
	n = argc - i;
	if (d->operand_last && cli->operand != NULL && *operand == NULL &&
	    n >= 2) {
		*operand = argv[argc - 1];
		argv[argc - 1] = NULL;
		n--;
	}
	if (n == 0 || *argv[i] == '\0')
		return syntax_error(err, errlen, "--%s needs a command",
		    d->name);
	*FIELD(cfg, d->off, char *const *) = &argv[i];
	*FIELD(cfg, d->count_off, size_t) = n;
	return OPT_OK;
}

/* What getopt_long left from optind on: the one operand, unless the
 * program takes none or an option gave it already. */
static int
take_operands(const struct opt_cli *cli, void *cfg, int argc, char *argv[],
    char *err, size_t errlen)
{
	const char **operand = NULL;

	if (cli->operand != NULL)
		operand = FIELD(cfg, cli->operand_off, const char *);
	for (; optind < argc; optind++) {
		if (operand == NULL || *operand != NULL)
			return syntax_error(err, errlen,
			    "unexpected argument '%s'", argv[optind]);
		*operand = argv[optind];
	}
	return OPT_OK;
}

int
opt_parse(const struct opt_cli *cli, void *cfg, int argc, char *argv[],
    char *err, size_t errlen)
{
	struct option longopts[OPT_MAX + 1];
	char shortopts[3 * OPT_MAX + 2], buf[64];
	const struct opt_def *d, *rest = NULL;
	const char *arg, *why;
	int ch, li, end;

	if (build(cli->defs, longopts, shortopts) == -1) {
		snprintf(err, errlen, "more than %d options", OPT_MAX);
		return OPT_ERROR;
	}
	set_defaults(cli, cfg);
	/* getopt_long never sees the rest: its words are not ours. */
	end = rest_start(cli->defs, argc, argv, &rest);
	optind = 0; /* glibc: start afresh, even after a parse */
	opterr = 0;
	for (;;) {
		li = -1; /* stays -1 unless a long option matched */
		if ((ch = getopt_long(end, argv, shortopts, longopts, &li)) ==
		    -1)
			break;
		/* Only the last word can lack its value: getopt_long takes
		 * the next word, whatever it is. */
		if (ch == ':' && (d = find(cli->defs, optopt)) != NULL &&
		    d->kind == OPT_STRING && d->bare != NULL) {
			*FIELD(cfg, d->off, const char *) = d->bare;
			continue;
		}
		if ((d = find(cli->defs, ch)) == NULL)
			return getopt_error(ch, argv, err, errlen);
		if (d->kind == OPT_HELP)
			return OPT_HELP_ASKED;
		if (d->kind == OPT_VERSION)
			return OPT_VERSION_ASKED;
		arg = takes_arg(d->kind) ? optarg : NULL;
		why = store(d, cfg, arg, buf, sizeof(buf));
		if (why == NULL && d->hook != NULL)
			why = d->hook(cfg, arg);
		if (why != NULL)
			return value_error(d, li >= 0, arg, why, err, errlen);
	}
	if (take_operands(cli, cfg, end, argv, err, errlen) != OPT_OK ||
	    (rest != NULL &&
		take_rest(cli, rest, cfg, end, argc, argv, err, errlen) !=
		    OPT_OK))
		return OPT_USAGE;
	if (cli->operand != NULL &&
	    *FIELD(cfg, cli->operand_off, const char *) == NULL) {
		syntax_error(err, errlen, "no %s given", cli->operand);
		return OPT_USAGE;
	}
	for (d = cli->defs; !is_end(d); d++)
		if (d->kind == OPT_LIST && d->def_str != NULL &&
		    *FIELD(cfg, d->count_off, size_t) == 0)
			list_add(d, cfg, d->def_str, buf, sizeof(buf));
	return OPT_OK;
}

/* The default --help shows, if any: a number's only when in range. */
static bool
default_text(const struct opt_def *d, char *buf, size_t len)
{
	switch (d->kind) {
	case OPT_STRING:
	case OPT_PORT:
	case OPT_LIST:
		if (d->def_str == NULL)
			return false;
		snprintf(buf, len, "%s", d->def_str);
		return true;
	case OPT_SECONDS:
	case OPT_COUNT:
	case OPT_BYTES:
		if (d->def < d->min || d->def > d->max)
			return false;
		format_value(d->kind, d->def, buf, len);
		return true;
	default:
		return false;
	}
}

static void
print_option(FILE *fp, const struct opt_def *d)
{
	char left[64], extra[128] = "", def[64];
	const char *arg = d->arg != NULL ? d->arg : "";
	const char *sp = d->arg != NULL ? " " : "";
	size_t n;

	if (d->name == NULL)
		snprintf(left, sizeof(left), "-%c%s%s", d->val, sp, arg);
	else if (d->val != 0)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", d->val, d->name,
		    sp, arg);
	else
		snprintf(left, sizeof(left), "    --%s%s%s", d->name, sp, arg);
	if (d->kind == OPT_LIST)
		snprintf(extra, sizeof(extra), "up to %.0f times", d->max);
	if (default_text(d, def, sizeof(def))) {
		n = strlen(extra);
		snprintf(extra + n, sizeof(extra) - n, "%sdefault %s",
		    n > 0 ? "; " : "", def);
	}
	fprintf(fp, "  %-30s %s%s%s%s\n", left, d->help, extra[0] ? " (" : "",
	    extra, extra[0] ? ")" : "");
}

int
opt_print(FILE *fp, const struct opt_cli *cli, int status)
{
	switch (status) {
	case OPT_ERROR:
		return WS_EXIT_USAGE;
	case OPT_USAGE:
		fprintf(fp, "%s\n", cli->usage);
		return WS_EXIT_USAGE;
	case OPT_VERSION_ASKED:
		fprintf(fp, "%s %s\n", cli->name, cli->version);
		break;
	default:
		fprintf(fp, "%s\n\n%s\n\n", cli->usage, cli->about);
		for (const struct opt_def *d = cli->defs; !is_end(d); d++)
			print_option(fp, d);
		break;
	}
	return fflush(fp) == 0 && !ferror(fp) ? WS_EXIT_OK : WS_EXIT_FAIL;
}
