/*
 * URL parsing on top of http_parser_parse_url: scheme check (http:// and
 * https:// stand for ws:// and wss://, as in npm wscat), defaults,
 * bracketed IPv6 in the Host header, and the bounds http-parser leaves to us.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "url.h"

static int
copy_field(char *dst, size_t dstlen, const char *s,
    const struct http_parser_url *pu, int field)
{
	size_t n = pu->field_data[field].len;

	if (n >= dstlen)
		return -1;
	memcpy(dst, s + pu->field_data[field].off, n);
	dst[n] = '\0';
	return 0;
}

/* Sets the request target: prefix, then p[0..n) with the bytes a request
 * line cannot carry raw (controls, space, non-ASCII) percent-encoded;
 * http-parser lets them through.  0, or -1 when it does not fit. */
static int
set_resource(struct url *u, const char *prefix, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(prefix);

	if (len >= sizeof(u->resource))
		return -1;
	memcpy(u->resource, prefix, len);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (len + 4 > sizeof(u->resource))
			return -1;
		if (c <= 0x20 || c >= 0x7f) {
			u->resource[len++] = '%';
			u->resource[len++] = hex[c >> 4];
			u->resource[len++] = hex[c & 0xf];
		} else
			u->resource[len++] = c;
	}
	u->resource[len] = '\0';
	return 0;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends p[0..n) percent-decoded to dst at *len, so that "us%40er" is
 * "us@er".  0, or -1 with the reason in err: a bad escape, a control
 * character (RFC 7617 forbids them; CR or LF would end the header), or a
 * colon in the user name (colon_ok false), which would move the split. */
static int
decode_part(char *dst, size_t *len, const char *p, size_t n, bool colon_ok,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i], hi, lo;

		if (c == '%') {
			if (i + 2 >= n || (hi = hex_value(p[i + 1])) == -1 ||
			    (lo = hex_value(p[i + 2])) == -1) {
				snprintf(err, errlen,
				    "bad percent-encoding in user info");
				return -1;
			}
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "control character in user info");
			return -1;
		}
		if (c == ':' && !colon_ok) {
			snprintf(err, errlen, "colon in user name");
			return -1;
		}
		dst[(*len)++] = (char)c;
	}
	dst[*len] = '\0';
	return 0;
}

/* Sets u->userinfo from the raw user info p[0..n), decoded: the user name
 * up to the first ':', then the password.  0, or -1 with the reason. */
static int
set_userinfo(struct url *u, const char *p, size_t n, char *err, size_t errlen)
{
	const char *colon = memchr(p, ':', n);
	size_t len = 0, user = colon ? (size_t)(colon - p) : n;

	/* Decoding never lengthens. */
	if (n >= sizeof(u->userinfo)) {
		snprintf(err, errlen, "user info too long");
		return -1;
	}
	if (decode_part(u->userinfo, &len, p, user, false, err, errlen) == -1)
		return -1;
	if (colon == NULL)
		return 0;
	u->userinfo[len++] = ':';
	return decode_part(u->userinfo, &len, colon + 1, n - user - 1, true,
	    err, errlen);
}

/* True when s starts with letters and "://". */
static bool
has_scheme(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

	return n > 0 && strncmp(s + n, "://", 3) == 0;
}

/* ws+unix://PATH[:RESOURCE], after its scheme (tls: wss+unix). */
static int
parse_unix(const char *rest, bool tls, struct url *u, char *err, size_t errlen)
{
	const char *colon = strchr(rest, ':');
	size_t n = colon != NULL ? (size_t)(colon - rest) : strlen(rest);

	if (n == 0 || n >= sizeof(u->unix_path)) {
		snprintf(err, errlen, "a socket path of 1 to %zu bytes",
		    sizeof(u->unix_path) - 1);
		return -1;
	}
	if (colon != NULL && colon[1] != '/') {
		snprintf(err, errlen,
		    "the request path after the socket's "
		    "must start with /");
		return -1;
	}
	memcpy(u->unix_path, rest, n);
	u->tls = tls;
	snprintf(u->host, sizeof(u->host), "localhost");
	snprintf(u->hostport, sizeof(u->hostport), "localhost");
	snprintf(u->port, sizeof(u->port), "%s", tls ? "443" : "80");
	if (set_resource(u, colon != NULL ? "" : "/",
		colon != NULL ? colon + 1 : "",
		colon != NULL ? strlen(colon + 1) : 0) == -1) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return 0;
}

int
url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
	struct http_parser_url pu;
	char full[URL_MAX_RESOURCE + URL_MAX_HOST + 64];
	char scheme[8];
	size_t n;
	int r;

	memset(u, 0, sizeof(*u));
	if (*s == '\0') {
		snprintf(err, errlen, "empty URL");
		return -1;
	}
	if (strncasecmp(s, "ws+unix://", 10) == 0)
		return parse_unix(s + 10, false, u, err, errlen);
	if (strncasecmp(s, "wss+unix://", 11) == 0)
		return parse_unix(s + 11, true, u, err, errlen);
	if (!has_scheme(s))
		r = snprintf(full, sizeof(full), "ws://%s", s);
	else
		r = snprintf(full, sizeof(full), "%s", s);
	if (r < 0 || (size_t)r >= sizeof(full)) {
		snprintf(err, errlen, "URL too long");
		return -1;
	}
	n = strlen(full);
	http_parser_url_init(&pu);
	if (http_parser_parse_url(full, n, 0, &pu) != 0 ||
	    !(pu.field_set & (1 << UF_HOST))) {
		snprintf(err, errlen, "invalid URL");
		return -1;
	}
	if (copy_field(scheme, sizeof(scheme), full, &pu, UF_SCHEMA) == -1 ||
	    (strcasecmp(scheme, "ws") != 0 && strcasecmp(scheme, "wss") != 0 &&
		strcasecmp(scheme, "http") != 0 &&
		strcasecmp(scheme, "https") != 0)) {
		snprintf(err, errlen,
		    "scheme must be ws://, wss://, http:// or https://");
		return -1;
	}
	u->tls = strcasecmp(scheme, "wss") == 0 ||
	    strcasecmp(scheme, "https") == 0;
	if (pu.field_data[UF_HOST].len == 0 ||
	    copy_field(u->host, sizeof(u->host), full, &pu, UF_HOST) == -1) {
		snprintf(err, errlen, "invalid host");
		return -1;
	}
	if (pu.field_set & (1 << UF_PORT)) {
		if (pu.port == 0) {
			snprintf(err, errlen, "port must be 1-65535");
			return -1;
		}
		snprintf(u->port, sizeof(u->port), "%u", pu.port);
	} else
		snprintf(u->port, sizeof(u->port), "%s", u->tls ? "443" : "80");
	if ((pu.field_set & (1 << UF_USERINFO)) &&
	    set_userinfo(u, full + pu.field_data[UF_USERINFO].off,
		pu.field_data[UF_USERINFO].len, err, errlen) == -1)
		return -1;

	/* Path and query are adjacent in the input: copy them as one span. */
	if (pu.field_set & (1 << UF_PATH)) {
		size_t off = pu.field_data[UF_PATH].off, end;

		end = off + pu.field_data[UF_PATH].len;
		if (pu.field_set & (1 << UF_QUERY))
			end = pu.field_data[UF_QUERY].off +
			    pu.field_data[UF_QUERY].len;
		r = set_resource(u, "", full + off, end - off);
	} else if (pu.field_set & (1 << UF_QUERY))
		r = set_resource(u, "/?", full + pu.field_data[UF_QUERY].off,
		    pu.field_data[UF_QUERY].len);
	else
		r = set_resource(u, "/", "", 0);
	if (r == -1) {
		snprintf(err, errlen, "path too long");
		return -1;
	}

	/* The Host header: brackets for IPv6, port only when not default. */
	snprintf(u->hostport, sizeof(u->hostport),
	    strchr(u->host, ':') ? "[%s]" : "%s", u->host);
	if (strcmp(u->port, u->tls ? "443" : "80") != 0) {
		n = strlen(u->hostport);
		snprintf(u->hostport + n, sizeof(u->hostport) - n, ":%s",
		    u->port);
	}
	return 0;
}

void
url_redact(const char *s, char *out, size_t outlen)
{
	const char *auth = has_scheme(s) ? strstr(s, "://") + 3 : s;
	const char *end = auth + strcspn(auth, "/?#"), *at, *keep;

	if ((at = memrchr(auth, '@', end - auth)) == NULL) {
		snprintf(out, outlen, "%s", s);
		return;
	}
	/* The user name stays; a user info without a password may be a
	 * token, and goes whole. */
	keep = memchr(auth, ':', at - auth);
	keep = keep ? keep + 1 : auth;
	snprintf(out, outlen, "%.*s***%s", (int)(keep - s), s, at);
}

/* RFC 3986 5.2.4 on the path at the start of p (up to a '?'), in
 * place: "." segments go, and ".." takes the segment before it with it. */
static void
remove_dot_segments(char *p)
{
	char *end = p + strcspn(p, "?"), *in = p, *out = p, *seg;
	size_t n;

	while (in < end) {
		/* One segment: its '/' and what follows up to the next. */
		n = 1 + strcspn(in + 1, "/?");
		if (in + n > end)
			n = end - in;
		seg = in;
		in += n;
		if (n == 2 && seg[1] == '.') {
			if (in == end)
				*out++ = '/';
		} else if (n == 3 && seg[1] == '.' && seg[2] == '.') {
			while (out > p && *--out != '/')
				;
			if (in == end)
				*out++ = '/';
		} else {
			memmove(out, seg, n);
			out += n;
		}
	}
	if (out == p)
		*out++ = '/';
	memmove(out, end, strlen(end) + 1);
}

int
url_resolve(const struct url *base, const char *ref, struct url *out, char *err,
    size_t errlen)
{
	char full[URL_MAX_RESOURCE + URL_MAX_HOST + 64];
	const char *hash = strchr(ref, '#'), *q;
	size_t n = hash != NULL ? (size_t)(hash - ref) : strlen(ref), dir;

	if (has_scheme(ref) || (ref[0] == '/' && ref[1] == '/')) {
		if (snprintf(full, sizeof(full), "%s%.*s",
			has_scheme(ref) ? "" :
			    base->tls	? "wss:" :
					  "ws:",
			(int)n, ref) >= (int)sizeof(full)) {
			snprintf(err, errlen, "URL too long");
			return -1;
		}
		return url_parse(full, out, err, errlen);
	}
	*out = *base;
	out->userinfo[0] = '\0';
	/* "?q": base's path; "/p": none of it; "p": up to its last '/'. */
	q = strchr(base->resource, '?');
	dir = q != NULL ? (size_t)(q - base->resource) : strlen(base->resource);
	if (n == 0 || ref[0] == '?')
		dir = n == 0 ? strlen(base->resource) : dir;
	else if (ref[0] == '/')
		dir = 0;
	else
		while (dir > 0 && base->resource[dir - 1] != '/')
			dir--;
	if (snprintf(full, sizeof(full), "%.*s", (int)dir, base->resource) >=
		(int)sizeof(full) ||
	    set_resource(out, full, ref, n) == -1) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	remove_dot_segments(out->resource);
	return 0;
}

void
url_format(const struct url *u, char *out, size_t outlen)
{
	if (u->unix_path[0] != '\0')
		snprintf(out, outlen, "%s://%s:%s",
		    u->tls ? "wss+unix" : "ws+unix", u->unix_path, u->resource);
	else
		snprintf(out, outlen, "%s://%s%s", u->tls ? "wss" : "ws",
		    u->hostport, u->resource);
}
