/*
 * libFuzzer target: url_parse on a NUL-terminated copy of the input (at most
 * 8 KiB; longer inputs are cut).
 *
 * Invariants checked on success (abort() when broken): every field is
 * NUL-terminated inside its array; host is non-empty; port is a number in
 * 1-65535; resource starts with '/'; resource and hostport (which go into
 * the request line and the Host header) hold no space, CR, LF or other
 * control byte that could split or end the line.  (Tab and form feed are
 * let through: http-parser's lenient URL grammar admits them, and a peer
 * on the same parser accepts them back.)
 *
 * And a round trip between our own two tools: the upgrade request wscat
 * builds from an accepted URL (resource, Host, userinfo as Basic auth) must
 * be one that wsserve's handshake_parse_request accepts, for the same path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "buf.h"
#include "handshake.h"
#include "url.h"

#define MAX_INPUT 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* No space, CTL or DEL but tab and form feed. */
static bool
clean(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s <= 0x20 || *s == 0x7f) && *s != '\t' &&
		    *s != '\f')
			return false;
	return true;
}

static void
fail(const char *what, UNUSED const struct url *u)
{
	fprintf(stderr, "url_parse accepted a URL with %s\n", what);
	abort();
}

/* wscat's request for u, checked by wsserve's parser. */
static void
round_trip(const struct url *u)
{
	struct handshake_client cl = { u->resource, u->hostport, NULL,
		u->userinfo[0] ? u->userinfo : NULL, NULL, 0, NULL, 0 };
	struct handshake_request req;
	struct buf b;
	char why[160];
	ssize_t len;
	int status;

	buf_init(&b, 1 << 16);
	if (handshake_build_request(&b, &cl, "dGhlIHNhbXBsZSBub25jZQ==") != 0) {
		buf_deinit(&b); /* too long for one head: refused, fine */
		return;
	}
	len = handshake_head_len(buf_head(&b), buf_used(&b), 1 << 16);
	if (len <= 0 || (size_t)len != buf_used(&b)) {
		fprintf(stderr, "wscat's request for '%s' is not one head\n",
		    u->resource);
		abort();
	}
	status = handshake_parse_request(buf_head(&b), len, &req, why,
	    sizeof(why));
	if (status != 0 || req.path.n != strlen(u->resource) ||
	    memcmp(req.path.p, u->resource, req.path.n) != 0 ||
	    req.host.n != strlen(u->hostport) ||
	    memcmp(req.host.p, u->hostport, req.host.n) != 0) {
		fprintf(stderr,
		    "wsserve refuses wscat's request for resource "
		    "'%s' host '%s': %d %s\n",
		    u->resource, u->hostport, status,
		    status ? why : "(path or host differ)");
		abort();
	}
	buf_deinit(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	struct url u;
	char *s;
	long port;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	memset(err, 'x', sizeof(err));
	if (url_parse(s, &u, err, sizeof(err)) != 0) {
		if (!terminated(err, sizeof(err)))
			fail("an unterminated error", &u);
		free(s);
		return 0;
	}
	if (!terminated(u.host, sizeof(u.host)) ||
	    !terminated(u.port, sizeof(u.port)) ||
	    !terminated(u.resource, sizeof(u.resource)) ||
	    !terminated(u.hostport, sizeof(u.hostport)) ||
	    !terminated(u.userinfo, sizeof(u.userinfo)))
		fail("an unterminated field", &u);
	if (u.host[0] == '\0')
		fail("an empty host", &u);
	port = strtol(u.port, NULL, 10);
	if (port < 1 || port > 65535)
		fail("a bad port", &u);
	if (u.resource[0] != '/')
		fail("a resource not starting with '/'", &u);
	if (!clean(u.resource))
		fail("a space or control byte in the resource", &u);
	if (!clean(u.hostport))
		fail("a space or control byte in the Host value", &u);
	round_trip(&u);
	free(s);
	return 0;
}
