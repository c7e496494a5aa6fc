/*
 * Proxies: URLs (through url_parse, which decodes the user info), curl's
 * environment variables and no_proxy matching, HTTP CONNECT (request
 * built, answer parsed by http-parser) and the SOCKS5 exchange.  Nothing
 * here touches a socket: the caller moves the bytes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <http_parser.h>
#include <openssl/evp.h>

#include "escape.h"
#include "handshake.h"
#include "net.h"
#include "proxy.h"
#include "url.h"

#define PROXY_DEFAULT_PORT "1080" /* curl's, for every proxy kind */
#define STATUS_LINE_MAX 100	  /* of a refusal, in its message */

/* SOCKS5 (RFC 1928) and its user name and password (RFC 1929). */
#define SOCKS_VERSION 5
#define SOCKS_AUTH_VERSION 1
#define SOCKS_NO_AUTH 0x00
#define SOCKS_USER_PASS 0x02
#define SOCKS_NO_METHOD 0xff
#define SOCKS_CONNECT 1
#define SOCKS_IPV4 1
#define SOCKS_NAME 3
#define SOCKS_IPV6 4

enum { STEP_METHOD, STEP_AUTH, STEP_REPLY };

/* Length of s's scheme when s starts with one and "://", else 0. */
static size_t
scheme_len(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	return n > 0 && strncmp(s + n, "://", 3) == 0 ? n : 0;
}

static bool
scheme_is(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(s, name, n) == 0;
}

int
proxy_parse(const char *s, struct proxy *p, char *err, size_t errlen)
{
	struct http_parser_url pu;
	struct url u;
	char full[URL_MAX_HOST + URL_MAX_USERINFO + 64];
	size_t n = scheme_len(s);
	int r;

	memset(p, 0, sizeof(*p));
	if (*s == '\0') {
		snprintf(err, errlen, "empty proxy URL");
		return -1;
	}
	if (n == 0 || scheme_is(s, n, "http"))
		p->kind = PROXY_HTTP;
	else if (scheme_is(s, n, "socks5h") || scheme_is(s, n, "socks5"))
		p->kind = PROXY_SOCKS5H;
	else if (scheme_is(s, n, "https")) {
		snprintf(err, errlen, "https:// proxies are not supported");
		return -1;
	} else {
		snprintf(err, errlen,
		    "proxy scheme must be http://, socks5:// or socks5h://");
		return -1;
	}
	/* url_parse checks the host and port and decodes the user info;
	 * its default port is a ws:// one, so whether there was a port at
	 * all is asked of http-parser. */
	r = snprintf(full, sizeof(full), "ws://%s", n ? s + n + 3 : s);
	if (r < 0 || (size_t)r >= sizeof(full)) {
		snprintf(err, errlen, "proxy URL too long");
		return -1;
	}
	if (url_parse(full, &u, err, errlen) == -1)
		return -1;
	if (strcmp(u.resource, "/") != 0) {
		snprintf(err, errlen, "a proxy URL takes no path");
		return -1;
	}
	http_parser_url_init(&pu);
	http_parser_parse_url(full, strlen(full), 0, &pu);
	snprintf(p->port, sizeof(p->port), "%s",
	    pu.field_set & (1 << UF_PORT) ? u.port : PROXY_DEFAULT_PORT);
	snprintf(p->host, sizeof(p->host), "%s", u.host);
	/* Both schemes want a password, if only an empty one. */
	r = snprintf(p->auth, sizeof(p->auth),
	    u.userinfo[0] && !strchr(u.userinfo, ':') ? "%s:" : "%s",
	    u.userinfo);
	if (r < 0 || (size_t)r >= sizeof(p->auth)) {
		snprintf(err, errlen, "user info too long");
		return -1;
	}
	return 0;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
proxy_from_env(bool tls, const char *host)
{
	const char *v, *list;

	/* Not HTTP_PROXY: a CGI program gets a request's "Proxy:" header
	 * as HTTP_PROXY, which would let a client pick the proxy ("httpoxy");
	 * curl ignores it for that reason. */
	if (!tls)
		v = env("http_proxy");
	else if ((v = env("https_proxy")) == NULL)
		v = env("HTTPS_PROXY");
	if (v == NULL && (v = env("all_proxy")) == NULL)
		v = env("ALL_PROXY");
	if (v == NULL)
		return NULL;
	if ((list = env("no_proxy")) == NULL)
		list = env("NO_PROXY");
	return list != NULL && proxy_no_proxy(list, host) ? NULL : v;
}

/* The host no_proxy entries are matched against: a name without its
 * trailing dot, or an address. */
struct target {
	const char *name;
	size_t namelen;
	int family; /* AF_INET, AF_INET6, or AF_UNSPEC for a name */
	unsigned char addr[16];
};

/* Matches the entry e[0..n) against t, as proxy_no_proxy() says. */
static bool
entry_matches(const char *e, size_t n, const struct target *t)
{
	char buf[PROXY_MAX_HOST], *s = buf, *slash, *end;
	const char *tail;
	struct net_cidr c;
	int bits = -1;
	size_t len;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, e, n);
	buf[n] = '\0';
	if ((slash = strchr(s, '/')) != NULL) {
		*slash++ = '\0';
		if (!isdigit((unsigned char)*slash) || strlen(slash) > 3)
			return false;
		bits = strtol(slash, &end, 10);
		if (*end != '\0')
			return false;
	}
	/* "[::1]", "[::1]:8080", "host:8080": the port does not count.  An
	 * IPv6 literal without brackets has more than one colon. */
	if (*s == '[' && (end = strchr(s, ']')) != NULL) {
		*end = '\0';
		s++;
	} else if ((end = strchr(s, ':')) != NULL && !strchr(end + 1, ':'))
		*end = '\0';

	if (t->family != AF_UNSPEC)
		return net_cidr_parse(s, bits, &c) == 0 &&
		    net_cidr_has(&c, t->family, t->addr);
	if (bits != -1)
		return false;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len > 0 && *s == '.')
		s++, len--;
	if (len == 0 || len > t->namelen)
		return false;
	tail = t->name + t->namelen - len;
	return strncasecmp(tail, s, len) == 0 &&
	    (tail == t->name || tail[-1] == '.');
}

bool
proxy_no_proxy(const char *list, const char *host)
{
	struct target t = { .name = host };
	size_t n = strlen(host);

	/* Only the whole list, as in curl: "*" among names is no wildcard. */
	if (strcmp(list, "*") == 0)
		return true;
	/* An address, brackets or not, or else a name. */
	if (net_peer_addr(host, &t.family, t.addr) == -1)
		t.family = AF_UNSPEC;
	if (n > 0 && t.name[n - 1] == '.')
		n--;
	t.namelen = n;
	for (const char *p = list, *comma; *p != '\0'; p = comma + 1) {
		const char *end;

		p += strspn(p, " \t");
		comma = p + strcspn(p, ",");
		for (end = comma;
		     end > p && (end[-1] == ' ' || end[-1] == '\t');)
			end--;
		if (entry_matches(p, end - p, &t))
			return true;
		if (*comma == '\0')
			break;
	}
	return false;
}

int
proxy_connect_request(struct buf *out, const struct proxy *p,
    const char *hostport)
{
	unsigned char b64[4 * ((PROXY_MAX_AUTH + 2) / 3) + 1];
	char line[sizeof(b64) + 32] = "";
	size_t n = strnlen(p->auth, sizeof(p->auth));

	if (*hostport == '\0' || !handshake_value_valid(hostport) ||
	    strpbrk(hostport, " \t") != NULL || n == sizeof(p->auth) ||
	    (n > 0 && !handshake_auth_valid(p->auth)))
		return -1;
	if (n > 0) {
		EVP_EncodeBlock(b64, (const unsigned char *)p->auth, n);
		snprintf(line, sizeof(line),
		    "Proxy-Authorization: Basic %s\r\n", b64);
	}
	/* One append: all of the request or nothing. */
	return buf_printf(out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n",
	    hostport, hostport, line);
}

static int
headers_complete_cb(http_parser *hp)
{
	*(bool *)hp->data = true;
	return 1; /* no body: a 2xx to CONNECT has none (RFC 7231 4.3.6) */
}

/* The answer's first line, cut and escaped, in err after what. */
static void
describe(const char *in, size_t len, const char *what, char *err, size_t errlen)
{
	char line[ESCAPE_MAX(STATUS_LINE_MAX)];
	size_t n = 0;

	while (n < len && n < STATUS_LINE_MAX && in[n] != '\r' && in[n] != '\n')
		n++;
	escape_text(line, sizeof(line), in, n, "");
	snprintf(err, errlen, "%s '%s'", what, line);
}

enum proxy_status
proxy_connect_response(const char *in, size_t len, size_t *head_len,
    int *status, char *err, size_t errlen)
{
	http_parser_settings s;
	http_parser hp;
	bool done = false;
	ssize_t n;

	*head_len = 0;
	*status = 0;
	/* Not HTTP at all (a SOCKS or TLS proxy): say so now rather than
	 * wait for a head that will not come. */
	if (memcmp(in, "HTTP/", len < 5 ? len : 5) != 0) {
		describe(in, len, "proxy answer is not HTTP:", err, errlen);
		return PROXY_REFUSED;
	}
	if ((n = handshake_head_len(in, len, PROXY_MAX_HEAD)) == 0)
		return PROXY_MORE;
	if (n == -1) {
		snprintf(err, errlen, "proxy answer too long");
		return PROXY_REFUSED;
	}
	http_parser_settings_init(&s);
	s.on_headers_complete = headers_complete_cb;
	http_parser_init(&hp, HTTP_RESPONSE);
	hp.data = &done;
	/* Length headers in a 2xx to CONNECT are to be ignored (RFC 7231
	 * 4.3.6), even both at once, which http-parser refuses by default. */
	hp.allow_chunked_length = 1;
	http_parser_execute(&hp, &s, in, n);
	if (!done || HTTP_PARSER_ERRNO(&hp) != HPE_OK) {
		describe(in, len, "malformed proxy answer", err, errlen);
		return PROXY_REFUSED;
	}
	*status = hp.status_code;
	if (hp.status_code < 200 || hp.status_code > 299) {
		describe(in, len, "proxy answered", err, errlen);
		return PROXY_REFUSED;
	}
	*head_len = n;
	return PROXY_DONE;
}

/* The port string as a number, or -1 unless it is 1-65535. */
static long
port_number(const char *port)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*port))
		return -1;
	n = strtol(port, &end, 10);
	return *end == '\0' && n >= 1 && n <= 65535 ? n : -1;
}

/* The RFC 1929 request for "user:pass" (a user alone: empty password). */
static void
socks_auth_request(struct proxy_socks *st, const char *auth)
{
	const char *colon = strchr(auth, ':');
	size_t ulen = colon ? (size_t)(colon - auth) : strlen(auth);
	const char *pass = colon ? colon + 1 : "";
	size_t plen = strlen(pass);
	unsigned char *q = st->auth;

	*q++ = SOCKS_AUTH_VERSION;
	*q++ = ulen;
	memcpy(q, auth, ulen);
	q += ulen;
	*q++ = plen;
	memcpy(q, pass, plen);
	st->authlen = q + plen - st->auth;
}

int
proxy_socks_start(struct proxy_socks *st, struct buf *out,
    const struct proxy *p, const char *host, const char *port)
{
	unsigned char *q = st->req;
	size_t n = strlen(host), alen = strnlen(p->auth, sizeof(p->auth));
	long pn = port_number(port);
	const unsigned char hello[] = { SOCKS_VERSION, alen > 0 ? 2 : 1,
		SOCKS_NO_AUTH, SOCKS_USER_PASS };

	memset(st, 0, sizeof(*st));
	if (pn == -1 || n == 0 || n > 255 || alen == sizeof(p->auth))
		return -1;
	*q++ = SOCKS_VERSION;
	*q++ = SOCKS_CONNECT;
	*q++ = 0; /* reserved */
	if (inet_pton(AF_INET, host, q + 1) == 1) {
		*q = SOCKS_IPV4;
		q += 1 + 4;
	} else if (inet_pton(AF_INET6, host, q + 1) == 1) {
		*q = SOCKS_IPV6;
		q += 1 + 16;
	} else {
		*q++ = SOCKS_NAME;
		*q++ = n;
		memcpy(q, host, n);
		q += n;
	}
	*q++ = pn >> 8;
	*q++ = pn & 0xff;
	st->reqlen = q - st->req;
	st->step = STEP_METHOD;
	if (alen > 0)
		socks_auth_request(st, p->auth);
	/* VER NMETHODS METHODS */
	return buf_append(out, hello, 2 + hello[1]);
}

static const char *
socks_reply_text(int rep)
{
	switch (rep) {
	case 1:
		return "general SOCKS server failure";
	case 2:
		return "connection not allowed by ruleset";
	case 3:
		return "network unreachable";
	case 4:
		return "host unreachable";
	case 5:
		return "connection refused";
	case 6:
		return "TTL expired";
	case 7:
		return "command not supported";
	case 8:
		return "address type not supported";
	default:
		return "unknown error";
	}
}

/* Sends the next request; MORE, or REFUSED when out has no room. */
static enum proxy_status
socks_send(struct buf *out, const unsigned char *p, size_t n, char *err,
    size_t errlen)
{
	if (buf_append(out, p, n) == -1) {
		snprintf(err, errlen, "no room for the SOCKS request");
		return PROXY_REFUSED;
	}
	return PROXY_MORE;
}

/* The method reply: VER METHOD. */
static enum proxy_status
socks_method(struct proxy_socks *st, const unsigned char *in, size_t *used,
    struct buf *out, char *err, size_t errlen)
{
	*used = 2;
	if (in[1] == SOCKS_NO_AUTH) {
		st->step = STEP_REPLY;
		return socks_send(out, st->req, st->reqlen, err, errlen);
	}
	if (in[1] == SOCKS_USER_PASS && st->authlen > 0) {
		st->step = STEP_AUTH;
		return socks_send(out, st->auth, st->authlen, err, errlen);
	}
	if (in[1] == SOCKS_NO_METHOD && st->authlen == 0)
		snprintf(err, errlen, "SOCKS proxy wants authentication");
	else if (in[1] == SOCKS_NO_METHOD)
		snprintf(err, errlen,
		    "SOCKS proxy accepts none of our authentication methods");
	else
		snprintf(err, errlen,
		    "SOCKS proxy chose authentication method %d, "
		    "which was not offered",
		    in[1]);
	return PROXY_REFUSED;
}

/* The RFC 1929 reply: VER STATUS.  Only the status counts: some proxies
 * put 5 in VER where RFC 1929 has 1 (curl ignores it too). */
static enum proxy_status
socks_auth(struct proxy_socks *st, const unsigned char *in, size_t *used,
    struct buf *out, char *err, size_t errlen)
{
	if (in[1] != 0) {
		snprintf(err, errlen,
		    "SOCKS proxy rejected the user name or password");
		return PROXY_REFUSED;
	}
	*used = 2;
	st->step = STEP_REPLY;
	return socks_send(out, st->req, st->reqlen, err, errlen);
}

/* The CONNECT reply: VER REP RSV ATYP BND.ADDR BND.PORT.  A refusal may
 * come without the address, so REP is read first. */
static enum proxy_status
socks_reply(const unsigned char *in, size_t len, size_t *used, int *status,
    char *err, size_t errlen)
{
	size_t want;

	if (in[1] != 0) {
		*status = in[1];
		snprintf(err, errlen, "SOCKS proxy refused: %s (%d)",
		    socks_reply_text(in[1]), in[1]);
		return PROXY_REFUSED;
	}
	if (len < 5)
		return PROXY_MORE;
	switch (in[3]) {
	case SOCKS_IPV4:
		want = 4 + 4 + 2;
		break;
	case SOCKS_IPV6:
		want = 4 + 16 + 2;
		break;
	case SOCKS_NAME:
		want = 4 + 1 + in[4] + 2;
		break;
	default:
		snprintf(err, errlen,
		    "SOCKS proxy replied with address type %d", in[3]);
		return PROXY_REFUSED;
	}
	if (len < want)
		return PROXY_MORE;
	*used = want;
	return PROXY_DONE;
}

enum proxy_status
proxy_socks_step(struct proxy_socks *st, const char *in, size_t len,
    size_t *used, struct buf *out, int *status, char *err, size_t errlen)
{
	const unsigned char *u = (const unsigned char *)in;

	*used = 0;
	*status = 0;
	/* Every reply starts with two bytes that say what comes next. */
	if (len < 2)
		return PROXY_MORE;
	if (st->step != STEP_AUTH && u[0] != SOCKS_VERSION) {
		snprintf(err, errlen,
		    "proxy answer is not SOCKS5 (version byte 0x%02x)", u[0]);
		return PROXY_REFUSED;
	}
	switch (st->step) {
	case STEP_METHOD:
		return socks_method(st, u, used, out, err, errlen);
	case STEP_AUTH:
		return socks_auth(st, u, used, out, err, errlen);
	default:
		return socks_reply(u, len, used, status, err, errlen);
	}
}
