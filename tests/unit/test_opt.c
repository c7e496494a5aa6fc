/*
 * opt_parse and opt_print over a table with every kind: defaults, values,
 * range errors with their exact messages, byte suffixes, full lists, hooks,
 * getopt's own errors, operands, and the defaults --help prints.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "exitcode.h"
#include "opt.h"
#include "tests.h"

struct tcfg {
	bool flag;
	int level;
	const char *str;
	const char *const *list;
	size_t nlist;
	const char *store[2];
	const char *port;
	double wait;
	double off_sec;
	size_t count;
	size_t bytes;
	double ping;
	const char *secret;
	const char *url;
};

#define AT(m) offsetof(struct tcfg, m)

/* -1: --count 1. */
static const char *
count_one(void *cfg, const char *arg)
{
	(void)arg;
	((struct tcfg *)cfg)->count = 1;
	return NULL;
}

static const char *
not_bad(void *cfg, const char *arg)
{
	(void)cfg;
	return strcmp(arg, "bad") != 0 ? NULL : "must not be bad";
}

/* What --secret stores when it is the last word, without its value. */
static const char ask[] = "ask";

static const struct opt_def defs[] = {
	{ NULL, '1', NULL, "one (--count 1)", .kind = OPT_HOOK,
	    .hook = count_one },
	OPT_ROW_MAX_MESSAGE(AT(bytes)),
	{ "count", 'n', "N", "how many", .kind = OPT_COUNT, .off = AT(count),
	    .min = 1, .max = 1000, .def = 5 },
	{ "flag", 'f', NULL, "a flag", .kind = OPT_FLAG, .off = AT(flag) },
	OPT_ROW_HELP,
	{ "list", 'l', "ITEM", "a list", .kind = OPT_LIST, .off = AT(list),
	    .store_off = AT(store), .count_off = AT(nlist), .max = 2,
	    .def_str = "d" },
	{ "off", 0, "SECONDS", "off unless given", .kind = OPT_SECONDS,
	    .off = AT(off_sec), .min = 0.001, .max = 60, .def = 0 },
	OPT_ROW_PING_TIMEOUT(AT(ping), "give up on a silent peer"),
	{ "port", 'p', "PORT", "a port", .kind = OPT_PORT, .off = AT(port),
	    .def_str = "15678" },
	{ "quiet", 'q', NULL, "quieter", .kind = OPT_SET, .off = AT(level),
	    .def = -1 },
	{ "str", 's', "TEXT", "a string", .kind = OPT_STRING, .off = AT(str),
	    .def_str = "dflt", .hook = not_bad },
	{ "secret", 0, "PASS", "a secret", .kind = OPT_STRING,
	    .off = AT(secret), .bare = ask },
	OPT_ROW_VERBOSE(AT(level), "louder"), OPT_ROW_VERSION,
	{ "wait", 'w', "SECONDS", "a wait", .kind = OPT_SECONDS,
	    .off = AT(wait), .min = -1, .max = 86400, .def = 0.25 },
	{ 0 }
};

static const struct opt_cli cli = { .name = "prog",
	.version = "1.2.3",
	.usage = "usage: prog [-1fhqVv] url",
	.about = "About prog.",
	.defs = defs,
	.operand = "URL",
	.operand_off = AT(url) };

/* The same table for a program that takes no operand. */
static const struct opt_cli cli_none = { .name = "none",
	.version = "0",
	.usage = "usage: none",
	.about = "",
	.defs = defs };

static struct tcfg c;
static char err[OPT_ERRLEN];

/* opt_parse of "prog" and words (up to NULL) into c, over garbage: every
 * default must be stored, not left to a zeroed config. */
static int
parse_words(const struct opt_cli *pc, const char *const *words)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"prog";
	while (*words != NULL && argc < 31)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	memset(&c, 0x5a, sizeof(c));
	c.flag = true;
	strcpy(err, "untouched");
	return opt_parse(pc, &c, argc, argv, err, sizeof(err));
}

#define PARSE(...) parse_words(&cli, (const char *[]){ __VA_ARGS__, NULL })

/* Expects OPT_USAGE, the usage to follow, with exactly msg in err. */
#define FAILS_USAGE(msg, ...)                                   \
	do {                                                    \
		CU_ASSERT_EQUAL(PARSE(__VA_ARGS__), OPT_USAGE); \
		CU_ASSERT_STRING_EQUAL(err, msg);               \
	} while (0)

static void
test_defaults(void)
{
	CU_ASSERT_EQUAL(PARSE("ws://u/"), OPT_OK);
	CU_ASSERT_FALSE(c.flag);
	CU_ASSERT_EQUAL(c.level, 0);
	CU_ASSERT_STRING_EQUAL(c.str, "dflt");
	CU_ASSERT_STRING_EQUAL(c.port, "15678");
	CU_ASSERT_DOUBLE_EQUAL(c.wait, 0.25, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.off_sec, 0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.ping, 10, 1e-9);
	CU_ASSERT_EQUAL(c.count, 5);
	CU_ASSERT_EQUAL(c.bytes, 16 << 20);
	CU_ASSERT_PTR_EQUAL(c.list, c.store);
	CU_ASSERT_EQUAL(c.nlist, 1);
	CU_ASSERT_STRING_EQUAL(c.list[0], "d");
	CU_ASSERT_STRING_EQUAL(c.url, "ws://u/");
	CU_ASSERT_STRING_EQUAL(err, "untouched");
}

static void
test_flags_and_hooks(void)
{
	CU_ASSERT_EQUAL(PARSE("-f", "u"), OPT_OK);
	CU_ASSERT_TRUE(c.flag);
	/* -q and -v share a field: the last one wins. */
	CU_ASSERT_EQUAL(PARSE("-qv", "u"), OPT_OK);
	CU_ASSERT_EQUAL(c.level, LOG_VERBOSE);
	CU_ASSERT_EQUAL(PARSE("-v", "--quiet", "u"), OPT_OK);
	CU_ASSERT_EQUAL(c.level, -1);
	CU_ASSERT_EQUAL(PARSE("--count", "7", "-1", "u"), OPT_OK);
	CU_ASSERT_EQUAL(c.count, 1);
	CU_ASSERT_EQUAL(PARSE("-1", "--count=7", "u"), OPT_OK);
	CU_ASSERT_EQUAL(c.count, 7);
}

static void
test_string(void)
{
	CU_ASSERT_EQUAL(PARSE("-s", "x", "u"), OPT_OK);
	CU_ASSERT_STRING_EQUAL(c.str, "x");
	CU_ASSERT_EQUAL(PARSE("--str=", "u"), OPT_OK);
	CU_ASSERT_STRING_EQUAL(c.str, "");
}

/* A bare value stands in for a missing one, which only the last word can
 * lack; elsewhere the next word is the value, whatever it is. */
static void
test_bare(void)
{
	CU_ASSERT_EQUAL(PARSE("u"), OPT_OK);
	CU_ASSERT_PTR_NULL(c.secret);
	CU_ASSERT_EQUAL(PARSE("u", "--secret"), OPT_OK);
	CU_ASSERT_PTR_EQUAL(c.secret, ask);
	CU_ASSERT_STRING_EQUAL(c.url, "u");
	CU_ASSERT_EQUAL(PARSE("-f", "--secret"), OPT_USAGE);
	CU_ASSERT_STRING_EQUAL(err, "no URL given");
	CU_ASSERT_PTR_EQUAL(c.secret, ask);
	CU_ASSERT_EQUAL(PARSE("--secret", "u"), OPT_USAGE);
	CU_ASSERT_STRING_EQUAL(c.secret, "u");
	CU_ASSERT_EQUAL(PARSE("--secret", "-f", "u"), OPT_OK);
	CU_ASSERT_STRING_EQUAL(c.secret, "-f");
	CU_ASSERT_FALSE(c.flag);
	CU_ASSERT_EQUAL(PARSE("--secret=", "u"), OPT_OK);
	CU_ASSERT_STRING_EQUAL(c.secret, "");
	CU_ASSERT_EQUAL(PARSE("--secret", "ask", "u"), OPT_OK);
	CU_ASSERT_PTR_NOT_EQUAL(c.secret, ask);
	/* The others still fail without theirs. */
	FAILS_USAGE("missing argument for --str", "u", "--secret=x", "--str");
}

static void
test_list(void)
{
	CU_ASSERT_EQUAL(PARSE("-l", "a", "u", "--list=b"), OPT_OK);
	CU_ASSERT_EQUAL(c.nlist, 2);
	CU_ASSERT_STRING_EQUAL(c.list[0], "a");
	CU_ASSERT_STRING_EQUAL(c.list[1], "b");
}

static void
test_port(void)
{
	CU_ASSERT_EQUAL(PARSE("-p", "0", "u"), OPT_OK);
	CU_ASSERT_STRING_EQUAL(c.port, "0");
	CU_ASSERT_EQUAL(PARSE("--port", "65535", "u"), OPT_OK);
	CU_ASSERT_STRING_EQUAL(c.port, "65535");
}

static void
test_seconds(void)
{
	CU_ASSERT_EQUAL(PARSE("-w", "1.5", "--off", "0.001", "u"), OPT_OK);
	CU_ASSERT_DOUBLE_EQUAL(c.wait, 1.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.off_sec, 0.001, 1e-12);
	CU_ASSERT_EQUAL(PARSE("-w", "-1", "u"), OPT_OK);
	CU_ASSERT_DOUBLE_EQUAL(c.wait, -1, 1e-9);
}

static void
test_count(void)
{
	CU_ASSERT_EQUAL(PARSE("-n", "1000", "u"), OPT_OK);
	CU_ASSERT_EQUAL(c.count, 1000);
}

static void
test_bytes(void)
{
	static const struct {
		const char *arg;
		size_t v;
	} ok[] = {
		{ "1", 1 },
		{ "1k", 1024 },
		{ "2K", 2048 },
		{ "3m", 3 << 20 },
		{ "16M", 16 << 20 },
		{ "1G", 1 << 30 },
		{ "1073741824", 1 << 30 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_EQUAL(PARSE("--max-message", ok[i].arg, "u"), OPT_OK);
		CU_ASSERT_EQUAL(c.bytes, ok[i].v);
	}
}

/* Refused values: the option as given, the value, and why, in one line. */
static void
test_value_errors(void)
{
	static const struct {
		const char *words[8];
		const char *msg;
	} bad[] = {
		/* A hook's reason; -fsbad is -f -s bad. */
		{ { "--str", "bad" }, "--str bad: must not be bad" },
		{ { "-fsbad" }, "-s bad: must not be bad" },
		/* A full list. */
		{ { "-l", "a", "-l", "b", "-l", "c" },
		    "-l c: too many (max 2)" },
		{ { "-la", "-lb", "--list", "c" },
		    "--list c: too many (max 2)" },
		/* Ports: 0-65535 whatever the row says. */
		{ { "--port", "70000" },
		    "--port 70000: too large (max 65535)" },
		{ { "-p", "65536" }, "-p 65536: too large (max 65535)" },
		{ { "-p", "-1" }, "-p -1: too small (min 0)" },
		{ { "-p", "80x" }, "-p 80x: invalid" },
		{ { "-p", "http" }, "-p http: invalid" },
		{ { "--port=" }, "--port '': invalid" },
		/* Seconds: an overflow is out of range, and infinities and
		 * leading space are no durations. */
		{ { "-w", "abc" }, "-w abc: invalid" },
		{ { "-w", "-2" }, "-w -2: too small (min -1)" },
		{ { "--wait", "86401" },
		    "--wait 86401: too large (max 86400)" },
		{ { "--off", "0" }, "--off 0: too small (min 0.001)" },
		{ { "--ping-timeout", "0" },
		    "--ping-timeout 0: too small (min 0.001)" },
		{ { "-w", "1e999" }, "-w 1e999: too large (max 86400)" },
		{ { "-w", "inf" }, "-w inf: invalid" },
		{ { "-w", "nan" }, "-w nan: invalid" },
		{ { "-w", " 1" }, "-w  1: invalid" },
		{ { "-w", "1s" }, "-w 1s: invalid" },
		/* Counts: decimal integers only; an abbreviated long option
		 * is named in full. */
		{ { "-n", "1001" }, "-n 1001: too large (max 1000)" },
		{ { "--cou", "0" }, "--count 0: too small (min 1)" },
		{ { "-n", "99999999999999999999" },
		    "-n 99999999999999999999: too large (max 1000)" },
		{ { "-n", "-99999999999999999999" },
		    "-n -99999999999999999999: too small (min 1)" },
		{ { "-n", "1.5" }, "-n 1.5: invalid" },
		{ { "-n", "0x10" }, "-n 0x10: invalid" },
		{ { "-n", "10K" }, "-n 10K: invalid" },
		/* Bytes: the bound shown with its suffix. */
		{ { "--max-message", "2G" },
		    "--max-message 2G: too large (max 1G)" },
		{ { "--max-message", "1048577K" },
		    "--max-message 1048577K: too large (max 1G)" },
		{ { "--max-message", "0" },
		    "--max-message 0: too small (min 1)" },
		{ { "--max-message", "-1K" },
		    "--max-message -1K: too small (min 1)" },
		{ { "--max-message", "1T" }, "--max-message 1T: invalid" },
		{ { "--max-message", "1KB" }, "--max-message 1KB: invalid" },
		{ { "--max-message", "K" }, "--max-message K: invalid" },
		{ { "--max-message", "1.5M" }, "--max-message 1.5M: invalid" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse_words(&cli, bad[i].words), OPT_ERROR);
		CU_ASSERT_STRING_EQUAL(err, bad[i].msg);
	}
}

static void
test_syntax_errors(void)
{
	FAILS_USAGE("unknown option --bogus", "--bogus", "u");
	FAILS_USAGE("unknown option -Z", "-Z", "u");
	/* In a cluster, the letter is named, not the word. */
	FAILS_USAGE("unknown option -Z", "-1Z", "u");
	FAILS_USAGE("--flag=1: option takes no argument", "--flag=1", "u");
	FAILS_USAGE("missing argument for -n", "u", "-n");
	FAILS_USAGE("missing argument for --count", "u", "--count");
	FAILS_USAGE("unexpected argument 'v'", "u", "v");
	FAILS_USAGE("no URL given", "-f");
	CU_ASSERT_EQUAL(parse_words(&cli_none, (const char *[]){ "x", NULL }),
	    OPT_USAGE);
	CU_ASSERT_STRING_EQUAL(err, "unexpected argument 'x'");
	CU_ASSERT_EQUAL(parse_words(&cli_none, (const char *[]){ "-f", NULL }),
	    OPT_OK);
}

static void
test_help_version(void)
{
	CU_ASSERT_EQUAL(PARSE("-h"), OPT_HELP_ASKED);
	CU_ASSERT_EQUAL(PARSE("--version"), OPT_VERSION_ASKED);
	/* Parsing stops at -h, but not before. */
	CU_ASSERT_EQUAL(PARSE("-h", "--bogus"), OPT_HELP_ASKED);
	CU_ASSERT_EQUAL(PARSE("-p", "x", "-h"), OPT_ERROR);
	/* After a parse that stopped inside a cluster, the next starts
	 * afresh. */
	CU_ASSERT_EQUAL(PARSE("-hf"), OPT_HELP_ASKED);
	CU_ASSERT_EQUAL(PARSE("-f", "u"), OPT_OK);
	CU_ASSERT_TRUE(c.flag);
}

/* What opt_print writes for status; it must return exit. */
static char *
printed(int status, int exit)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	CU_ASSERT_EQUAL(opt_print(fp, &cli, status), exit);
	fclose(fp);
	return text;
}

static void
test_print(void)
{
	static const char help[] =
	    "usage: prog [-1fhqVv] url\n"
	    "\n"
	    "About prog.\n"
	    "\n"
	    "  -1                             one (--count 1)\n"
	    "      --max-message BYTES        largest message accepted"
	    " (default 16M)\n"
	    "  -n, --count N                  how many (default 5)\n"
	    "  -f, --flag                     a flag\n"
	    "  -h, --help                     print this help and exit\n"
	    "  -l, --list ITEM                a list"
	    " (up to 2 times; default d)\n"
	    "      --off SECONDS              off unless given\n"
	    "      --ping-timeout SECONDS     give up on a silent peer"
	    " (default 10)\n"
	    "  -p, --port PORT                a port (default 15678)\n"
	    "  -q, --quiet                    quieter\n"
	    "  -s, --str TEXT                 a string (default dflt)\n"
	    "      --secret PASS              a secret\n"
	    "  -v, --verbose                  louder\n"
	    "  -V, --version                  print the version and exit\n"
	    "  -w, --wait SECONDS             a wait (default 0.25)\n";
	char *text;

	if ((text = printed(OPT_HELP_ASKED, WS_EXIT_OK)) != NULL)
		CU_ASSERT_STRING_EQUAL(text, help);
	free(text);
	if ((text = printed(OPT_VERSION_ASKED, WS_EXIT_OK)) != NULL)
		CU_ASSERT_STRING_EQUAL(text, "prog 1.2.3\n");
	free(text);
	/* After the error line that cmd/ prints: the usage, or nothing. */
	if ((text = printed(OPT_USAGE, WS_EXIT_USAGE)) != NULL)
		CU_ASSERT_STRING_EQUAL(text, "usage: prog [-1fhqVv] url\n");
	free(text);
	if ((text = printed(OPT_ERROR, WS_EXIT_USAGE)) != NULL)
		CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
}

static void
test_print_fails(void)
{
	FILE *fp;

	/* A stdout that cannot be written is a failure, not a silent 0. */
	if ((fp = fopen("/dev/full", "w")) == NULL)
		return;
	CU_ASSERT_EQUAL(opt_print(fp, &cli, OPT_HELP_ASKED), WS_EXIT_FAIL);
	fclose(fp);
}

static const struct unit_test tests[] = {
	{ "defaults stored before parsing", test_defaults },
	{ "flags, -q/-v and hook-only options", test_flags_and_hooks },
	{ "strings", test_string },
	{ "a bare value for the last word", test_bare },
	{ "lists", test_list },
	{ "ports: 0-65535, kept as text", test_port },
	{ "seconds, with a fraction", test_seconds },
	{ "counts", test_count },
	{ "bytes with K, M, G suffixes", test_bytes },
	{ "refused values name option and bound", test_value_errors },
	{ "unknown options, arguments, operands", test_syntax_errors },
	{ "-h and -V stop the parse", test_help_version },
	{ "--help with defaults, version, usage", test_print },
	{ "opt_print reports a write error", test_print_fails },
};

int
test_opt_add(void)
{
	return unit_add_suite("opt", tests, UNIT_NTESTS(tests));
}
