/*
 * JSON lines and --ids records: encoded by hand, parsed with jansson.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "command.h"
#include "escape.h"
#include "lineio.h"
#include "outq.h"
#include "record.h"
#include "utf8.h"

size_t
record_max(const struct record_opts *o, size_t max_message)
{
	if (o->framing == RECORD_JSONL)
		return 6 * max_message + 256;
	/* --ids: two bytes for each escaped one. */
	return o->framing == RECORD_IDS ?
	    2 * max_message + RECORD_ID_MAX :
	    max_message;
}

enum lineio_text
record_check(const struct record_opts *o)
{
	return o->binary || o->framing == RECORD_JSONL ?
	    LINEIO_TEXT_NEVER :
	    LINEIO_TEXT_CHECK;
}

const char *
record_opts_set(struct record_opts *o, const struct record_flags *f)
{
	o->framing = f->jsonl ? RECORD_JSONL :
	    f->ids	      ? RECORD_IDS :
				RECORD_LINES;
	o->sep = f->null ? '\0' : f->whole ? LINEIO_EOF : '\n';
	o->binary = f->binary;
	o->events = f->events || (f->jsonl && f->server);
	if (f->no_events)
		o->events = false;
	if (f->jsonl && f->ids)
		return "--jsonl and --ids do not go together";
	if (f->jsonl && (f->null || f->whole || f->binary))
		return "--jsonl is a framing of its own: not with -0, -b or "
		       "--whole";
	if (f->null && f->whole)
		return "-0 and --whole do not go together";
	if (f->ids && f->whole)
		return "--ids and --whole do not go together";
	if (f->events && f->no_events)
		return "--events and --no-events do not go together";
	if (f->no_events && !f->jsonl)
		return "--no-events needs --jsonl";
	if (f->events && !f->jsonl && !f->ids)
		return f->server ? "--events needs --jsonl or --ids" :
				   "--events needs --jsonl";
	return NULL;
}

/* Bytes each byte adds when escaped in a JSON string: \" \\ \n \r \t \b
 * \f take one, other controls and DEL five (\u00XX).  LEAD: the first
 * byte of the hidden controls of src/escape (C1, bidi marks), which are
 * \uXXXX too, so that no line of ours acts on a terminal. */
#define LEAD 0x80
static const unsigned char extra[256] = {
	[0 ... 7] = 5,
	['\b'] = 1,
	['\t'] = 1,
	['\n'] = 1,
	[0x0b] = 5,
	['\f'] = 1,
	['\r'] = 1,
	[0x0e ... 0x1f] = 5,
	['"'] = 1,
	['\\'] = 1,
	[0x7f] = 5,
	[0xc2] = LEAD,
	[0xe2] = LEAD,
};

/* What the byte at p[i] adds escaped; *k is the bytes it takes. */
static size_t
extra_at(const uint8_t *p, size_t n, size_t i, size_t *k, uint32_t *cp)
{
	*k = 1;
	if (extra[p[i]] != LEAD)
		return extra[p[i]];
	if ((*k = escape_hidden(p + i, n - i, cp)) == 0) {
		*k = 1;
		return 0;
	}
	return 6 - *k;
}

static size_t
escaped_len(const uint8_t *p, size_t n)
{
	size_t len = n, k;
	uint32_t cp;

	for (size_t i = 0; i < n; i++)
		if (extra[p[i]] != 0) {
			len += extra_at(p, n, i, &k, &cp);
			i += k - 1;
		}
	return len;
}

/* Writes p escaped at o; returns the end.  Runs of plain bytes are
 * copied whole. */
static uint8_t *
put_escaped(uint8_t *o, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run, k;
	uint32_t cp;

	while (i < n) {
		for (run = i; run < n && extra[p[run]] == 0; run++)
			;
		memcpy(o, p + i, run - i);
		o += run - i;
		if ((i = run) == n)
			break;
		if (extra_at(p, n, i, &k, &cp) == 0 || k > 1) {
			if (k > 1)
				o += sprintf((char *)o, "\\u%04x",
				    (unsigned)cp);
			else
				*o++ = p[i];
			i += k;
			continue;
		}
		*o++ = '\\';
		switch (p[i]) {
		case '\b':
			*o++ = 'b';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '"':
		case '\\':
			*o++ = p[i];
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[p[i] >> 4];
			o[4] = hex[p[i] & 15];
			o += 5;
		}
		i++;
	}
	return o;
}

struct chunk *
record_json_message(struct chunk **cur, unsigned long id, bool text,
    const uint8_t *p, size_t n, size_t *off, size_t *len)
{
	const char *type = text ? "text" : "binary";
	char head[80];
	size_t h, body, need;
	struct chunk *c;
	uint8_t *o;

	h = id != 0 ?
	    (size_t)snprintf(head, sizeof(head),
		"{\"id\":%lu,\"type\":\"%s\",\"data\":\"", id, type) :
	    (size_t)snprintf(head, sizeof(head), "{\"type\":\"%s\",\"data\":\"",
		type);
	body = text ? escaped_len(p, n) : 4 * ((n + 2) / 3);
	/* EVP_EncodeBlock ends with a NUL, which "} then covers. */
	need = h + body + 2 + 1;
	if ((c = chunk_room(cur, need)) == NULL)
		return NULL;
	o = c->data + c->len;
	memcpy(o, head, h);
	if (text)
		put_escaped(o + h, p, n);
	else
		EVP_EncodeBlock(o + h, p, (int)n);
	memcpy(o + h + body, "\"}", 2);
	*off = c->len;
	*len = h + body + 2;
	c->len += *len;
	return c;
}

int
record_write_json(struct lineio_writer *w, struct chunk **cur, unsigned long id,
    bool text, const uint8_t *p, size_t n)
{
	struct chunk *c;
	size_t off, len;

	if ((c = record_json_message(cur, id, text, p, n, &off, &len)) == NULL)
		return -1;
	return lineio_writer_message_ref(w, c, c->data + off, len);
}

/* Appends ,"key":"value" (or {"key":... first); value escaped as a JSON
 * string, its bytes that are not UTF-8 as \u00XX.  0 or -1. */
static int
put_string(struct buf *b, const char *key, const char *v)
{
	size_t n = strlen(v), room = strlen(key) + 6 + 6 * n;
	const uint8_t *p = (const uint8_t *)v;
	uint8_t *o, *start;
	bool utf8 = utf8_valid(v, n);

	if ((o = start = (uint8_t *)buf_reserve(b, room)) == NULL)
		return -1;
	o += sprintf((char *)o, "%c\"%s\":\"", buf_used(b) ? ',' : '{', key);
	if (utf8)
		o = put_escaped(o, p, n);
	else
		for (size_t i = 0; i < n; i++) {
			if (p[i] < 0x80 && extra[p[i]] == 0)
				*o++ = p[i];
			else
				o += sprintf((char *)o, "\\u%04x", p[i]);
		}
	*o++ = '"';
	buf_commit(b, o - start);
	return 0;
}

int
record_json_event(struct buf *out, const struct record_event *ev)
{
	int r = 0;

	buf_consume(out, buf_used(out));
	if (ev->id != 0)
		r |= buf_printf(out, "{\"id\":%lu", ev->id);
	r |= put_string(out, "event", ev->event);
	if (ev->peer != NULL)
		r |= put_string(out, "peer", ev->peer);
	if (ev->path != NULL)
		r |= put_string(out, "path", ev->path);
	if (ev->subprotocol != NULL)
		r |= put_string(out, "subprotocol", ev->subprotocol);
	if (ev->origin != NULL)
		r |= put_string(out, "origin", ev->origin);
	if (ev->code >= 0 && ev->reason != NULL)
		r |= buf_printf(out, ",\"code\":%d", ev->code);
	if (ev->reason != NULL)
		r |= put_string(out, "reason", ev->reason);
	if (ev->error != NULL)
		r |= put_string(out, "error", ev->error);
	if (ev->line != 0)
		r |= buf_printf(out, ",\"line\":%lu", ev->line);
	r |= buf_append(out, "}", 1);
	return r != 0 ? -1 : 0;
}

/* Appends TAB and v, made safe to show, a backslash doubled so that an
 * escape and the same text apart can be told. */
static int
put_field(struct buf *b, const char *v)
{
	size_t n = strlen(v), k;
	char *o;

	if (buf_append(b, "\t", 1) == -1)
		return -1;
	while (n > 0) {
		k = strcspn(v, "\\");
		if ((o = buf_reserve(b, ESCAPE_MAX(k) + 2)) == NULL)
			return -1;
		k = escape_text(o, ESCAPE_MAX(k), v, k, "");
		o += k;
		v += strcspn(v, "\\");
		if (*v == '\\') {
			memcpy(o, "\\\\", 2);
			k += 2;
			v++;
		}
		buf_commit(b, k);
		n = strlen(v);
	}
	return 0;
}

int
record_ids_event(struct buf *out, const struct record_event *ev)
{
	char code[32];
	int r;

	buf_consume(out, buf_used(out));
	/* An error of no client's ("*": whom the input was for) names the
	 * input line. */
	r = ev->id != 0 ? buf_printf(out, "%lu:%s", ev->id, ev->event) :
			  buf_printf(out, "*:%s", ev->event);
	if (ev->peer != NULL)
		r |= put_field(out, ev->peer);
	if (ev->path != NULL)
		r |= put_field(out, ev->path);
	if (ev->reason != NULL) {
		snprintf(code, sizeof(code), "%d", ev->code);
		r |= put_field(out, code);
		r |= put_field(out, ev->reason);
	}
	if (ev->line != 0) {
		snprintf(code, sizeof(code), "line %lu", ev->line);
		r |= put_field(out, code);
	}
	if (ev->error != NULL)
		r |= put_field(out, ev->error);
	return r != 0 ? -1 : 0;
}

void
record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->bin, (size_t)-1);
	r->code = 1000;
	r->reason = "";
}

void
record_clear(struct record *r)
{
	json_decref(r->root);
	free(r->to);
	buf_deinit(&r->bin);
	record_init(r);
}

/* Strict base64 (RFC 4648, padded) into r->bin.  0 or -1. */
static int
base64_decode(struct record *r, const char *s, size_t n)
{
	size_t pad = 0;
	char *o;
	int got;

	if (n % 4 != 0 || n > INT_MAX)
		return -1;
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	/* EVP_DecodeBlock lets '=' and blanks pass inside the input. */
	for (size_t i = 0; i < n - pad; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
			return -1;
	if (n == 0)
		return 0;
	if ((o = buf_reserve(&r->bin, n / 4 * 3)) == NULL)
		return -1;
	if ((got = EVP_DecodeBlock((unsigned char *)o, (const unsigned char *)s,
		 (int)n)) < 0)
		return -1;
	buf_commit(&r->bin, got - pad);
	return 0;
}

/* An id (a positive integer) or a non-empty array of them, into r->to. */
static int
parse_ids(struct record *r, json_t *v)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	json_t *e;

	if (n == 0 || (r->to = calloc(n, sizeof(*r->to))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_integer(e) || json_integer_value(e) <= 0)
			return -1;
		r->to[r->nto++] = (unsigned long)json_integer_value(e);
	}
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* {"close":..., "code":..., "reason":...}: the object's keys were
 * checked. */
static int
parse_close(struct record *r, json_t *o, bool server, char *err, size_t errlen)
{
	json_t *c = json_object_get(o, "close"), *code, *reason;
	json_int_t v;

	r->close = true;
	if (server) {
		if (parse_ids(r, c) == -1)
			return fail(err, errlen,
			    "\"close\": expected a client id or an array of "
			    "them");
		code = json_object_get(o, "code");
	} else {
		code = c;
		if (json_object_get(o, "code") != NULL)
			return fail(err, errlen,
			    "\"code\": give the code as \"close\"");
	}
	if (code != NULL) {
		v = json_is_integer(code) ? json_integer_value(code) : 0;
		if (!command_code_valid(v > 0 ? (unsigned long)v : 0))
			return fail(err, errlen,
			    "close code: expected 1000-1003, 1007-1014 or "
			    "3000-4999");
		r->code = (uint16_t)v;
	}
	if ((reason = json_object_get(o, "reason")) != NULL) {
		if (!json_is_string(reason) ||
		    json_string_length(reason) > RECORD_REASON_MAX ||
		    strlen(json_string_value(reason)) !=
			json_string_length(reason))
			return fail(err, errlen,
			    "\"reason\": expected a string of at most 123 "
			    "bytes, without NUL");
		r->reason = json_string_value(reason);
	}
	return 0;
}

/* Only these keys, each for its kind of record. */
static int
check_keys(json_t *o, bool server, char *err, size_t errlen)
{
	static const char *const send[] = { "data", "type", "to", NULL };
	static const char *const close[] = { "close", "code", "reason", NULL };
	bool closing = json_object_get(o, "close") != NULL;
	const char *const *ok = closing ? close : send;
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v)
	{
		for (i = 0; ok[i] != NULL && strcmp(ok[i], key) != 0; i++)
			;
		if (ok[i] == NULL || (!server && strcmp(key, "to") == 0))
			return fail(err, errlen, "unexpected key \"%s\"%s", key,
			    closing ? " in a close" : "");
	}
	return 0;
}

static int parse_json(struct record *r, const char *p, size_t n, bool server,
    char *err, size_t errlen);

int
record_parse_json(struct record *r, const char *p, size_t n, bool server,
    size_t max_message, char *err, size_t errlen)
{
	if (parse_json(r, p, n, server, err, errlen) == -1)
		return -1;
	if (!r->close && r->len > max_message)
		return fail(err, errlen, "a message of %zu bytes, over %zu",
		    r->len, max_message);
	return 0;
}

static int
parse_json(struct record *r, const char *p, size_t n, bool server, char *err,
    size_t errlen)
{
	json_error_t e;
	json_t *root, *data, *type, *to;
	const char *t;

	/* \u0000 is a byte like any other in a message. */
	if ((root = r->root = json_loadb(p, n, JSON_ALLOW_NUL | JSON_DECODE_ANY,
		 &e)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", e.text);
		return -1;
	}
	if (json_is_string(root)) {
		r->text = true;
		r->data = json_string_value(root);
		r->len = json_string_length(root);
		return 0;
	}
	if (!json_is_object(root))
		return fail(err, errlen, "expected a string or an object");
	if (check_keys(root, server, err, errlen) == -1)
		return -1;
	if (json_object_get(root, "close") != NULL)
		return parse_close(r, root, server, err, errlen);
	type = json_object_get(root, "type");
	t = type != NULL ? json_string_value(type) : "text";
	if (t == NULL || (strcmp(t, "text") != 0 && strcmp(t, "binary") != 0))
		return fail(err, errlen,
		    "\"type\": expected \"text\" or \"binary\"");
	r->text = strcmp(t, "text") == 0;
	if (!json_is_string(data = json_object_get(root, "data")))
		return fail(err, errlen, "\"data\": expected a string");
	if ((to = json_object_get(root, "to")) != NULL &&
	    parse_ids(r, to) == -1)
		return fail(err, errlen,
		    "\"to\": expected a client id or an array of them");
	if (r->text) {
		r->data = json_string_value(data);
		r->len = json_string_length(data);
		return 0;
	}
	if (base64_decode(r, json_string_value(data),
		json_string_length(data)) == -1)
		return fail(err, errlen,
		    "\"data\": not base64 (RFC 4648, padded)");
	r->data = buf_head(&r->bin);
	r->len = buf_used(&r->bin);
	return 0;
}

/* The escapes of record_ids_escape, undone into r->bin. */
static int
ids_unescape(struct record *r, char *err, size_t errlen)
{
	static const char from[] = "\\nrt0", to[] = "\\\n\r\t";
	const char *p = r->data, *end = p + r->len, *e;
	char *o;

	if ((o = buf_reserve(&r->bin, r->len)) == NULL)
		return fail(err, errlen, "out of memory");
	r->data = o;
	for (; p < end; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (++p == end ||
		    (e = memchr(from, *p, sizeof(from) - 1)) == NULL)
			return fail(err, errlen,
			    "a backslash not before \\, n, r, t or 0 "
			    "(write \\\\ for one)");
		*o++ = to[e - from]; /* "\\0" is the NUL that ends to */
	}
	r->len = o - r->data;
	return 0;
}

struct chunk *
record_ids_escape(struct chunk **cur, int sep, const uint8_t *p, size_t n,
    size_t *off, size_t *len)
{
	struct chunk *c;
	uint8_t *o, *start;

	if ((c = chunk_room(cur, 2 * n)) == NULL)
		return NULL;
	o = start = c->data + c->len;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' || p[i] == sep ||
		    (sep == '\n' && p[i] == '\r')) {
			*o++ = '\\';
			*o++ = p[i] == '\n' ? 'n' :
			    p[i] == '\r'    ? 'r' :
			    p[i] == '\0'    ? '0' :
					      '\\';
		} else
			*o++ = p[i];
	}
	*off = c->len;
	*len = o - start;
	c->len += *len;
	return c;
}

bool
record_ids_plain(int sep, const uint8_t *p, size_t n)
{
	return memchr(p, '\\', n) == NULL &&
	    (sep == LINEIO_EOF || memchr(p, sep, n) == NULL) &&
	    (sep != '\n' || memchr(p, '\r', n) == NULL);
}

int
record_parse_ids(struct record *r, const char *p, size_t n, char *err,
    size_t errlen)
{
	const char *tab = memchr(p, '\t', n), *end;
	unsigned long id, d;

	if (tab == NULL)
		return fail(err, errlen, "expected ID<TAB>text or *<TAB>text");
	if (tab - p == 1 && *p == '*')
		r->nto = 0;
	else {
		/* By hand: the record is not NUL-ended. */
		for (end = p, id = 0; end < tab && isdigit((unsigned char)*end);
		     end++) {
			d = *end - '0';
			if (id > (ULONG_MAX - d) / 10)
				break; /* too large: end != tab */
			id = id * 10 + d;
		}
		if (end == p || end != tab || id == 0 ||
		    (r->to = malloc(sizeof(*r->to))) == NULL)
			return fail(err, errlen,
			    "expected ID<TAB>text or *<TAB>text");
		r->to[0] = id;
		r->nto = 1;
	}
	r->data = tab + 1;
	r->len = n - (tab + 1 - p);
	if (memchr(r->data, '\\', r->len) != NULL &&
	    ids_unescape(r, err, errlen) == -1)
		return -1;
	return 0;
}
