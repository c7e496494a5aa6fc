/*
 * Option table plumbing and number parsing.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

void
opt_build(const struct opt_def *defs, struct option *longopts,
    char *shortopts)
{
	size_t n = 0;

	*shortopts++ = ':';	/* ':' for a missing argument, errors are ours */
	for (const struct opt_def *d = defs; d->val && n < OPT_MAX - 1; d++) {
		if (d->name != NULL) {
			longopts[n].name = d->name;
			longopts[n].has_arg = d->arg ? required_argument :
			    no_argument;
			longopts[n].flag = NULL;
			longopts[n].val = d->val;
			n++;
		}
		if (d->val < 256) {
			*shortopts++ = d->val;
			if (d->arg)
				*shortopts++ = ':';
		}
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));
	*shortopts = '\0';
}

void
opt_error(int ch, char *const argv[], char *msg, size_t msglen)
{
	const char *what = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	/* An unknown long option has optopt 0; a missing argument is always
	 * the last word; otherwise it is a short option, maybe inside a
	 * cluster such as -1Z, where argv[optind - 1] would mislead. */
	if (ch == '?' && optopt != 0 && strncmp(what, "--", 2) == 0 &&
	    strchr(what, '=') != NULL) {
		snprintf(msg, msglen, "%s: option takes no argument", what);
		return;
	}
	if (optopt != 0 && !(ch == ':' && strncmp(what, "--", 2) == 0))
		what = shortopt;
	snprintf(msg, msglen, "%s %s", ch == ':' ? "missing argument for" :
	    "unknown option", what);
}

int
opt_list_add(const char **list, size_t *n, size_t max, const char *v)
{
	if (*n >= max)
		return -1;
	list[(*n)++] = v;
	return 0;
}

void
opt_usage(FILE *fp, const char *usage, const char *about,
    const struct opt_def *defs)
{
	char left[64];

	fputs(usage, fp);
	if (about == NULL)
		return;
	fprintf(fp, "\n%s\n\n", about);
	for (const struct opt_def *d = defs; d->val; d++) {
		if (d->name == NULL)
			snprintf(left, sizeof(left), "-%c%s%s", d->val,
			    d->arg ? " " : "", d->arg ? d->arg : "");
		else if (d->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->val,
			    d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->name,
			    d->arg ? " " : "", d->arg ? d->arg : "");
		fprintf(fp, "  %-30s %s\n", left, d->help);
	}
}

long long
opt_num(const char *s, long long min, long long max, const char **errstr)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' ||
	    errno == ERANGE) {
		*errstr = errno == ERANGE ? "out of range" : "invalid";
		return 0;
	}
	if (v < min || v > max) {
		*errstr = v < min ? "too small" : "too large";
		return 0;
	}
	*errstr = NULL;
	return v;
}

double
opt_seconds(const char *s, double min, double max, const char **errstr)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' ||
	    errno == ERANGE || !isfinite(v)) {
		*errstr = "invalid";
		return 0;
	}
	if (v < min || v > max) {
		*errstr = v < min ? "too small" : "too large";
		return 0;
	}
	*errstr = NULL;
	return v;
}

long long
opt_bytes(const char *s, long long min, long long max, const char **errstr)
{
	char num[32];
	size_t n = strlen(s);
	long long mult = 1, v;

	if (n == 0 || n >= sizeof(num)) {
		*errstr = "invalid";
		return 0;
	}
	memcpy(num, s, n + 1);
	switch (toupper((unsigned char)num[n - 1])) {
	case 'K': mult = 1LL << 10; break;
	case 'M': mult = 1LL << 20; break;
	case 'G': mult = 1LL << 30; break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	v = opt_num(num, 0, max / mult, errstr);
	if (*errstr != NULL)
		return 0;
	if (v * mult < min) {
		*errstr = "too small";
		return 0;
	}
	return v * mult;
}
