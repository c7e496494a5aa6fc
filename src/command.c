/*
 * Slash commands: a table lookup, then the arguments the row names, in a
 * fixed order.  Everything is checked here, before anything is sent: a
 * code a close frame may carry, a payload or reason that fits a control
 * frame and is UTF-8, hex that is whole bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "session.h"
#include "utf8.h"

bool
command_code_valid(unsigned long code)
{
	return (code >= 1000 && code <= 1003) ||
	    (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The word at *p as an unsigned number; *p moves past it.  -1 when the
 * word is not a decimal number. */
static int
number(const char **p, unsigned long *out)
{
	const char *s = *p;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != ' ' && *end != '\t'))
		return -1;
	*p = skip_space(end);
	return 0;
}

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits in pairs, spaces anywhere between pairs. */
static int
parse_hex(const char *p, struct buf *bytes, char *err, size_t errlen)
{
	while (*(p = skip_space(p)) != '\0') {
		int hi = hex_digit(p[0]), lo = hi >= 0 ? hex_digit(p[1]) : -1;
		uint8_t byte;

		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "not hex bytes: %.20s", p);
			return -1;
		}
		byte = (uint8_t)(hi << 4 | lo);
		if (buf_append(bytes, &byte, 1) == -1) {
			snprintf(err, errlen, "more than %zu bytes",
			    bytes->max);
			return -1;
		}
		p += 2;
	}
	return 0;
}

static int
load_file(const char *path, struct buf *bytes, char *err, size_t errlen)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_append(bytes, chunk, n) == -1) {
			snprintf(err, errlen, "%s: %s", path,
			    n == -1 ? strerror(errno) :
				      "larger than the "
				      "largest message");
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* The arguments def takes, from p on. */
static int
parse_args(const struct command_def *def, const char *p, struct command *cmd,
    struct buf *bytes, char *err, size_t errlen)
{
	unsigned long v;

	if (def->args & COMMAND_ID) {
		if (number(&p, &cmd->id) == -1) {
			snprintf(err, errlen, "/%s: expected a client id",
			    def->name);
			return -1;
		}
	}
	if ((def->args & COMMAND_CODE) && *p != '\0') {
		if (number(&p, &v) == -1 || !command_code_valid(v)) {
			snprintf(err, errlen,
			    "/%s: the code must be 1000-1003, 1007-1014 or "
			    "3000-4999",
			    def->name);
			return -1;
		}
		cmd->code = (uint16_t)v;
	}
	cmd->text = p;
	cmd->len = strlen(p);
	if ((def->args & COMMAND_CODE) && cmd->len > SESSION_REASON_MAX) {
		snprintf(err, errlen, "/%s: the reason is over %d bytes",
		    def->name, SESSION_REASON_MAX);
		return -1;
	}
	if ((def->args & COMMAND_DATA) && cmd->len > SESSION_CONTROL_MAX) {
		snprintf(err, errlen, "/%s: the data is over %d bytes",
		    def->name, SESSION_CONTROL_MAX);
		return -1;
	}
	if ((def->args & (COMMAND_CODE | COMMAND_DATA | COMMAND_TEXT)) &&
	    !utf8_valid(cmd->text, cmd->len)) {
		snprintf(err, errlen, "/%s: not UTF-8", def->name);
		return -1;
	}
	if ((def->args & COMMAND_TEXT) && cmd->len == 0) {
		snprintf(err, errlen, "/%s: nothing to send", def->name);
		return -1;
	}
	if (def->args & COMMAND_BYTES) {
		if (*p == '\0') {
			snprintf(err, errlen, "/%s: nothing to send",
			    def->name);
			return -1;
		}
		return *p == '@' ? load_file(p + 1, bytes, err, errlen) :
				   parse_hex(p, bytes, err, errlen);
	}
	if (def->args == 0 && *p != '\0') {
		snprintf(err, errlen, "/%s takes no arguments", def->name);
		return -1;
	}
	return 0;
}

int
command_parse(const struct command_def *defs, const char *line, size_t len,
    struct command *cmd, struct buf *bytes, char *err, size_t errlen)
{
	size_t n;

	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = COMMAND_NONE;
	buf_consume(bytes, buf_used(bytes));
	cmd->text = line;
	cmd->len = len;
	if (len == 0 || line[0] != '/')
		return 0;
	if (line[1] == '/') { /* "//x" sends "/x" */
		cmd->text = line + 1;
		cmd->len = len - 1;
		return 0;
	}
	n = strcspn(line + 1, " \t");
	for (const struct command_def *d = defs; d->name != NULL; d++) {
		if (strlen(d->name) != n || strncmp(line + 1, d->name, n) != 0)
			continue;
		cmd->kind = d->kind;
		return parse_args(d, skip_space(line + 1 + n), cmd, bytes, err,
		    errlen);
	}
	snprintf(err, errlen, "unknown command /%.*s (/help lists them)",
	    (int)(n > 32 ? 32 : n), line + 1);
	return COMMAND_UNKNOWN;
}

const char *
command_help(const struct command_def *defs, size_t i, char *out, size_t outlen)
{
	char head[64];

	for (size_t k = 0; k < i; k++)
		if (defs[k].name == NULL)
			return NULL;
	if (defs[i].name == NULL)
		return NULL;
	snprintf(head, sizeof(head), "/%s%s%s", defs[i].name,
	    defs[i].usage[0] != '\0' ? " " : "", defs[i].usage);
	snprintf(out, outlen, "%-26s %s", head, defs[i].help);
	return out;
}
