/*
 * URL parsing on top of http_parser_parse_url: scheme check, defaults,
 * bracketed IPv6 in the Host header, and the bounds http-parser leaves to us.
 */
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

/* True when s starts with letters and "://". */
static bool
has_scheme(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

	return n > 0 && strncmp(s + n, "://", 3) == 0;
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
	    (strcasecmp(scheme, "ws") != 0 && strcasecmp(scheme, "wss") != 0)) {
		snprintf(err, errlen, "scheme must be ws:// or wss://");
		return -1;
	}
	u->tls = strcasecmp(scheme, "wss") == 0;
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
	    copy_field(u->userinfo, sizeof(u->userinfo), full, &pu,
		UF_USERINFO) == -1) {
		snprintf(err, errlen, "user info too long");
		return -1;
	}

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
