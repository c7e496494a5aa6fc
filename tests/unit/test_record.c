/*
 * src/record: JSON lines of messages (every control byte, quote,
 * backslash, C1 control and bidi mark escaped, other UTF-8 passed as it
 * is, binary in base64, with and without a client id), each parsed back
 * with jansson; event lines in JSON and in the --ids form; the parsing of
 * JSON input lines (strings, objects, "to", closes for both tools, every
 * error) and of "ID<TAB>text" lines; the framing options checked
 * together; what each framing checks and the longest record it makes.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

#include "buf.h"
#include "lineio.h"
#include "outq.h"
#include "record.h"
#include "tests.h"

#define MAX_MESSAGE (16u << 20)

/* ---- messages as JSON lines -------------------------------------------- */

/* The line record_json_message makes of p[0..n), NUL-ended in out (of
 * room max), or NULL; *cur is the caller's current chunk. */
static char *
json_message(struct chunk **cur, unsigned long id, bool text, const void *p,
    size_t n, char *out, size_t max)
{
	size_t off = (size_t)-1, len = (size_t)-1;
	struct chunk *c = record_json_message(cur, id, text, p, n, &off, &len);

	if (c == NULL || off > c->len || len > c->len - off || len + 1 > max)
		return NULL;
	/* The line is exactly what the chunk gained. */
	if (off + len != c->len)
		return NULL;
	memcpy(out, c->data + off, len);
	out[len] = '\0';
	return out;
}

/* True when line parses (jansson) to exactly {"type":..., "data":...}
 * (and "id":id when id is not 0) whose data is p[0..n) (text) or its
 * base64 (binary). */
static bool
round_trips(const char *line, unsigned long id, bool text, const void *p,
    size_t n)
{
	json_error_t e;
	json_t *root = json_loads(line, JSON_ALLOW_NUL, &e), *data;
	bool ok = false;

	if (root == NULL) {
		fprintf(stderr, "\nnot JSON (%s): %.200s\n", e.text, line);
		return false;
	}
	data = json_object_get(root, "data");
	if (json_object_size(root) == (id != 0 ? 3u : 2u) &&
	    json_is_string(data) &&
	    json_is_string(json_object_get(root, "type")) &&
	    strcmp(json_string_value(json_object_get(root, "type")),
		text ? "text" : "binary") == 0 &&
	    (id == 0 ||
		(json_is_integer(json_object_get(root, "id")) &&
		    (unsigned long)json_integer_value(
			json_object_get(root, "id")) == id))) {
		if (text)
			ok = json_string_length(data) == n &&
			    memcmp(json_string_value(data), p, n) == 0;
		else {
			/* Decoded the way wsserve reads its input. */
			struct record r;
			char err[256], *in;
			size_t m = strlen(line) + 64;

			in = malloc(m);
			record_init(&r);
			snprintf(in, m, "{\"type\":\"binary\",\"data\":\"%s\"}",
			    json_string_value(data));
			ok = record_parse_json(&r, in, strlen(in), false,
				 MAX_MESSAGE, err, sizeof(err)) == 0 &&
			    !r.text && r.len == n &&
			    (n == 0 || memcmp(r.data, p, n) == 0);
			record_clear(&r);
			free(in);
		}
	}
	json_decref(root);
	return ok;
}

static void
test_message_text_plain(void)
{
	struct chunk *cur = NULL;
	char out[256];

	CU_ASSERT_STRING_EQUAL(json_message(&cur, 0, true, "hi", 2, out,
				   sizeof(out)),
	    "{\"type\":\"text\",\"data\":\"hi\"}");
	CU_ASSERT_STRING_EQUAL(json_message(&cur, 3, true, "hi", 2, out,
				   sizeof(out)),
	    "{\"id\":3,\"type\":\"text\",\"data\":\"hi\"}");
	CU_ASSERT_STRING_EQUAL(json_message(&cur, 0, true, "", 0, out,
				   sizeof(out)),
	    "{\"type\":\"text\",\"data\":\"\"}");
	CU_ASSERT_STRING_EQUAL(json_message(&cur, ULONG_MAX, true, "/", 1, out,
				   sizeof(out)),
	    "{\"id\":18446744073709551615,\"type\":\"text\",\"data\":\"/\"}");
	/* The largest id jansson reads back. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(
	    json_message(&cur, LLONG_MAX, true, "/", 1, out, sizeof(out)));
	CU_ASSERT(round_trips(out, LLONG_MAX, true, "/", 1));
	chunk_unref(cur);
}

/* Every C0 control and DEL: the short escapes JSON has, \u00xx for the
 * rest; " and \ escaped. */
static void
test_message_text_controls(void)
{
	struct chunk *cur = NULL;
	char in[40], want[400], out[512], *w = want;
	size_t n = 0;

	w += sprintf(w, "{\"id\":1,\"type\":\"text\",\"data\":\"");
	for (int c = 0; c < 0x20; c++) {
		in[n++] = (char)c;
		switch (c) {
		case '\b':
			w += sprintf(w, "\\b");
			break;
		case '\t':
			w += sprintf(w, "\\t");
			break;
		case '\n':
			w += sprintf(w, "\\n");
			break;
		case '\f':
			w += sprintf(w, "\\f");
			break;
		case '\r':
			w += sprintf(w, "\\r");
			break;
		default:
			w += sprintf(w, "\\u%04x", c);
		}
	}
	memcpy(in + n, "\x7f\"\\a", 4);
	n += 4;
	sprintf(w, "\\u007f\\\"\\\\a\"}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(
	    json_message(&cur, 1, true, in, n, out, sizeof(out)));
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT(round_trips(out, 1, true, in, n));
	chunk_unref(cur);
}

/* Each C1 control (U+0080-U+009F) and bidi mark (U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) alone, at the start, in the middle and
 * at the end. */
static void
test_message_text_hidden(void)
{
	static const uint32_t bidi[] = { 0x200e, 0x200f, 0x202a, 0x202b, 0x202c,
		0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069 };
	struct chunk *cur = NULL;
	char in[16], want[128], out[128], esc[8], u[4];
	uint32_t cps[32 + 11];
	size_t ncp = 0, k;

	for (uint32_t cp = 0x80; cp <= 0x9f; cp++)
		cps[ncp++] = cp;
	for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++)
		cps[ncp++] = bidi[i];
	for (size_t i = 0; i < ncp; i++) {
		uint32_t cp = cps[i];

		if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3f));
			k = 2;
		} else {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			k = 3;
		}
		snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
		/* alone */
		snprintf(want, sizeof(want),
		    "{\"type\":\"text\",\"data\":\"%s\"}", esc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(
		    json_message(&cur, 0, true, u, k, out, sizeof(out)));
		CU_ASSERT_STRING_EQUAL(out, want);
		CU_ASSERT(round_trips(out, 0, true, u, k));
		/* between others, twice */
		memcpy(in, "a", 1);
		memcpy(in + 1, u, k);
		memcpy(in + 1 + k, "b", 1);
		memcpy(in + 2 + k, u, k);
		snprintf(want, sizeof(want),
		    "{\"id\":9,\"type\":\"text\",\"data\":\"a%sb%s\"}", esc,
		    esc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(json_message(&cur, 9, true, in,
		    2 + 2 * k, out, sizeof(out)));
		CU_ASSERT_STRING_EQUAL(out, want);
		CU_ASSERT(round_trips(out, 9, true, in, 2 + 2 * k));
	}
	chunk_unref(cur);
}

/* UTF-8 that is neither: passed as it is, including sequences whose lead
 * byte the hidden ones share (U+00A0 after C1, U+2010 and U+2028 near
 * the bidi marks, U+2065 and U+206A around U+2066-U+2069). */
static void
test_message_text_utf8_passes(void)
{
	static const char *const ok[] = {
		"\xc3\xa9",	    /* é */
		"\xc2\xa0",	    /* U+00A0 */
		"\xc2\xbf",	    /* U+00BF */
		"\xe2\x80\x90",	    /* U+2010 */
		"\xe2\x80\x8d",	    /* U+200D, before U+200E */
		"\xe2\x80\xa8",	    /* U+2028 */
		"\xe2\x80\xa9",	    /* U+2029, before U+202A */
		"\xe2\x80\xaf",	    /* U+202F, after U+202E */
		"\xe2\x81\xa5",	    /* U+2065 */
		"\xe2\x81\xaa",	    /* U+206A */
		"\xe6\x97\xa5",	    /* 日 */
		"\xf0\x9f\x98\x80", /* U+1F600 */
		"\xef\xbf\xbd",	    /* U+FFFD */
	};
	struct chunk *cur = NULL;
	char want[64], out[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(want, sizeof(want),
		    "{\"type\":\"text\",\"data\":\"%s\"}", ok[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(json_message(&cur, 0, true, ok[i],
		    strlen(ok[i]), out, sizeof(out)));
		CU_ASSERT_STRING_EQUAL(out, want);
		CU_ASSERT(round_trips(out, 0, true, ok[i], strlen(ok[i])));
	}
	chunk_unref(cur);
}

/* Base64 of 0 to 5 bytes: every padding, exactly. */
static void
test_message_binary_small(void)
{
	static const char *const want[] = { "", "AA==", "AAE=", "AAEC",
		"AAECAw==", "AAECAwQ=" };
	static const uint8_t bytes[] = { 0, 1, 2, 3, 4 };
	struct chunk *cur = NULL;
	char line[128], out[128];

	for (size_t n = 0; n <= 5; n++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"binary\",\"data\":\"%s\"}", want[n]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(
		    json_message(&cur, 0, false, bytes, n, out, sizeof(out)));
		CU_ASSERT_STRING_EQUAL(out, line);
		CU_ASSERT(round_trips(out, 0, false, bytes, n));
		snprintf(line, sizeof(line),
		    "{\"id\":42,\"type\":\"binary\",\"data\":\"%s\"}", want[n]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(
		    json_message(&cur, 42, false, bytes, n, out, sizeof(out)));
		CU_ASSERT_STRING_EQUAL(out, line);
		CU_ASSERT(round_trips(out, 42, false, bytes, n));
	}
	chunk_unref(cur);
}

/* Every byte value; the two base64 characters past the letters and
 * digits. */
static void
test_message_binary_all_bytes(void)
{
	struct chunk *cur = NULL;
	uint8_t all[256];
	char out[512];

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	CU_ASSERT_PTR_NOT_NULL_FATAL(
	    json_message(&cur, 7, false, all, 256, out, sizeof(out)));
	CU_ASSERT(round_trips(out, 7, false, all, 256));
	CU_ASSERT_STRING_EQUAL(json_message(&cur, 0, false, "\xfb\xff\xbf", 3,
				   out, sizeof(out)),
	    "{\"type\":\"binary\",\"data\":\"+/+/\"}");
	chunk_unref(cur);
}

/* A large text of every kind of escape: the length is exact (the chunk
 * was sized for it) and it parses back. */
static void
test_message_text_large(void)
{
	static const char unit[] = "\x01\"\\\n\xc2\x85\xe2\x80\xae\xc3\xa9z";
	enum { REPS = 20000 };
	size_t ulen = sizeof(unit) - 1, n = ulen * REPS;
	struct chunk *cur = NULL;
	char *in = malloc(n), *out = malloc(6 * n + 64);

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (size_t i = 0; i < REPS; i++)
		memcpy(in + i * ulen, unit, ulen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(
	    json_message(&cur, 5, true, in, n, out, 6 * n + 64));
	/* \u0001 \" \\ \n \u0085 \u202e é z */
	CU_ASSERT_EQUAL(strlen(out),
	    strlen("{\"id\":5,\"type\":\"text\",\"data\":\"\"}") +
		(size_t)REPS * (6 + 2 + 2 + 2 + 6 + 6 + 2 + 1));
	CU_ASSERT(round_trips(out, 5, true, in, n));
	free(in);
	free(out);
	chunk_unref(cur);
}

/* The longest line a message of n bytes makes fits in record_max. */
static void
test_record_max(void)
{
	struct record_opts jsonl = { .framing = RECORD_JSONL },
			   ids = { .framing = RECORD_IDS },
			   lines = { .framing = RECORD_LINES };
	enum { N = 3000 };
	struct chunk *cur = NULL;
	char *worst = malloc(N), *out = malloc(8 * N + 256);
	size_t off, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(worst);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	memset(worst, 1, N);
	CU_ASSERT_PTR_NOT_NULL_FATAL(record_json_message(&cur, ULONG_MAX, true,
	    (const uint8_t *)worst, N, &off, &len));
	CU_ASSERT(len + 1 <= record_max(&jsonl, N));
	/* C1 controls: two bytes, six escaped. */
	for (size_t i = 0; i + 1 < N; i += 2)
		memcpy(worst + i, "\xc2\x9b", 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(record_json_message(&cur, ULONG_MAX, true,
	    (const uint8_t *)worst, N, &off, &len));
	CU_ASSERT(len + 1 <= record_max(&jsonl, N));
	CU_ASSERT_PTR_NOT_NULL_FATAL(record_json_message(&cur, ULONG_MAX, false,
	    (const uint8_t *)worst, N, &off, &len));
	CU_ASSERT(len + 1 <= record_max(&jsonl, N));
	CU_ASSERT(N + strlen("18446744073709551615\t") <= record_max(&ids, N));
	CU_ASSERT(record_max(&lines, N) >= N);
	free(worst);
	free(out);
	chunk_unref(cur);
}

/* ---- events -------------------------------------------------------------- */

/* The JSON event line of ev, NUL-ended, or NULL. */
static const char *
json_event(struct buf *b, const struct record_event *ev)
{
	if (record_json_event(b, ev) != 0 ||
	    buf_append(b, "", 1) != 0) /* a NUL, for the comparisons */
		return NULL;
	return buf_head(b);
}

/* True when s parses as JSON (an object). */
static bool
parses(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	bool ok = json_is_object(v);

	if (!ok)
		fprintf(stderr, "\nnot a JSON object (%s): %s\n", e.text, s);
	json_decref(v);
	return ok;
}

static void
test_json_event_open(void)
{
	struct buf b;
	struct record_event ev = { .event = "open",
		.id = 1,
		.peer = "127.0.0.1:5000",
		.path = "/chat?x=1",
		.subprotocol = "",
		.origin = "http://app.example",
		.code = -1 };
	const char *s;

	buf_init(&b, 1 << 20);
	buf_append(&b, "old junk", 8); /* emptied first */
	s = json_event(&b, &ev);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"id\":1,\"event\":\"open\",\"peer\":\"127.0.0.1:5000\","
	    "\"path\":\"/chat?x=1\",\"subprotocol\":\"\","
	    "\"origin\":\"http://app.example\"}");
	CU_ASSERT(parses(s));
	/* No origin sent: no key. */
	ev.origin = NULL;
	ev.subprotocol = "chat";
	CU_ASSERT_STRING_EQUAL(json_event(&b, &ev),
	    "{\"id\":1,\"event\":\"open\",\"peer\":\"127.0.0.1:5000\","
	    "\"path\":\"/chat?x=1\",\"subprotocol\":\"chat\"}");
	/* wscat's: no id. */
	ev.id = 0;
	ev.peer = "[::1]:80";
	ev.path = "/";
	ev.subprotocol = "";
	CU_ASSERT_STRING_EQUAL(json_event(&b, &ev),
	    "{\"event\":\"open\",\"peer\":\"[::1]:80\",\"path\":\"/\","
	    "\"subprotocol\":\"\"}");
	buf_deinit(&b);
}

static void
test_json_event_close_error(void)
{
	struct buf b;
	struct record_event
	    close = { .event = "close", .id = 2, .code = 1000, .reason = "" },
	    lost = { .event = "close",
		    .code = 1006,
		    .reason = "connection lost without a close "
			      "frame" },
	    gone = { .event = "error",
		    .id = 7,
		    .code = -1,
		    .error = "no such client",
		    .line = 4 },
	    bad = { .event = "error",
		    .code = -1,
		    .error = "not JSON: 'x'",
		    .line = 12 };
	const char *s;

	buf_init(&b, 1 << 20);
	s = json_event(&b, &close);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"id\":2,\"event\":\"close\",\"code\":1000,\"reason\":\"\"}");
	CU_ASSERT(parses(s));
	s = json_event(&b, &lost);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"event\":\"close\",\"code\":1006,\"reason\":\"connection lost "
	    "without a close frame\"}");
	CU_ASSERT(parses(s));
	s = json_event(&b, &gone);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"id\":7,\"event\":\"error\",\"error\":\"no such client\","
	    "\"line\":4}");
	CU_ASSERT(parses(s));
	s = json_event(&b, &bad);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"event\":\"error\",\"error\":\"not JSON: 'x'\",\"line\":12}");
	CU_ASSERT(parses(s));
	buf_deinit(&b);
}

/* A peer's bytes in an event: escaped, UTF-8 or not, and still JSON. */
static void
test_json_event_escaped(void)
{
	struct buf b;
	struct record_event ev = { .event = "open",
		.id = 3,
		.peer = "127.0.0.1:1",
		.path = "/a\"b\\c\x01\x7f\xff",
		.subprotocol = "",
		.origin = "http://\xc2\x85x\xe2\x80\xae",
		.code = -1 },
			    close = { .event = "close",
				    .id = 3,
				    .code = 4000,
				    .reason =
					"bye\n\"now\"\t\xc2\x9b\xe2\x81\xa6" };
	const char *s;
	json_error_t e;
	json_t *v;

	buf_init(&b, 1 << 20);
	s = json_event(&b, &ev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* The path is not UTF-8: every byte on its own. */
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(s, "\"path\":\"/a\\u0022b\\u005cc\\u0001\\u007f\\u00ff\""));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(s, "\"origin\":\"http://\\u0085x\\u202e\""));
	CU_ASSERT(parses(s));
	s = json_event(&b, &close);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"id\":3,\"event\":\"close\",\"code\":4000,\"reason\":"
	    "\"bye\\n\\\"now\\\"\\t\\u009b\\u2066\"}");
	v = json_loads(s, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "reason")),
	    close.reason);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(v, "code")), 4000);
	json_decref(v);
	buf_deinit(&b);
}

/* The --ids line of ev, NUL-ended, or NULL. */
static const char *
ids_event(struct buf *b, const struct record_event *ev)
{
	if (record_ids_event(b, ev) != 0 || buf_append(b, "", 1) != 0)
		return NULL;
	return buf_head(b);
}

static void
test_ids_event(void)
{
	struct buf b;
	struct record_event
	    open = { .event = "open",
		    .id = 3,
		    .peer = "127.0.0.1:5000",
		    .path = "/chat?x=1",
		    .code = -1 },
	    close = { .event = "close", .id = 3, .code = 1000, .reason = "" },
	    bye = { .event = "close", .id = 12, .code = 4000, .reason = "bye" },
	    gone = { .event = "error",
		    .id = 7,
		    .code = -1,
		    .error = "no such client" };

	buf_init(&b, 1 << 20);
	buf_append(&b, "old", 3);
	CU_ASSERT_STRING_EQUAL(ids_event(&b, &open),
	    "3:open\t127.0.0.1:5000\t/chat?x=1");
	CU_ASSERT_STRING_EQUAL(ids_event(&b, &close), "3:close\t1000\t");
	CU_ASSERT_STRING_EQUAL(ids_event(&b, &bye), "12:close\t4000\tbye");
	CU_ASSERT_STRING_EQUAL(ids_event(&b, &gone), "7:error\tno such client");
	buf_deinit(&b);
}

/* TAB, LF, CR, other controls, C1 and bidi marks in a field cannot end or
 * split the record, nor act on a terminal; a backslash is escaped too,
 * so that an escape cannot be forged. */
static void
test_ids_event_escaped(void)
{
	struct buf b;
	struct record_event ev = { .event = "close",
		.id = 1,
		.code = 4001,
		.reason = "a\tb\nc\rd\x01\xc2\x85\xe2\x80\xae" },
			    path = { .event = "open",
				    .id = 1,
				    .peer = "127.0.0.1:1",
				    .path = "/x\\x09y",
				    .code = -1 };
	const char *s;

	buf_init(&b, 1 << 20);
	s = ids_event(&b, &ev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s,
	    "1:close\t4001\ta\\x09b\\nc\\rd\\x01\\u0085\\u202e");
	CU_ASSERT_PTR_NULL(strchr(s + strlen("1:close\t4001\t"), '\t'));
	/* A path with a backslash and "x09" in it is not shown as a path
	 * with a TAB in it. */
	s = ids_event(&b, &path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_NOT_EQUAL(s, "1:open\t127.0.0.1:1\t/x\\x09y");
	buf_deinit(&b);
}

/* ---- JSON input lines ------------------------------------------------- */

/* record_parse_json of the string s (its length) into r, after
 * record_clear; err filled on failure. */
static int
parse(struct record *r, const char *s, bool server, char *err, size_t errlen)
{
	record_clear(r);
	err[0] = '\0';
	return record_parse_json(r, s, strlen(s), server, MAX_MESSAGE, err,
	    errlen);
}

static void
test_parse_string(void)
{
	struct record r;
	char err[256];

	record_init(&r);
	CU_ASSERT_EQUAL_FATAL(parse(&r, "\"hi\"", false, err, sizeof(err)), 0);
	CU_ASSERT(r.text);
	CU_ASSERT(!r.close);
	CU_ASSERT_EQUAL(r.len, 2);
	CU_ASSERT_EQUAL(memcmp(r.data, "hi", 2), 0);
	CU_ASSERT_EQUAL(r.nto, 0);
	/* \u0000 is a byte of the message; escapes decoded; UTF-8 raw. */
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "\"a\\u0000b\\n\\\"\\u00e9\\ud83d\\ude00"
				  "\xe6\x97\xa5\"",
				  true, err, sizeof(err)),
	    0);
	CU_ASSERT(r.text);
	CU_ASSERT_EQUAL(r.len, 3 + 1 + 1 + 2 + 4 + 3);
	CU_ASSERT_EQUAL(memcmp(r.data,
			    "a\0b\n\"\xc3\xa9\xf0\x9f\x98\x80\xe6\x97\xa5",
			    r.len),
	    0);
	/* An empty message; blanks around the value. */
	CU_ASSERT_EQUAL_FATAL(parse(&r, " \"\" ", false, err, sizeof(err)), 0);
	CU_ASSERT(r.text);
	CU_ASSERT_EQUAL(r.len, 0);
	record_clear(&r);
}

static void
test_parse_objects(void)
{
	struct record r;
	char err[256];

	record_init(&r);
	CU_ASSERT_EQUAL_FATAL(
	    parse(&r, "{\"data\":\"x y\"}", false, err, sizeof(err)), 0);
	CU_ASSERT(r.text);
	CU_ASSERT(!r.close);
	CU_ASSERT_EQUAL(r.len, 3);
	CU_ASSERT_EQUAL(memcmp(r.data, "x y", 3), 0);
	CU_ASSERT_EQUAL_FATAL(parse(&r, "{\"data\":\"t\",\"type\":\"text\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT(r.text);
	CU_ASSERT_EQUAL(r.len, 1);
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "{\"type\":\"binary\",\"data\":\"AP8K\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT(!r.text);
	CU_ASSERT_EQUAL(r.len, 3);
	CU_ASSERT_EQUAL(memcmp(r.data, "\x00\xff\n", 3), 0);
	/* Every padding. */
	CU_ASSERT_EQUAL_FATAL(parse(&r, "{\"type\":\"binary\",\"data\":\"\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT(!r.text);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "{\"type\":\"binary\",\"data\":\"/w==\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.len, 1);
	CU_ASSERT_EQUAL((uint8_t)r.data[0], 0xff);
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "{\"type\":\"binary\",\"data\":\"AAE=\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.len, 2);
	CU_ASSERT_EQUAL(memcmp(r.data, "\x00\x01", 2), 0);
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "{\"type\":\"binary\",\"data\":\"+/+/AAEC\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.len, 6);
	CU_ASSERT_EQUAL(memcmp(r.data, "\xfb\xff\xbf\x00\x01\x02", 6), 0);
	record_clear(&r);
}

static void
test_parse_to(void)
{
	struct record r;
	char err[256];

	record_init(&r);
	CU_ASSERT_EQUAL_FATAL(
	    parse(&r, "{\"to\":3,\"data\":\"x\"}", true, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(r.nto, 1);
	CU_ASSERT_EQUAL(r.to[0], 3);
	CU_ASSERT(r.text);
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "{\"to\":[1,2,99],\"type\":\"binary\","
				  "\"data\":\"AA==\"}",
				  true, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL_FATAL(r.nto, 3);
	CU_ASSERT_EQUAL(r.to[0], 1);
	CU_ASSERT_EQUAL(r.to[1], 2);
	CU_ASSERT_EQUAL(r.to[2], 99);
	CU_ASSERT(!r.text);
	CU_ASSERT_EQUAL(r.len, 1);
	/* No "to": every client. */
	CU_ASSERT_EQUAL_FATAL(
	    parse(&r, "{\"data\":\"x\"}", true, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.nto, 0);
	record_clear(&r);
}

static void
test_parse_close(void)
{
	struct record r;
	char err[256];

	record_init(&r);
	/* wsserve: {"close":ID or [IDs],"code":...,"reason":...} */
	CU_ASSERT_EQUAL_FATAL(
	    parse(&r, "{\"close\":2}", true, err, sizeof(err)), 0);
	CU_ASSERT(r.close);
	CU_ASSERT_EQUAL_FATAL(r.nto, 1);
	CU_ASSERT_EQUAL(r.to[0], 2);
	CU_ASSERT_EQUAL(r.code, 1000);
	CU_ASSERT_STRING_EQUAL(r.reason, "");
	CU_ASSERT_EQUAL_FATAL(parse(&r,
				  "{\"close\":[2,5],\"code\":4000,"
				  "\"reason\":\"bye\"}",
				  true, err, sizeof(err)),
	    0);
	CU_ASSERT(r.close);
	CU_ASSERT_EQUAL_FATAL(r.nto, 2);
	CU_ASSERT_EQUAL(r.to[0], 2);
	CU_ASSERT_EQUAL(r.to[1], 5);
	CU_ASSERT_EQUAL(r.code, 4000);
	CU_ASSERT_STRING_EQUAL(r.reason, "bye");
	/* wscat: {"close":CODE,"reason":...} */
	CU_ASSERT_EQUAL_FATAL(parse(&r, "{\"close\":4001,\"reason\":\"done\"}",
				  false, err, sizeof(err)),
	    0);
	CU_ASSERT(r.close);
	CU_ASSERT_EQUAL(r.nto, 0);
	CU_ASSERT_EQUAL(r.code, 4001);
	CU_ASSERT_STRING_EQUAL(r.reason, "done");
	CU_ASSERT_EQUAL_FATAL(
	    parse(&r, "{\"close\":1000}", false, err, sizeof(err)), 0);
	CU_ASSERT(r.close);
	CU_ASSERT_EQUAL(r.code, 1000);
	CU_ASSERT_STRING_EQUAL(r.reason, "");
	record_clear(&r);
}

/* Every valid close code, and the bounds of the invalid ranges, for both
 * tools. */
static void
test_parse_close_codes(void)
{
	static const int valid[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
		1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };
	static const char *const invalid[] = { "0", "-1", "999", "1004", "1005",
		"1006", "1015", "1016", "2999", "5000", "65535", "65536",
		"66536", "4294968296", "1000.0", "\"1000\"", "null", "true",
		"[1000]" };
	struct record r;
	char err[256], line[128];

	record_init(&r);
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		snprintf(line, sizeof(line), "{\"close\":%d}", valid[i]);
		CU_ASSERT_EQUAL(parse(&r, line, false, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(r.code, valid[i]);
		snprintf(line, sizeof(line), "{\"close\":1,\"code\":%d}",
		    valid[i]);
		CU_ASSERT_EQUAL(parse(&r, line, true, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(r.code, valid[i]);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		snprintf(line, sizeof(line), "{\"close\":%s}", invalid[i]);
		CU_ASSERT_EQUAL(parse(&r, line, false, err, sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err,
		    "close code: expected 1000-1003, 1007-1014 or "
		    "3000-4999");
		snprintf(line, sizeof(line), "{\"close\":1,\"code\":%s}",
		    invalid[i]);
		CU_ASSERT_EQUAL(parse(&r, line, true, err, sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err,
		    "close code: expected 1000-1003, 1007-1014 or "
		    "3000-4999");
	}
	record_clear(&r);
}

/* A reason of at most 123 bytes (UTF-8 counts bytes), without NUL. */
static void
test_parse_close_reason(void)
{
	struct record r;
	char err[256], line[1024], reason[512];
	static const char why[] = "\"reason\": expected a string of at most "
				  "123 bytes, without NUL";

	record_init(&r);
	memset(reason, 'r', 123);
	reason[123] = '\0';
	snprintf(line, sizeof(line), "{\"close\":1000,\"reason\":\"%s\"}",
	    reason);
	CU_ASSERT_EQUAL(parse(&r, line, false, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(r.reason), 123);
	snprintf(line, sizeof(line), "{\"close\":1000,\"reason\":\"%sr\"}",
	    reason);
	CU_ASSERT_EQUAL(parse(&r, line, false, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, why);
	/* 41 three-byte characters: 123 bytes; 42: 126. */
	reason[0] = '\0';
	for (int i = 0; i < 41; i++)
		strcat(reason, "\xe2\x9c\x93");
	snprintf(line, sizeof(line),
	    "{\"close\":[1],\"code\":1001,\"reason\":\"%s\"}", reason);
	CU_ASSERT_EQUAL(parse(&r, line, true, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(r.reason, reason);
	snprintf(line, sizeof(line),
	    "{\"close\":[1],\"code\":1001,\"reason\":\"%s\xe2\x9c\x93\"}",
	    reason);
	CU_ASSERT_EQUAL(parse(&r, line, true, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, why);
	CU_ASSERT_EQUAL(parse(&r, "{\"close\":1000,\"reason\":\"a\\u0000b\"}",
			    false, err, sizeof(err)),
	    -1);
	CU_ASSERT_STRING_EQUAL(err, why);
	CU_ASSERT_EQUAL(parse(&r, "{\"close\":1000,\"reason\":7}", false, err,
			    sizeof(err)),
	    -1);
	CU_ASSERT_STRING_EQUAL(err, why);
	record_clear(&r);
}

/* Lines that are not records: each error with the reason given, for the
 * tool(s) it applies to. */
static void
test_parse_errors(void)
{
	static const struct {
		const char *line;
		int who; /* 1: wscat, 2: wsserve, 3: both */
		const char *err;
	} cases[] = {
		{ "[1,2]", 3, "expected a string or an object" },
		{ "1", 3, "expected a string or an object" },
		{ "null", 3, "expected a string or an object" },
		{ "true", 3, "expected a string or an object" },
		{ "{}", 3, "\"data\": expected a string" },
		{ "{\"data\":1}", 3, "\"data\": expected a string" },
		{ "{\"data\":null}", 3, "\"data\": expected a string" },
		{ "{\"type\":\"binary\"}", 3, "\"data\": expected a string" },
		{ "{\"data\":\"x\",\"extra\":1}", 3,
		    "unexpected key \"extra\"" },
		{ "{\"data\":\"x\",\"code\":1000}", 3,
		    "unexpected key \"code\"" },
		{ "{\"data\":\"x\",\"reason\":\"r\"}", 3,
		    "unexpected key \"reason\"" },
		{ "{\"close\":1000,\"data\":\"x\"}", 3,
		    "unexpected key \"data\" in a close" },
		{ "{\"close\":1000,\"to\":1}", 3,
		    "unexpected key \"to\" in a close" },
		{ "{\"to\":1,\"data\":\"x\"}", 1, "unexpected key \"to\"" },
		{ "{\"type\":\"blob\",\"data\":\"x\"}", 3,
		    "\"type\": expected \"text\" or \"binary\"" },
		{ "{\"type\":\"TEXT\",\"data\":\"x\"}", 3,
		    "\"type\": expected \"text\" or \"binary\"" },
		{ "{\"type\":1,\"data\":\"x\"}", 3,
		    "\"type\": expected \"text\" or \"binary\"" },
		{ "{\"to\":0,\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":-1,\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":[],\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":\"1\",\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":[1,\"2\"],\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":[1,0],\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":1.5,\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"to\":[[1]],\"data\":\"x\"}", 2,
		    "\"to\": expected a client id or an array of them" },
		{ "{\"close\":0}", 2,
		    "\"close\": expected a client id or an array of them" },
		{ "{\"close\":[]}", 2,
		    "\"close\": expected a client id or an array of them" },
		{ "{\"close\":\"2\"}", 2,
		    "\"close\": expected a client id or an array of them" },
		{ "{\"close\":1000,\"code\":1000}", 1,
		    "\"code\": give the code as \"close\"" },
	};
	struct record r;
	char err[256];

	record_init(&r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int server = 0; server <= 1; server++) {
			if (!(cases[i].who & (server ? 2 : 1)))
				continue;
			CU_ASSERT_EQUAL(parse(&r, cases[i].line, server, err,
					    sizeof(err)),
			    -1);
			if (strcmp(err, cases[i].err) != 0)
				fprintf(stderr, "\n%s (%s): %s\n",
				    cases[i].line, server ? "wsserve" : "wscat",
				    err);
			CU_ASSERT_STRING_EQUAL(err, cases[i].err);
		}
	record_clear(&r);
}

/* Base64 that is not strict RFC 4648 with padding. */
static void
test_parse_bad_base64(void)
{
	static const char *const bad[] = { "A", "AA", "AAA", "AAAAA",
		"AA=", "A===", "====", "=AAA", "AA=A", "AA==AA==", "AAE=AAAA",
		"AA A", "AAE\\n", "AA\\u0000A", "AAE!", "AAE-", "AAE_",
		"\\u00e9AAA" };
	struct record r;
	char err[256], line[128];

	record_init(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"binary\",\"data\":\"%s\"}", bad[i]);
		CU_ASSERT_EQUAL(parse(&r, line, false, err, sizeof(err)), -1);
		if (strcmp(err, "\"data\": not base64 (RFC 4648, padded)") != 0)
			fprintf(stderr, "\n%s: %s\n", line, err);
		CU_ASSERT_STRING_EQUAL(err,
		    "\"data\": not base64 (RFC 4648, padded)");
	}
	record_clear(&r);
}

/* Lines jansson refuses, said as "not JSON: ...": text that is not UTF-8
 * or holds a lone surrogate never becomes a text message. */
static void
test_parse_not_json(void)
{
	static const char *const bad[] = { "", "   ", "{bad", "not json",
		"\"a\" \"b\"", "\"caf\xe9\"", "\"\\ud800\"", "\"a\nb\"",
		"{\"data\":\"x\"", "'single'" };
	struct record r;
	char err[256];

	record_init(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse(&r, bad[i], true, err, sizeof(err)), -1);
		CU_ASSERT_EQUAL(strncmp(err, "not JSON: ", 10), 0);
	}
	/* The length counts, not a NUL: the same bytes, cut short. */
	record_clear(&r);
	CU_ASSERT_EQUAL(record_parse_json(&r, "\"abc\"xyz", 5, false,
			    MAX_MESSAGE, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.len, 3);
	record_clear(&r);
	CU_ASSERT_EQUAL(record_parse_json(&r, "\"abc\"", 4, false, MAX_MESSAGE,
			    err, sizeof(err)),
	    -1);
	record_clear(&r);
}

/* A message over max_message is an error; a close is not a message. */
static void
test_parse_max_message(void)
{
	struct record r;
	char err[256];
	static const char *const ok[] = { "\"0123456789\"",
		"{\"data\":\"0123456789\"}",
		"{\"type\":\"binary\",\"data\":\"MDEyMzQ1Njc4OQ==\"}",
		"{\"close\":1000,\"reason\":\"0123456789abc\"}" },
				 *const over[] = { "\"0123456789a\"",
					 "{\"data\":\"\\u00e9123456789\"}",
					 "{\"type\":\"binary\",\"data\":"
					 "\"MDEyMzQ1Njc4OWE=\"}" };

	record_init(&r);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		record_clear(&r);
		CU_ASSERT_EQUAL(record_parse_json(&r, ok[i], strlen(ok[i]),
				    false, 10, err, sizeof(err)),
		    0);
	}
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		record_clear(&r);
		CU_ASSERT_EQUAL(record_parse_json(&r, over[i], strlen(over[i]),
				    false, 10, err, sizeof(err)),
		    -1);
		CU_ASSERT_STRING_EQUAL(err, "a message of 11 bytes, over 10");
	}
	record_clear(&r);
}

/* One record after another in the same struct, errors between them:
 * nothing of one is left in the next. */
static void
test_parse_reuse(void)
{
	struct record r;
	char err[256];

	record_init(&r);
	CU_ASSERT_EQUAL(parse(&r, "{\"close\":[4,5],\"code\":4000}", true, err,
			    sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(parse(&r, "{\"to\":[1,\"x\"],\"data\":\"x\"}", true,
			    err, sizeof(err)),
	    -1);
	CU_ASSERT_EQUAL(parse(&r, "\"plain\"", true, err, sizeof(err)), 0);
	CU_ASSERT(!r.close);
	CU_ASSERT(r.text);
	CU_ASSERT_EQUAL(r.nto, 0);
	CU_ASSERT_EQUAL(r.code, 1000);
	CU_ASSERT_STRING_EQUAL(r.reason, "");
	CU_ASSERT_EQUAL(r.len, 5);
	record_clear(&r);
}

/* ---- --ids input lines ------------------------------------------------- */

static int
parse_ids(struct record *r, const char *s, size_t n, char *err, size_t errlen)
{
	record_clear(r);
	err[0] = '\0';
	return record_parse_ids(r, s, n, err, errlen);
}

static void
test_parse_ids(void)
{
	struct record r;
	char err[256];

	record_init(&r);
	CU_ASSERT_EQUAL_FATAL(parse_ids(&r, "3\thello", 7, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL_FATAL(r.nto, 1);
	CU_ASSERT_EQUAL(r.to[0], 3);
	CU_ASSERT_EQUAL(r.len, 5);
	CU_ASSERT_EQUAL(memcmp(r.data, "hello", 5), 0);
	CU_ASSERT_EQUAL_FATAL(parse_ids(&r, "*\tto all", 8, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.nto, 0);
	CU_ASSERT_EQUAL(r.len, 6);
	CU_ASSERT_EQUAL(memcmp(r.data, "to all", 6), 0);
	/* An empty payload; a TAB and a NUL in the payload. */
	CU_ASSERT_EQUAL_FATAL(parse_ids(&r, "12\t", 3, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.to[0], 12);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_EQUAL_FATAL(parse_ids(&r, "1\ta\tb\0c", 7, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.to[0], 1);
	CU_ASSERT_EQUAL(r.len, 5);
	CU_ASSERT_EQUAL(memcmp(r.data, "a\tb\0c", 5), 0);
	/* The largest id. */
	CU_ASSERT_EQUAL_FATAL(
	    parse_ids(&r, "18446744073709551615\tx", 22, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.to[0], ULONG_MAX);
	record_clear(&r);
}

static void
test_parse_ids_errors(void)
{
	static const char *const bad[] = { "", "hello", "3 hello", "\thi",
		"0\thi", "-1\thi", "+1\thi", " 1\thi", "1 \thi", "1x\thi",
		"**\thi", "*1\thi", "0x10\thi", "18446744073709551616\thi",
		"99999999999999999999999\thi" };
	struct record r;
	char err[256];

	record_init(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse_ids(&r, bad[i], strlen(bad[i]), err,
				    sizeof(err)),
		    -1);
		CU_ASSERT_STRING_EQUAL(err,
		    "expected ID<TAB>text or *<TAB>text");
	}
	/* The TAB must be within the n bytes given. */
	CU_ASSERT_EQUAL(parse_ids(&r, "3\thello", 1, err, sizeof(err)), -1);
	record_clear(&r);
}

/* ---- options ---------------------------------------------------------------
 */

/* --ids payloads: escaped so that no payload forges a record, and the
 * escapes undone on input. */
static void
test_ids_escapes(void)
{
	static const uint8_t raw[] = "a\\b\nc\rd\0e\tf";
	struct chunk *cur = NULL, *c;
	struct record r;
	char err[256], line[64];
	size_t off, len;

	CU_ASSERT(record_ids_plain('\n', (const uint8_t *)"plain\ttab", 9));
	CU_ASSERT(!record_ids_plain('\n', raw, sizeof(raw) - 1));
	CU_ASSERT(record_ids_plain('\0', (const uint8_t *)"a\nb\rc", 5));
	CU_ASSERT(!record_ids_plain('\0', (const uint8_t *)"a\0b", 3));

	c = record_ids_escape(&cur, '\n', raw, sizeof(raw) - 1, &off, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(len, strlen("a\\\\b\\nc\\rd") + 1 + strlen("e\tf"));
	CU_ASSERT_EQUAL(memcmp(c->data + off, "a\\\\b\\nc\\rd\0e\tf", len), 0);
	CU_ASSERT_PTR_NULL(memchr(c->data + off, '\n', len));
	CU_ASSERT_PTR_NULL(memchr(c->data + off, '\r', len));
	c = record_ids_escape(&cur, '\0', raw, sizeof(raw) - 1, &off, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(memcmp(c->data + off, "a\\\\b\nc\rd\\0e\tf", len), 0);
	CU_ASSERT_PTR_NULL(memchr(c->data + off, '\0', len));

	/* What the escape made, read back, is the payload. */
	c = record_ids_escape(&cur, '\n', raw, sizeof(raw) - 1, &off, &len);
	memcpy(line, "7\t", 2);
	memcpy(line + 2, c->data + off, len);
	record_init(&r);
	CU_ASSERT_EQUAL_FATAL(
	    record_parse_ids(&r, line, 2 + len, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.len, sizeof(raw) - 1);
	CU_ASSERT_EQUAL(memcmp(r.data, raw, r.len), 0);
	record_clear(&r);
	CU_ASSERT_EQUAL(record_parse_ids(&r, "1\ttab\\t", 7, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(r.len, 4);
	CU_ASSERT_EQUAL(memcmp(r.data, "tab\t", 4), 0);
	record_clear(&r);
	CU_ASSERT_EQUAL(record_parse_ids(&r, "1\tC:\\dir", 8, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "backslash"));
	record_clear(&r);
	CU_ASSERT_EQUAL(record_parse_ids(&r, "1\tend\\", 6, err, sizeof(err)),
	    -1);
	record_clear(&r);
	chunk_unref(cur);
}

static void
test_opts_valid(void)
{
	struct record_opts o;
	struct record_flags f;

	memset(&f, 0, sizeof(f));
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT_EQUAL(o.framing, RECORD_LINES);
	CU_ASSERT_EQUAL(o.sep, '\n');
	CU_ASSERT(!o.binary);
	CU_ASSERT(!o.events);
	CU_ASSERT_EQUAL(record_check(&o), LINEIO_TEXT_CHECK);

	f = (struct record_flags){ .null = true, .binary = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT_EQUAL(o.framing, RECORD_LINES);
	CU_ASSERT_EQUAL(o.sep, '\0');
	CU_ASSERT(o.binary);
	CU_ASSERT_EQUAL(record_check(&o), LINEIO_TEXT_NEVER);

	f = (struct record_flags){ .whole = true, .binary = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT_EQUAL(o.sep, LINEIO_EOF);
	CU_ASSERT(o.binary);

	f = (struct record_flags){ .whole = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT_EQUAL(o.sep, LINEIO_EOF);
	CU_ASSERT_EQUAL(record_check(&o), LINEIO_TEXT_CHECK);

	/* --jsonl: events by default for wsserve only. */
	f = (struct record_flags){ .jsonl = true, .server = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT_EQUAL(o.framing, RECORD_JSONL);
	CU_ASSERT_EQUAL(o.sep, '\n');
	CU_ASSERT(o.events);
	CU_ASSERT_EQUAL(record_check(&o), LINEIO_TEXT_NEVER);
	f.no_events = true;
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT(!o.events);
	f = (struct record_flags){ .jsonl = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT(!o.events);
	f.events = true;
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT(o.events);

	/* --ids, with -0, -b, --events. */
	f = (struct record_flags){ .ids = true, .null = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT_EQUAL(o.framing, RECORD_IDS);
	CU_ASSERT_EQUAL(o.sep, '\0');
	CU_ASSERT(!o.events);
	CU_ASSERT_EQUAL(record_check(&o), LINEIO_TEXT_CHECK);
	f = (struct record_flags){ .ids = true,
		.binary = true,
		.events = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT(o.events);
	CU_ASSERT_EQUAL(record_check(&o), LINEIO_TEXT_NEVER);

	/* --no-events is for --jsonl's events: alone it is an error. */
	f = (struct record_flags){ .no_events = true };
	CU_ASSERT_STRING_EQUAL(record_opts_set(&o, &f),
	    "--no-events needs --jsonl");
	f = (struct record_flags){ .jsonl = true,
		.no_events = true,
		.server = true };
	CU_ASSERT_PTR_NULL(record_opts_set(&o, &f));
	CU_ASSERT(!o.events);
}

/* Each conflict: an error that names both options. */
static void
test_opts_conflicts(void)
{
	static const struct {
		struct record_flags f;
		const char *names[2];
	} cases[] = {
		{ { .jsonl = true, .ids = true }, { "--jsonl", "--ids" } },
		{ { .jsonl = true, .null = true }, { "--jsonl", "-0" } },
		{ { .jsonl = true, .whole = true }, { "--jsonl", "--whole" } },
		{ { .jsonl = true, .binary = true }, { "--jsonl", "-b" } },
		{ { .jsonl = true, .binary = true, .server = true },
		    { "--jsonl", "-b" } },
		{ { .null = true, .whole = true }, { "-0", "--whole" } },
		{ { .ids = true, .whole = true }, { "--ids", "--whole" } },
		{ { .events = true, .no_events = true },
		    { "--events", "--no-events" } },
		{ { .jsonl = true, .events = true, .no_events = true },
		    { "--events", "--no-events" } },
		{ { .events = true }, { "--events", "--jsonl" } },
		{ { .events = true, .null = true }, { "--events", "--jsonl" } },
		{ { .events = true, .binary = true, .whole = true },
		    { "--events", "--jsonl" } },
	};
	struct record_opts o;
	const char *why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = record_opts_set(&o, &cases[i].f);
		CU_ASSERT_PTR_NOT_NULL_FATAL(why);
		for (int j = 0; j < 2; j++) {
			if (strstr(why, cases[i].names[j]) == NULL)
				fprintf(stderr, "\ncase %zu: '%s' without %s\n",
				    i, why, cases[i].names[j]);
			CU_ASSERT_PTR_NOT_NULL(strstr(why, cases[i].names[j]));
		}
	}
}

static const struct unit_test tests[] = {
	{ "JSON message: plain text, with and without id",
	    test_message_text_plain },
	{ "JSON message: every C0 control, DEL, quote, backslash",
	    test_message_text_controls },
	{ "JSON message: C1 controls and bidi marks as \\u",
	    test_message_text_hidden },
	{ "JSON message: other UTF-8 passes as it is",
	    test_message_text_utf8_passes },
	{ "JSON message: base64 of 0 to 5 bytes", test_message_binary_small },
	{ "JSON message: every byte value in base64",
	    test_message_binary_all_bytes },
	{ "JSON message: large text, exact length", test_message_text_large },
	{ "record_max holds the longest line", test_record_max },
	{ "JSON event: open", test_json_event_open },
	{ "JSON event: close and error", test_json_event_close_error },
	{ "JSON event: a peer's bytes escaped", test_json_event_escaped },
	{ "--ids event lines", test_ids_event },
	{ "--ids event: fields escaped", test_ids_event_escaped },
	{ "parse JSON: a string", test_parse_string },
	{ "parse JSON: data and type", test_parse_objects },
	{ "parse JSON: to one, to a list, to all", test_parse_to },
	{ "parse JSON: close for wsserve and wscat", test_parse_close },
	{ "parse JSON: close codes", test_parse_close_codes },
	{ "parse JSON: close reasons", test_parse_close_reason },
	{ "parse JSON: every error", test_parse_errors },
	{ "parse JSON: bad base64", test_parse_bad_base64 },
	{ "parse JSON: not JSON", test_parse_not_json },
	{ "parse JSON: over max_message", test_parse_max_message },
	{ "parse JSON: a record reused", test_parse_reuse },
	{ "parse --ids: id, *, payloads", test_parse_ids },
	{ "parse --ids: errors", test_parse_ids_errors },
	{ "--ids escapes, and back", test_ids_escapes },
	{ "framing options that go together", test_opts_valid },
	{ "framing options that conflict", test_opts_conflicts },
};

int
test_record_add(void)
{
	return unit_add_suite("record", tests, UNIT_NTESTS(tests));
}
