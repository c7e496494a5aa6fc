/*
 * src/command: slash commands parsed against a table, and src/display: what
 * a terminal is shown of a peer's bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "command.h"
#include "display.h"
#include "log.h"
#include "tests.h"

static const struct command_def defs[] = {
	{ "ping", COMMAND_PING, COMMAND_DATA, "[DATA]", "ping" },
	{ "close", COMMAND_CLOSE, COMMAND_CODE, "[CODE [REASON]]", "close" },
	{ "binary", COMMAND_BINARY, COMMAND_BYTES, "HEX|@FILE", "binary" },
	{ "to", COMMAND_TO, COMMAND_ID | COMMAND_TEXT, "ID TEXT", "one" },
	{ "kick", COMMAND_KICK, COMMAND_ID, "ID", "kick" },
	{ "quit", COMMAND_QUIT, 0, "", "quit" },
	{ NULL, 0, 0, NULL, NULL },
};

static struct command cmd;
static struct buf bytes;
static char err[256];

static int
parse(const char *line)
{
	buf_deinit(&bytes);
	buf_init(&bytes, 16);
	err[0] = '\0';
	return command_parse(defs, line, strlen(line), &cmd, &bytes, err,
	    sizeof(err));
}

static void
test_not_a_command(void)
{
	CU_ASSERT_EQUAL(parse("hello /ping"), 0);
	CU_ASSERT_EQUAL(cmd.kind, COMMAND_NONE);
	CU_ASSERT_EQUAL(cmd.len, 11);
	CU_ASSERT_EQUAL(parse("//ping"), 0);
	CU_ASSERT_EQUAL(cmd.kind, COMMAND_NONE);
	CU_ASSERT_EQUAL(cmd.len, 5);
	CU_ASSERT_NSTRING_EQUAL(cmd.text, "/ping", 5);
	CU_ASSERT_EQUAL(parse(""), 0);
	CU_ASSERT_EQUAL(cmd.kind, COMMAND_NONE);
}

static void
test_arguments(void)
{
	CU_ASSERT_EQUAL(parse("/ping"), 0);
	CU_ASSERT_EQUAL(cmd.kind, COMMAND_PING);
	CU_ASSERT_EQUAL(cmd.len, 0);
	CU_ASSERT_EQUAL(parse("/ping  are you there"), 0);
	CU_ASSERT_STRING_EQUAL(cmd.text, "are you there");
	CU_ASSERT_EQUAL(parse("/close"), 0);
	CU_ASSERT_EQUAL(cmd.code, 0);
	CU_ASSERT_EQUAL(parse("/close 4001 going away now"), 0);
	CU_ASSERT_EQUAL(cmd.code, 4001);
	CU_ASSERT_STRING_EQUAL(cmd.text, "going away now");
	CU_ASSERT_EQUAL(parse("/to 3 hello there"), 0);
	CU_ASSERT_EQUAL(cmd.kind, COMMAND_TO);
	CU_ASSERT_EQUAL(cmd.id, 3);
	CU_ASSERT_STRING_EQUAL(cmd.text, "hello there");
	CU_ASSERT_EQUAL(parse("/kick 12"), 0);
	CU_ASSERT_EQUAL(cmd.id, 12);
	CU_ASSERT_EQUAL(parse("/quit"), 0);
	CU_ASSERT_EQUAL(cmd.kind, COMMAND_QUIT);
}

static void
test_bad_arguments(void)
{
	char big[200];

	CU_ASSERT_EQUAL(parse("/nope x"), COMMAND_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(err, "unknown command /nope (/help lists them)");
	CU_ASSERT_EQUAL(parse("/pingx"), COMMAND_UNKNOWN);
	CU_ASSERT_EQUAL(parse("/close 1005"), COMMAND_BAD);
	CU_ASSERT_EQUAL(parse("/close 1005"), -1);
	CU_ASSERT_EQUAL(parse("/close 1006"), -1);
	CU_ASSERT_EQUAL(parse("/close 2999"), -1);
	CU_ASSERT_EQUAL(parse("/close 5000"), -1);
	CU_ASSERT_EQUAL(parse("/close 40x1"), -1);
	CU_ASSERT_EQUAL(parse("/close 3000"), 0);
	CU_ASSERT_EQUAL(parse("/to x hi"), -1);
	CU_ASSERT_STRING_EQUAL(err, "/to: expected a client id");
	CU_ASSERT_EQUAL(parse("/to 3"), -1);
	CU_ASSERT_EQUAL(parse("/quit now"), -1);
	CU_ASSERT_EQUAL(parse("/ping \xff"), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "/ping ", 6);
	CU_ASSERT_EQUAL(parse(big), -1);
	CU_ASSERT_STRING_EQUAL(err, "/ping: the data is over 125 bytes");
	memcpy(big, "/close 4000 ", 12);
	CU_ASSERT_EQUAL(parse(big), -1);
}

static void
test_binary(void)
{
	char path[] = "/tmp/test_command.XXXXXX", line[64];
	int fd;

	CU_ASSERT_EQUAL(parse("/binary 00 01ff 62"), 0);
	CU_ASSERT_EQUAL(buf_used(&bytes), 4);
	CU_ASSERT_EQUAL(memcmp(buf_head(&bytes), "\x00\x01\xff\x62", 4), 0);
	CU_ASSERT_EQUAL(parse("/binary 0"), -1);
	CU_ASSERT_EQUAL(parse("/binary zz"), -1);
	CU_ASSERT_EQUAL(parse("/binary"), -1);
	/* bytes holds 16 at most */
	CU_ASSERT_EQUAL(parse("/binary 000102030405060708090a0b0c0d0e0f10"),
	    -1);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "\x01\x00z", 3), 3);
	close(fd);
	snprintf(line, sizeof(line), "/binary @%s", path);
	CU_ASSERT_EQUAL(parse(line), 0);
	CU_ASSERT_EQUAL(buf_used(&bytes), 3);
	CU_ASSERT_EQUAL(memcmp(buf_head(&bytes), "\x01\x00z", 3), 0);
	unlink(path);
	CU_ASSERT_EQUAL(parse("/binary @/nonexistent/x"), -1);
	CU_ASSERT_STRING_EQUAL(err,
	    "/nonexistent/x: No such file or directory");
	buf_deinit(&bytes);
}

static void
test_help(void)
{
	char line[128];

	CU_ASSERT_PTR_NOT_NULL(command_help(defs, 1, line, sizeof(line)));
	CU_ASSERT_STRING_EQUAL(line, "/close [CODE [REASON]]     close");
	CU_ASSERT_PTR_NOT_NULL(command_help(defs, 5, line, sizeof(line)));
	CU_ASSERT_STRING_EQUAL(line, "/quit                      quit");
	CU_ASSERT_PTR_NULL(command_help(defs, 6, line, sizeof(line)));
}

static void
expect_display(bool text, const char *in, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b, 4096);
	display_payload(&b, text, (const uint8_t *)in, n);
	CU_ASSERT_EQUAL(buf_used(&b), strlen(want));
	CU_ASSERT_NSTRING_EQUAL(buf_head(&b), want, strlen(want));
	buf_deinit(&b);
}

#define SHOWS(text, in, want) expect_display(text, in, sizeof(in) - 1, want)

static void
test_display(void)
{
	SHOWS(true, "plain text", "plain text");
	SHOWS(true, "tab\tkept", "tab\tkept");
	SHOWS(true, "\x1b[2J\x1b]0;PWNED\x07", "\\x1b[2J\\x1b]0;PWNED\\x07");
	SHOWS(true, "two\r\nlines", "two\\r\\nlines");
	SHOWS(true, "nul\x00 del\x7f", "nul\\x00 del\\x7f");
	SHOWS(true, "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
	SHOWS(true,
	    "csi\xc2\x9b"
	    "31m",
	    "csi\\u009b31m");
	SHOWS(true, "bidi\xe2\x80\xae", "bidi\\u202e");
	SHOWS(true, "bad\xff\xc3", "bad\\xff\\xc3");
	SHOWS(false,
	    "\x00\x01"
	    "bin\xff",
	    "[binary, 6 bytes] 00 01 62 69 6e ff");
	SHOWS(false, "", "[binary, 0 bytes]");
	SHOWS(false, "0123456789abcdef0123456789abcdef01",
	    "[binary, 34 bytes] 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 "
	    "66 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 ... (2 more)");
}

/* log lines take peers' bytes the same way, line breaks included. */
static void
test_log_escape(void)
{
	char out[64];

	log_escape(out, sizeof(out), "a\nb\tc\x1b[1m\xc2\x9b\xff", 12);
	CU_ASSERT_STRING_EQUAL(out, "a\\nb\\x09c\\x1b[1m\\u009b\\xff");
	/* Cut short on a whole escape. */
	log_escape(out, 7, "ab\x1b\x1b", 4);
	CU_ASSERT_STRING_EQUAL(out, "ab\\x1b");
}

static const struct unit_test tests[] = {
	{ "not a command", test_not_a_command },
	{ "arguments", test_arguments },
	{ "bad arguments", test_bad_arguments },
	{ "/binary hex and @file", test_binary },
	{ "help lines", test_help },
	{ "display escapes controls", test_display },
	{ "log lines escape them the same way", test_log_escape },
};

int
test_command_add(void)
{
	return unit_add_suite("command", tests, UNIT_NTESTS(tests));
}
