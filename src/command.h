/*
 * Slash commands typed at a console: "/ping data", "/close 4001 bye",
 * "/to 3 hello".  Each tool has its own table; this module parses a line
 * against it and prints the help from it.  A line that does not start with
 * '/' is not a command, and "//x" is the line "/x".
 */
#ifndef COMMAND_H
#define COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum command_kind {
	COMMAND_NONE, /* not a command: send text/len as it is */
	COMMAND_PING,
	COMMAND_PONG,
	COMMAND_CLOSE,
	COMMAND_BINARY,
	COMMAND_LIST,
	COMMAND_TO,
	COMMAND_KICK,
	COMMAND_QUIT,
	COMMAND_HELP
};

/* What a command takes after its name, in this order. */
#define COMMAND_ID 0x1	   /* a client id */
#define COMMAND_CODE 0x2   /* optional: a close code, then a reason */
#define COMMAND_DATA 0x4   /* optional: the rest, a control payload */
#define COMMAND_TEXT 0x8   /* the rest, a message */
#define COMMAND_BYTES 0x10 /* hex digits, or @FILE */

struct command_def {
	const char *name; /* without the slash */
	enum command_kind kind;
	unsigned args;	   /* COMMAND_ID, ... */
	const char *usage; /* the arguments, for the help */
	const char *help;
};

struct command {
	enum command_kind kind;
	unsigned long id;
	uint16_t code;	  /* 0: none given */
	const char *text; /* data, reason, message or the line; in line */
	size_t len;
};

/* Parses line (NUL-ended, len bytes) against defs (ended by a row with a
 * NULL name).  COMMAND_BYTES empty bytes, then fill it (its max bounds
 * them).  0, or with the reason in err COMMAND_UNKNOWN for a name not in
 * defs (show the help) or COMMAND_BAD for a bad argument. */
#define COMMAND_BAD (-1)
#define COMMAND_UNKNOWN (-2)
int command_parse(const struct command_def *defs, const char *line, size_t len,
    struct command *cmd, struct buf *bytes, char *err, size_t errlen);

/* Line i of the help of defs ("/close [CODE [REASON]]  close ..."), or
 * NULL past the end. */
const char *command_help(const struct command_def *defs, size_t i, char *out,
    size_t outlen);

/* Whether code may be sent in a close frame (RFC 6455 7.4). */
bool command_code_valid(unsigned long code);

#endif
