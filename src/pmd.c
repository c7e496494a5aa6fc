/*
 * permessage-deflate negotiation (RFC 7692 section 7.1) over the
 * Sec-WebSocket-Extensions grammar of RFC 6455 section 9.1: a comma list
 * of extensions, each a token with ";"-separated parameters whose values
 * are tokens or quoted strings.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "pmd.h"

#define NAME "permessage-deflate"
#define SHOWN_MAX 80 /* bytes of a header value an error shows */

/* One extension of the list, as far as permessage-deflate cares. */
struct ext {
	struct handshake_span name;
	bool snt, cnt;	  /* server_, client_no_context_takeover */
	int sbits, cbits; /* *_max_window_bits: -1 absent, 0 no value */
	bool bad;	  /* a parameter unknown, repeated or ill-valued */
};

struct lex {
	const char *p, *end;
};

static void
skip_blanks(struct lex *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t'))
		l->p++;
}

static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') ||
	    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A token at l: its length (0 when there is none). */
static size_t
token(struct lex *l, struct handshake_span *t)
{
	t->p = l->p;
	while (l->p < l->end && is_tchar(*l->p))
		l->p++;
	t->n = l->p - t->p;
	return t->n;
}

static bool
span_is(struct handshake_span s, const char *str)
{
	return s.n == strlen(str) && strncasecmp(s.p, str, s.n) == 0;
}

/* A parameter value at l, a token or a quoted string, unquoted into out.
 * 1; 0 when it does not fit (a bad value, not a bad list); -1 when it
 * does not parse. */
static int
value(struct lex *l, char *out, size_t outlen)
{
	struct handshake_span t;
	size_t n = 0;

	if (l->p == l->end)
		return -1;
	if (*l->p != '"') {
		if (token(l, &t) == 0)
			return -1;
		if (t.n >= outlen)
			return 0;
		memcpy(out, t.p, t.n);
		out[t.n] = '\0';
		return 1;
	}
	for (l->p++; l->p < l->end && *l->p != '"'; l->p++) {
		if (*l->p == '\\' && ++l->p == l->end)
			return -1;
		if (n + 1 < outlen)
			out[n] = *l->p;
		n++;
	}
	if (l->p == l->end)
		return -1;
	l->p++;
	out[n < outlen ? n : outlen - 1] = '\0';
	return n < outlen;
}

/* A window size: exactly "8" to "15" (RFC 7692 section 7.1.2.1). */
static int
window_bits(const char *v)
{
	if (v[0] >= '8' && v[0] <= '9' && v[1] == '\0')
		return v[0] - '0';
	if (v[0] == '1' && v[1] >= '0' && v[1] <= '5' && v[2] == '\0')
		return 10 + v[1] - '0';
	return -1;
}

/* One parameter, v its value or NULL. */
static void
param(struct ext *e, struct handshake_span name, const char *v)
{
	if (span_is(name, "server_no_context_takeover")) {
		e->bad |= e->snt || v != NULL;
		e->snt = true;
	} else if (span_is(name, "client_no_context_takeover")) {
		e->bad |= e->cnt || v != NULL;
		e->cnt = true;
	} else if (span_is(name, "server_max_window_bits")) {
		e->bad |= e->sbits != -1 || v == NULL || window_bits(v) == -1;
		e->sbits = v != NULL ? window_bits(v) : 0;
	} else if (span_is(name, "client_max_window_bits")) {
		e->bad |= e->cbits != -1 || (v != NULL && window_bits(v) == -1);
		e->cbits = v != NULL ? window_bits(v) : 0;
	} else
		e->bad = true;
}

/* The next extension of the list at l: 1 with *e, 0 at the end of the
 * list, -1 when the list does not parse from here on. */
static int
next_ext(struct lex *l, struct ext *e)
{
	struct handshake_span name;
	char v[8];
	int r;

	memset(e, 0, sizeof(*e));
	e->sbits = e->cbits = -1;
	for (;;) { /* RFC 7230 7: empty list elements are skipped */
		skip_blanks(l);
		if (l->p == l->end)
			return 0;
		if (*l->p != ',')
			break;
		l->p++;
	}
	if (token(l, &e->name) == 0)
		return -1;
	for (;;) {
		skip_blanks(l);
		if (l->p == l->end || *l->p == ',') {
			l->p += l->p < l->end;
			return 1;
		}
		if (*l->p++ != ';')
			return -1;
		skip_blanks(l);
		if (token(l, &name) == 0)
			return -1;
		skip_blanks(l);
		if (l->p == l->end || *l->p != '=') {
			param(e, name, NULL);
			continue;
		}
		l->p++;
		skip_blanks(l);
		if ((r = value(l, v, sizeof(v))) == -1)
			return -1;
		if (r == 0)
			e->bad = true;
		else
			param(e, name, v);
	}
}

void
pmd_accept(const struct handshake_span *values, size_t n, struct pmd *pm,
    char answer[PMD_ANSWER_MAX])
{
	struct ext e;
	struct lex l;

	memset(pm, 0, sizeof(*pm));
	answer[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		l.p = values[i].p;
		l.end = values[i].p + values[i].n;
		while (next_ext(&l, &e) == 1)
			if (span_is(e.name, NAME) && !e.bad)
				goto found;
	}
	return;
found:
	/* The client's window does not matter: we inflate with 32 KiB. */
	pm->on = true;
	pm->server_no_takeover = pm->client_no_takeover = true;
	pm->server_bits = e.sbits > 0 ? e.sbits : 15;
	pm->client_bits = e.cbits > 0 ? e.cbits : 15;
	snprintf(answer, PMD_ANSWER_MAX,
	    NAME "; server_no_context_takeover; client_no_context_takeover");
	if (e.sbits > 0)
		snprintf(answer + strlen(answer),
		    PMD_ANSWER_MAX - strlen(answer),
		    "; server_max_window_bits=%d", e.sbits);
}

/* The reason the answer in value is refused, the value shown escaped. */
static int
refuse(const char *why, struct handshake_span value, struct pmd *pm, char *err,
    size_t errlen)
{
	char shown[4 * SHOWN_MAX + 1];

	memset(pm, 0, sizeof(*pm));
	log_escape(shown, sizeof(shown), value.p,
	    value.n > SHOWN_MAX ? SHOWN_MAX : value.n);
	snprintf(err, errlen,
	    "server answered Sec-WebSocket-Extensions '%s%s'%s", shown,
	    value.n > SHOWN_MAX ? "..." : "", why);
	return -1;
}

int
pmd_check_answer(const struct handshake_span *values, size_t n, bool offered,
    struct pmd *pm, char *err, size_t errlen)
{
	struct ext e;
	struct lex l;
	int r;

	memset(pm, 0, sizeof(*pm));
	for (size_t i = 0; i < n; i++) {
		l.p = values[i].p;
		l.end = values[i].p + values[i].n;
		while ((r = next_ext(&l, &e)) == 1) {
			if (!offered || !span_is(e.name, NAME))
				return refuse(", an extension not offered",
				    values[i], pm, err, errlen);
			/* An answer's client_max_window_bits has a value. */
			if (pm->on || e.bad || e.cbits == 0)
				return refuse(", which is not a valid "
					      "permessage-deflate answer",
				    values[i], pm, err, errlen);
			pm->on = true;
			pm->server_no_takeover = e.snt;
			pm->client_no_takeover = e.cnt;
			pm->server_bits = e.sbits > 0 ? e.sbits : 15;
			pm->client_bits = e.cbits > 0 ? e.cbits : 15;
		}
		if (r == -1)
			return refuse(", which does not parse", values[i], pm,
			    err, errlen);
	}
	return 0;
}
