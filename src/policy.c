/*
 * Who may connect: the Host a request names, the Origin a browser sends,
 * and Basic authorization, checked against the server's policy (struct
 * handshake_policy) over a parsed request; and the head of a request with
 * its credentials masked, for the logs.  Pure functions: no I/O, no state.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <http_parser.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "net.h"
#include "policy.h"

#define SHOWN_MAX 104 /* a peer's value in a reason, escaped */
#define ORIGIN_SCHEME_MAX 16
#define ORIGIN_HOST_MAX 256

/* A peer's value as a reason shows it between single quotes: printable
 * ASCII as it is, every other byte, a quote and a backslash as \xNN, so
 * that nothing reaches a terminal raw; cut short. */
static void
shown(char out[SHOWN_MAX], struct handshake_span v)
{
	size_t o = 0;

	for (size_t i = 0; i < v.n && o + 5 < SHOWN_MAX; i++) {
		unsigned char c = v.p[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			out[o++] = c;
		else
			o += snprintf(out + o, SHOWN_MAX - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* The name in a Host value (RFC 7230 uri-host [":" port]): an IPv6
 * literal with its brackets, or what comes before the port; a trailing
 * dot dropped.  false when it is malformed. */
static bool
host_name(struct handshake_span host, struct handshake_span *name)
{
	const char *end = host.p + host.n, *p;

	*name = host;
	if (host.n > 0 && host.p[0] == '[') {
		if ((p = memchr(host.p, ']', host.n)) == NULL)
			return false;
		name->n = ++p - host.p;
	} else {
		if ((p = memchr(host.p, ':', host.n)) == NULL)
			p = end;
		name->n = p - host.p;
		if (name->n > 1 && name->p[name->n - 1] == '.')
			name->n--;
	}
	if (p < end && *p++ != ':')
		return false;
	for (; p < end; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return name->n > 0;
}

/* An IPv6 literal in brackets, as an address. */
static bool
ipv6_literal(struct handshake_span s, struct in6_addr *a)
{
	char text[INET6_ADDRSTRLEN + 1];

	if (s.n < 3 || s.p[0] != '[' || s.p[s.n - 1] != ']' ||
	    s.n - 2 >= sizeof(text))
		return false;
	memcpy(text, s.p + 1, s.n - 2);
	text[s.n - 2] = '\0';
	return inet_pton(AF_INET6, text, a) == 1;
}

static bool
host_eq(struct handshake_span a, struct handshake_span b)
{
	struct in6_addr x, y;

	if (a.n == b.n && strncasecmp(a.p, b.p, a.n) == 0)
		return true;
	return ipv6_literal(a, &x) && ipv6_literal(b, &y) &&
	    memcmp(&x, &y, sizeof(x)) == 0;
}

/* name is one of the policy's hosts; "*" counts only when star_ok. */
static bool
host_listed(struct handshake_span name, const struct handshake_policy *pol,
    bool star_ok)
{
	struct handshake_span entry;

	for (size_t i = 0; i < pol->nhosts; i++) {
		if (strcmp(pol->hosts[i], "*") == 0) {
			if (star_ok)
				return true;
			continue;
		}
		entry.p = pol->hosts[i];
		entry.n = strlen(entry.p);
		if (host_name(entry, &entry) && host_eq(name, entry))
			return true;
	}
	return false;
}

int
policy_check_host(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen)
{
	struct handshake_span name;
	char show[SHOWN_MAX];

	if (pol->nhosts == 0)
		return 0;
	if (host_name(req->host, &name) && host_listed(name, pol, true))
		return 0;
	if (!host_name(req->host, &name))
		name = req->host;
	shown(show, name);
	snprintf(err, errlen, "host '%s' not allowed", show);
	return 403;
}

/* An origin (RFC 6454) as compared: scheme and host in lower case. */
struct origin {
	char scheme[ORIGIN_SCHEME_MAX];
	char host[ORIGIN_HOST_MAX]; /* an IPv6 literal in brackets */
	unsigned port;		    /* the scheme's default if none given;
				     * 0 for none known */
};

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* scheme://host[:port], and "/" after it when slash_ok. */
static bool
origin_parse(const char *p, size_t n, bool slash_ok, struct origin *o)
{
	const unsigned need = (1 << UF_SCHEMA) | (1 << UF_HOST);
	const unsigned never = (1 << UF_QUERY) | (1 << UF_FRAGMENT) |
	    (1 << UF_USERINFO);
	struct http_parser_url u;
	struct handshake_span h;

	memset(o, 0, sizeof(*o));
	http_parser_url_init(&u);
	if (n == 0 || http_parser_parse_url(p, n, 0, &u) != 0 ||
	    (u.field_set & need) != need || (u.field_set & never) != 0)
		return false;
	if ((u.field_set & (1 << UF_PATH)) &&
	    !(slash_ok && u.field_data[UF_PATH].len == 1))
		return false;
	if (u.field_data[UF_SCHEMA].len >= sizeof(o->scheme) ||
	    u.field_data[UF_HOST].len == 0 ||
	    (size_t)u.field_data[UF_HOST].len + 2 >= sizeof(o->host))
		return false;
	snprintf(o->scheme, sizeof(o->scheme), "%.*s",
	    (int)u.field_data[UF_SCHEMA].len, p + u.field_data[UF_SCHEMA].off);
	h.p = p + u.field_data[UF_HOST].off;
	h.n = u.field_data[UF_HOST].len;
	snprintf(o->host, sizeof(o->host),
	    memchr(h.p, ':', h.n) ? "[%.*s]" : "%.*s", (int)h.n, h.p);
	lower(o->scheme);
	lower(o->host);
	if (u.field_set & (1 << UF_PORT))
		o->port = u.port;
	else if (strcmp(o->scheme, "http") == 0 || strcmp(o->scheme, "ws") == 0)
		o->port = 80;
	else if (strcmp(o->scheme, "https") == 0 ||
	    strcmp(o->scheme, "wss") == 0)
		o->port = 443;
	return true;
}

/* The origin's host, as a Host name. */
static struct handshake_span
origin_host(const struct origin *o)
{
	struct handshake_span h = { o->host, strlen(o->host) }, name;

	return host_name(h, &name) ? name : h;
}

static bool
origin_eq(const struct origin *a, const struct origin *b)
{
	return strcmp(a->scheme, b->scheme) == 0 && a->port == b->port &&
	    host_eq(origin_host(a), origin_host(b));
}

/* The origin of a page we served: our scheme and one of our ports, and a
 * host we answer to (or the one the request names, when any Host is). */
static bool
own_origin(const struct origin *o, const struct handshake_request *req,
    const struct handshake_policy *pol)
{
	struct handshake_span host = origin_host(o), name;
	bool port_ok = false;

	if (strcmp(o->scheme, pol->tls ? "https" : "http") != 0)
		return false;
	for (size_t i = 0; i < pol->nports; i++)
		port_ok |= o->port == pol->ports[i];
	if (!port_ok)
		return false;
	if (host_listed(host, pol, false))
		return true;
	return host_name(req->host, &name) && host_eq(host, name);
}

static bool
origin_listed(struct handshake_span origin, const struct handshake_policy *pol)
{
	struct origin o, e;
	bool null = origin.n == 4 && memcmp(origin.p, "null", 4) == 0;

	if (!null && !origin_parse(origin.p, origin.n, false, &o))
		return false;
	for (size_t i = 0; i < pol->norigins; i++) {
		const char *entry = pol->origins[i];

		if (null ? strcmp(entry, "null") == 0 :
			   origin_parse(entry, strlen(entry), true, &e) &&
			    origin_eq(&o, &e))
			return true;
	}
	return false;
}

int
policy_check_origin(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen)
{
	char show[SHOWN_MAX];
	struct origin o;

	/* Browsers always send one; other clients are not the threat. */
	if (req->origin.p == NULL || req->origin.n == 0)
		return 0;
	for (size_t i = 0; i < pol->norigins; i++)
		if (strcmp(pol->origins[i], "*") == 0)
			return 0;
	if (origin_parse(req->origin.p, req->origin.n, false, &o) &&
	    own_origin(&o, req, pol))
		return 0;
	if (origin_listed(req->origin, pol))
		return 0;
	shown(show, req->origin);
	snprintf(err, errlen, "origin '%s' not allowed", show);
	return 403;
}

/* Decodes "Basic TOKEN" into out, zero-filled to HANDSHAKE_MAX_AUTH_B64
 * bytes.  The length, or -1 when it is not that. */
static int
basic_decode(struct handshake_span v, unsigned char out[HANDSHAKE_MAX_AUTH_B64])
{
	char b64[HANDSHAKE_MAX_AUTH_B64 + 1];
	size_t i = 5;
	int n;

	memset(out, 0, HANDSHAKE_MAX_AUTH_B64);
	if (v.n <= i || strncasecmp(v.p, "Basic", i) != 0 ||
	    (v.p[i] != ' ' && v.p[i] != '\t'))
		return -1;
	while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
		i++;
	v.p += i;
	v.n -= i;
	if (v.n == 0 || v.n % 4 != 0 || v.n >= sizeof(b64))
		return -1;
	memcpy(b64, v.p, v.n);
	b64[v.n] = '\0';
	if ((n = EVP_DecodeBlock(out, (unsigned char *)b64, (int)v.n)) < 0)
		return -1;
	/* EVP_DecodeBlock counts the bytes that padding stands for. */
	for (i = v.n; i > v.n - 2 && b64[i - 1] == '='; i--)
		out[--n] = '\0';
	return n;
}

int
policy_check_auth(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen)
{
	unsigned char got[HANDSHAKE_MAX_AUTH_B64], want[HANDSHAKE_MAX_AUTH_B64];
	int len, match = 0;

	if (pol->ncredentials == 0)
		return 0;
	if (req->authorization.p == NULL || req->authorization.n == 0) {
		snprintf(err, errlen, "authorization missing");
		return 401;
	}
	len = basic_decode(req->authorization, got);
	/* Every entry, all of its bytes: the time taken says nothing. */
	for (size_t i = 0; i < pol->ncredentials; i++) {
		size_t n = strlen(pol->credentials[i]);

		memset(want, 0, sizeof(want));
		if (n <= HANDSHAKE_MAX_AUTH)
			memcpy(want, pol->credentials[i], n);
		match |= (CRYPTO_memcmp(got, want, sizeof(want)) == 0) &
		    (len >= 0 && (size_t)len == n);
	}
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	if (!match) {
		snprintf(err, errlen, "authorization wrong");
		return 401;
	}
	return 0;
}

int
policy_check_access(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen)
{
	int status;

	if ((status = policy_check_host(req, pol, err, errlen)) != 0 ||
	    (status = policy_check_origin(req, pol, err, errlen)) != 0)
		return status;
	return policy_check_auth(req, pol, err, errlen);
}

bool
policy_origin_valid(const char *s)
{
	struct origin o;

	return strcmp(s, "*") == 0 || strcmp(s, "null") == 0 ||
	    origin_parse(s, strlen(s), true, &o);
}

/* Appends n bytes of p to out at *o, as far as they fit. */
static void
put(char *out, size_t outlen, size_t *o, const char *p, size_t n)
{
	if (n > outlen - 1 - *o)
		n = outlen - 1 - *o;
	memcpy(out + *o, p, n);
	*o += n;
}

static bool
prefix_ci(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && strncasecmp(p, prefix, k) == 0;
}

void
policy_redact(const char *head, size_t len, char *out, size_t outlen)
{
	const char *p = head, *end = head + len;
	size_t o = 0;

	if (outlen == 0)
		return;
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *next = eol ? eol + 1 : end, *text_end = next, *v;

		while (text_end > p &&
		    (text_end[-1] == '\n' || text_end[-1] == '\r'))
			text_end--;
		if (!prefix_ci(p, text_end - p, "Authorization:") &&
		    !prefix_ci(p, text_end - p, "Proxy-Authorization:")) {
			put(out, outlen, &o, p, next - p);
			p = next;
			continue;
		}
		/* The scheme stays when something follows it. */
		v = memchr(p, ':', text_end - p) + 1;
		while (v < text_end && (*v == ' ' || *v == '\t'))
			v++;
		while (v < text_end && *v != ' ' && *v != '\t')
			v++;
		if (v == text_end)
			v = memchr(p, ':', text_end - p) + 1;
		put(out, outlen, &o, p, v - p);
		put(out, outlen, &o, " ***", 4);
		put(out, outlen, &o, text_end, next - text_end);
		p = next;
	}
	out[o] = '\0';
}

/* What policy_forwarded_for looks for, header by header. */
struct forwarded {
	struct handshake_span fwd, xff; /* the last of each */
};

static void
forwarded_header(struct handshake_span name, struct handshake_span value,
    void *arg)
{
	struct forwarded *f = arg;

	if (name.n == 9 && strncasecmp(name.p, "Forwarded", 9) == 0)
		f->fwd = value;
	else if (name.n == 15 &&
	    strncasecmp(name.p, "X-Forwarded-For", 15) == 0)
		f->xff = value;
}

/* The last element of the comma list v, blanks trimmed. */
static struct handshake_span
last_element(struct handshake_span v)
{
	const char *comma = v.p + v.n;

	while (comma > v.p && comma[-1] != ',')
		comma--;
	v.n -= comma - v.p;
	v.p = comma;
	while (v.n > 0 && (*v.p == ' ' || *v.p == '\t'))
		v.p++, v.n--;
	while (v.n > 0 && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
		v.n--;
	return v;
}

/* The for= of a Forwarded element: "for=1.2.3.4", "for=\"[::1]:80\"". */
static struct handshake_span
forwarded_for(struct handshake_span e)
{
	struct handshake_span none = { e.p, 0 }, v;
	const char *semi;

	for (const char *p = e.p, *end = e.p + e.n; p < end; p = semi + 1) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((semi = memchr(p, ';', end - p)) == NULL)
			semi = end;
		if (semi - p > 4 && strncasecmp(p, "for=", 4) == 0) {
			v.p = p + 4;
			v.n = semi - v.p;
			while (v.n > 0 && v.p[v.n - 1] == ' ')
				v.n--;
			if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
				v.p++, v.n -= 2;
			return v;
		}
	}
	return none;
}

int
policy_forwarded_for(const char *head, size_t len, char *out, size_t outlen)
{
	struct forwarded f = { { NULL, 0 }, { NULL, 0 } };
	struct handshake_span v;
	char ip[INET6_ADDRSTRLEN + 8];
	unsigned char addr[16];
	int family;

	if (handshake_each_header(head, len, forwarded_header, &f) == -1)
		return -1;
	if (f.fwd.p != NULL)
		v = forwarded_for(last_element(f.fwd));
	else if (f.xff.p != NULL)
		v = last_element(f.xff);
	else
		return -1;
	if (v.n == 0 || v.n >= sizeof(ip))
		return -1;
	memcpy(ip, v.p, v.n);
	ip[v.n] = '\0';
	/* "[::1]:80" and "1.2.3.4:80" name their address. */
	if (net_peer_addr(ip, &family, addr) == -1 ||
	    inet_ntop(family, addr, out, outlen) == NULL)
		return -1;
	return 0;
}
