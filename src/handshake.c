/*
 * Opening handshake: head framing, http-parser callbacks that collect the
 * headers we need, the RFC 6455 section 4 checks for both roles, and the
 * answers.  Values are checked for control bytes here as well, so that the
 * checks do not depend on how strict the installed http-parser is.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <http_parser.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sha1.h> /* libmd: no OpenSSL start-up for a ws:// handshake */

#include "handshake.h"
#include "log.h"
#include "pmd.h"
#include "policy.h"
#include "proc.h"
#include "utf8.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define ERROR_BODY_MAX 256  /* "403 Forbidden: why" */
#define STATUS_LINE_MAX 100 /* of a refusal, in its message */
#define LOCATION_MAX 200    /* of a redirect, in its message */

/* What the parser callbacks collect from one head. */
struct head_parse {
	struct handshake_span field, value; /* header being read */
	bool in_value;
	bool folded; /* obs-fold or a split we cannot join */
	bool done;   /* headers complete */
	bool body;   /* Content-Length > 0 or any Transfer-Encoding */
	int nkeys, nhosts, norigins, nauths;
	bool ws_headers; /* any of Upgrade, Sec-WebSocket-Key/Version */
	bool upgrade_ok, connection_ok;
	int version; /* -1 missing, 0 unparsable */
	struct handshake_request *req;
	handshake_header_fn *each; /* handshake_each_header */
	void *each_arg;
	/* response side */
	struct handshake_span accept, protocol;
	struct handshake_span extensions[HANDSHAKE_MAX_LISTS];
	size_t nextensions; /* all of them, kept or not */
	struct handshake_span location, content_type, content_length;
	bool chunked; /* any Transfer-Encoding */
	int naccepts, nprotocols;
};

static void
span_trim(struct handshake_span *s)
{
	while (s->n && (s->p[0] == ' ' || s->p[0] == '\t'))
		s->p++, s->n--;
	while (s->n && (s->p[s->n - 1] == ' ' || s->p[s->n - 1] == '\t'))
		s->n--;
}

static bool
span_eq(struct handshake_span s, const char *str)
{
	return s.n == strlen(str) && strncasecmp(s.p, str, s.n) == 0;
}

/* True when the comma list s holds token (case-insensitive). */
static bool
list_has(struct handshake_span s, const char *token)
{
	const char *end = s.p + s.n, *p = s.p, *comma;
	struct handshake_span t;

	while (p <= end) {
		comma = memchr(p, ',', end - p);
		t.p = p;
		t.n = (comma ? comma : end) - p;
		span_trim(&t);
		if (span_eq(t, token))
			return true;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return false;
}

static bool
is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A control character (CTL in RFC 5234), HTAB excepted when tab_ok. */
static bool
is_ctl(unsigned char c, bool tab_ok)
{
	return (c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f;
}

/* Header values may hold visible ASCII, tab, space and obs-text. */
static bool
value_clean(struct handshake_span v)
{
	for (size_t i = 0; i < v.n; i++)
		if (is_ctl(v.p[i], true))
			return false;
	return true;
}

/* True when a line of the head starts with white space: obs-fold (RFC
 * 7230 section 3.2.4), or space before the first header, which a parser
 * may read as part of the request line.  Either is refused. */
static bool
has_obs_fold(const char *head, size_t len)
{
	for (const char *p = head, *end = head + len;
	     (p = memchr(p, '\n', end - p)) != NULL && ++p < end;)
		if (*p == ' ' || *p == '\t')
			return true;
	return false;
}

/* A Content-Length other than zero. */
static bool
nonzero_length(struct handshake_span v)
{
	if (v.n == 0)
		return true;
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] != '0')
			return true;
	return false;
}

static int
append_span(struct handshake_span *s, const char *at, size_t n,
    struct head_parse *ps)
{
	if (s->p == NULL)
		s->p = at;
	else if (s->p + s->n != at) {
		ps->folded = true;
		return 0;
	}
	s->n += n;
	return 0;
}

static void
header_done(struct head_parse *ps)
{
	struct handshake_span f = ps->field, v = ps->value;
	struct handshake_request *req = ps->req;

	span_trim(&v);
	if (!value_clean(v))
		ps->folded = true;
	if (ps->each != NULL)
		ps->each(f, v, ps->each_arg);
	if (span_eq(f, "Upgrade") || span_eq(f, "Sec-WebSocket-Key") ||
	    span_eq(f, "Sec-WebSocket-Version"))
		ps->ws_headers = true;
	if (span_eq(f, "Upgrade"))
		ps->upgrade_ok |= list_has(v, "websocket");
	else if (span_eq(f, "Connection"))
		ps->connection_ok |= list_has(v, "upgrade");
	else if (span_eq(f, "Sec-WebSocket-Version")) {
		ps->version = (span_eq(v, "13") && ps->version == -1) ? 13 : 0;
	} else if (req && span_eq(f, "Host")) {
		req->host = v;
		ps->nhosts++;
	} else if (req && span_eq(f, "Sec-WebSocket-Key")) {
		req->key = v;
		ps->nkeys++;
	} else if (req && span_eq(f, "Origin")) {
		req->origin = v;
		ps->norigins++;
	} else if (req && span_eq(f, "Authorization")) {
		req->authorization = v;
		ps->nauths++;
	} else if (req && span_eq(f, "Content-Length"))
		ps->body |= nonzero_length(v);
	else if (req && span_eq(f, "Transfer-Encoding"))
		ps->body = true;
	else if (req && span_eq(f, "Sec-WebSocket-Protocol")) {
		if (req->nprotocols < HANDSHAKE_MAX_LISTS)
			req->protocols[req->nprotocols++] = v;
	} else if (!req && span_eq(f, "Sec-WebSocket-Accept")) {
		ps->accept = v;
		ps->naccepts++;
	} else if (!req && span_eq(f, "Sec-WebSocket-Protocol")) {
		ps->protocol = v;
		ps->nprotocols++;
	} else if (req && span_eq(f, "Sec-WebSocket-Extensions")) {
		if (req->nextensions < HANDSHAKE_MAX_LISTS)
			req->extensions[req->nextensions++] = v;
	} else if (!req && span_eq(f, "Sec-WebSocket-Extensions")) {
		if (ps->nextensions < HANDSHAKE_MAX_LISTS)
			ps->extensions[ps->nextensions] = v;
		ps->nextensions++;
	} else if (!req && span_eq(f, "Location"))
		ps->location = v;
	else if (!req && span_eq(f, "Content-Type"))
		ps->content_type = v;
	else if (!req && span_eq(f, "Content-Length"))
		ps->content_length = v;
	else if (!req && span_eq(f, "Transfer-Encoding"))
		ps->chunked = true;
	memset(&ps->field, 0, sizeof(ps->field));
	memset(&ps->value, 0, sizeof(ps->value));
	ps->in_value = false;
}

static int
on_url_cb(http_parser *p, const char *at, size_t n)
{
	struct head_parse *ps = p->data;

	return append_span(&ps->req->path, at, n, ps);
}

static int
on_field_cb(http_parser *p, const char *at, size_t n)
{
	struct head_parse *ps = p->data;

	if (ps->in_value)
		header_done(ps);
	return append_span(&ps->field, at, n, ps);
}

static int
on_value_cb(http_parser *p, const char *at, size_t n)
{
	struct head_parse *ps = p->data;

	ps->in_value = true;
	return append_span(&ps->value, at, n, ps);
}

static int
on_headers_complete_cb(http_parser *p)
{
	struct head_parse *ps = p->data;

	if (ps->in_value)
		header_done(ps);
	ps->done = true;
	return 1; /* no body: the rest is WebSocket data, not ours */
}

static int
parse_head(const char *head, size_t len, enum http_parser_type type,
    struct head_parse *ps, http_parser *p)
{
	http_parser_settings s;

	http_parser_settings_init(&s);
	s.on_url = on_url_cb;
	s.on_header_field = on_field_cb;
	s.on_header_value = on_value_cb;
	s.on_headers_complete = on_headers_complete_cb;
	http_parser_init(p, type);
	p->data = ps;
	ps->version = -1;
	http_parser_execute(p, &s, head, len);
	if (!ps->done || ps->folded)
		return -1;
	if (HTTP_PARSER_ERRNO(p) != HPE_OK &&
	    HTTP_PARSER_ERRNO(p) != HPE_PAUSED)
		return -1;
	return 0;
}

ssize_t
handshake_head_len(const char *data, size_t len, size_t max)
{
	const char *end = memmem(data, len, "\r\n\r\n", 4);

	if (end != NULL && (size_t)(end - data) + 4 <= max)
		return end - data + 4;
	if (end != NULL || len >= max)
		return -1;
	return 0;
}

static bool
key_valid(struct handshake_span k)
{
	unsigned char out[32];
	char in[HANDSHAKE_KEY_LEN + 1];

	if (k.n != HANDSHAKE_KEY_LEN || k.p[22] != '=' || k.p[23] != '=')
		return false;
	/* EVP_DecodeBlock lets '=' pass inside the input. */
	for (int i = 0; i < 22; i++)
		if (!isalnum((unsigned char)k.p[i]) && k.p[i] != '+' &&
		    k.p[i] != '/')
			return false;
	memcpy(in, k.p, HANDSHAKE_KEY_LEN);
	in[HANDSHAKE_KEY_LEN] = '\0';
	/* 16 bytes plus two padding bytes; -1 on a non-base64 char. */
	return EVP_DecodeBlock(out, (unsigned char *)in, HANDSHAKE_KEY_LEN) ==
	    18;
}

int
handshake_each_header(const char *head, size_t len, handshake_header_fn *fn,
    void *arg)
{
	struct handshake_request req;
	struct head_parse ps;
	http_parser p;

	bool response = len >= 5 && memcmp(head, "HTTP/", 5) == 0;

	memset(&req, 0, sizeof(req));
	memset(&ps, 0, sizeof(ps));
	ps.req = response ? NULL : &req;
	ps.each = fn;
	ps.each_arg = arg;
	return parse_head(head, len, response ? HTTP_RESPONSE : HTTP_REQUEST,
	    &ps, &p);
}

int
handshake_parse_request(const char *head, size_t len,
    struct handshake_request *req, char *err, size_t errlen)
{
	struct head_parse ps;
	http_parser p;

	memset(req, 0, sizeof(*req));
	memset(&ps, 0, sizeof(ps));
	ps.req = req;
	if (has_obs_fold(head, len)) {
		snprintf(err, errlen, "header line folded (obs-fold)");
		return 400;
	}
	if (parse_head(head, len, HTTP_REQUEST, &ps, &p) == -1) {
		snprintf(err, errlen, "malformed HTTP request");
		return 400;
	}
	/* RFC 6455 section 4.1 asks for HTTP/1.1 exactly; a later major
	 * version is one we do not speak (RFC 7231 section 6.6.6). */
	if (p.http_major != 1 || p.http_minor != 1) {
		snprintf(err, errlen, "HTTP/%u.%u is not HTTP/1.1",
		    p.http_major, p.http_minor);
		return p.http_major > 1 ? 505 : 400;
	}
	/* A GET or HEAD with no WebSocket header at all asks for a page. */
	req->plain = !ps.ws_headers &&
	    (p.method == HTTP_GET || p.method == HTTP_HEAD);
	req->head = req->plain && p.method == HTTP_HEAD;
	if (p.method != HTTP_GET && !req->plain) {
		snprintf(err, errlen, "method %s is not GET",
		    http_method_str(p.method));
		return 405;
	}
	/* A body would be read as WebSocket frames. */
	if (ps.body) {
		snprintf(err, errlen, "%s request with a body",
		    http_method_str(p.method));
		return 400;
	}
	if (ps.nhosts != 1 || req->host.n == 0) {
		snprintf(err, errlen, "missing or repeated Host header");
		return 400;
	}
	/* With two, which one the policy saw would depend on the parser. */
	if (ps.norigins > 1) {
		snprintf(err, errlen, "repeated Origin header");
		return 400;
	}
	if (ps.nauths > 1) {
		snprintf(err, errlen, "repeated Authorization header");
		return 400;
	}
	if (!ps.upgrade_ok || !ps.connection_ok) {
		snprintf(err, errlen, "not a WebSocket upgrade request");
		return 426;
	}
	if (ps.nkeys != 1 || !key_valid(req->key)) {
		snprintf(err, errlen, "missing or invalid Sec-WebSocket-Key");
		return 400;
	}
	if (ps.version == -1) {
		snprintf(err, errlen, "missing Sec-WebSocket-Version");
		return 400;
	}
	if (ps.version != 13) {
		snprintf(err, errlen, "unsupported Sec-WebSocket-Version");
		return 426;
	}
	return 0;
}

int
handshake_check_policy(const struct handshake_request *req,
    const struct handshake_policy *pol, const char **protocol, char *err,
    size_t errlen)
{
	int status;

	*protocol = NULL;
	if ((status = policy_check_access(req, pol, err, errlen)) != 0)
		return status;
	/* The client's order decides; tokens are case-sensitive. */
	for (size_t l = 0; l < req->nprotocols; l++) {
		const char *p = req->protocols[l].p;
		const char *end = p + req->protocols[l].n;

		while (p < end) {
			const char *comma = memchr(p, ',', end - p);
			struct handshake_span t = { p,
				(comma ? comma : end) - p };

			span_trim(&t);
			for (size_t i = 0; i < pol->nprotocols; i++)
				if (t.n == strlen(pol->protocols[i]) &&
				    memcmp(t.p, pol->protocols[i], t.n) == 0) {
					*protocol = pol->protocols[i];
					return 0;
				}
			p = comma ? comma + 1 : end;
		}
	}
	return 0;
}

void
handshake_accept_key(const char *key, size_t keylen,
    char out[HANDSHAKE_ACCEPT_LEN + 1])
{
	uint8_t md[SHA1_DIGEST_LENGTH];
	SHA1_CTX sha;

	/* Valid keys have exactly HANDSHAKE_KEY_LEN bytes (checked before). */
	if (keylen > HANDSHAKE_KEY_LEN)
		keylen = HANDSHAKE_KEY_LEN;
	SHA1Init(&sha);
	SHA1Update(&sha, (const uint8_t *)key, keylen);
	SHA1Update(&sha, (const uint8_t *)WS_GUID, sizeof(WS_GUID) - 1);
	SHA1Final(md, &sha);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
}

int
handshake_build_response(struct buf *out, const struct handshake_request *req,
    const char *protocol, const char *extensions)
{
	char accept[HANDSHAKE_ACCEPT_LEN + 1];

	handshake_accept_key(req->key.p, req->key.n, accept);
	if (buf_printf(out,
		"HTTP/1.1 101 Switching Protocols\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Accept: %s\r\n"
		"X-Content-Type-Options: nosniff\r\n",
		accept) == -1)
		return -1;
	if (protocol &&
	    buf_printf(out, "Sec-WebSocket-Protocol: %s\r\n", protocol) == -1)
		return -1;
	if (extensions &&
	    buf_printf(out, "Sec-WebSocket-Extensions: %s\r\n", extensions) ==
		-1)
		return -1;
	return buf_append(out, "\r\n", 2);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 426:
		return "Upgrade Required";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

/* An error answer; a HEAD request gets its headers only. */
int
handshake_build_error(struct buf *out, int status, const char *detail,
    bool head)
{
	char body[ERROR_BODY_MAX];
	int n;

	n = snprintf(body, sizeof(body), "%d %s: %s\n", status,
	    status_text(status), detail);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = sizeof(body) - 1;
	return buf_printf(out,
	    "HTTP/1.1 %d %s\r\n%s%s%s"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n%.*s",
	    status, status_text(status),
	    status == 426 ? "Upgrade: websocket\r\n"
			    "Sec-WebSocket-Version: 13\r\n" :
			    "",
	    status == 405 ? "Allow: GET\r\n" : "",
	    status == 401 ? "WWW-Authenticate: Basic realm=\"wsserve\"\r\n" :
			    "",
	    n, head ? 0 : n, body);
}

int
handshake_new_key(char key[HANDSHAKE_KEY_LEN + 1])
{
	unsigned char raw[16];

	if (proc_random(raw, sizeof(raw)) == -1)
		return -1;
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof(raw));
	return 0;
}

bool
handshake_token_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

bool
handshake_value_valid(const char *s)
{
	for (; *s; s++)
		if (is_ctl(*s, true))
			return false;
	return true;
}

bool
handshake_auth_valid(const char *s)
{
	if (strchr(s, ':') == NULL)
		return false;
	for (; *s; s++)
		if (is_ctl(*s, false))
			return false;
	return true;
}

bool
handshake_header_valid(const char *line)
{
	const char *colon = strchr(line, ':');

	if (colon == NULL || colon == line)
		return false;
	for (const char *p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return false;
	return handshake_value_valid(colon + 1);
}

/* What cmd/ checked already, checked again where the bytes are written:
 * nothing the client sends can end a header line early. */
static bool
request_valid(const struct handshake_client *cl)
{
	if (!handshake_value_valid(cl->resource) ||
	    strpbrk(cl->resource, " \t") != NULL ||
	    !handshake_value_valid(cl->hostport) ||
	    strpbrk(cl->hostport, " \t") != NULL ||
	    (cl->origin && !handshake_value_valid(cl->origin)))
		return false;
	for (size_t i = 0; i < cl->nprotocols; i++)
		if (!handshake_token_valid(cl->protocols[i]))
			return false;
	for (size_t i = 0; i < cl->nheaders; i++)
		if (!handshake_header_valid(cl->headers[i]))
			return false;
	return true;
}

int
handshake_build_request(struct buf *out, const struct handshake_client *cl,
    const char *key)
{
	if (!request_valid(cl))
		return -1;
	if (buf_printf(out,
		"GET %s HTTP/1.1\r\nHost: %s\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
		cl->resource, cl->hostport, key) == -1)
		return -1;
	if (cl->origin && buf_printf(out, "Origin: %s\r\n", cl->origin) == -1)
		return -1;
	if (cl->nprotocols > 0) {
		if (buf_printf(out, "Sec-WebSocket-Protocol: %s",
			cl->protocols[0]) == -1)
			return -1;
		for (size_t i = 1; i < cl->nprotocols; i++)
			if (buf_printf(out, ", %s", cl->protocols[i]) == -1)
				return -1;
		if (buf_append(out, "\r\n", 2) == -1)
			return -1;
	}
	if (cl->deflate &&
	    buf_printf(out, "Sec-WebSocket-Extensions: " PMD_OFFER "\r\n") ==
		-1)
		return -1;
	if (cl->auth) {
		unsigned char b64[HANDSHAKE_MAX_AUTH_B64];
		size_t n = strlen(cl->auth);

		if (n > HANDSHAKE_MAX_AUTH)
			return -1;
		EVP_EncodeBlock(b64, (const unsigned char *)cl->auth, n);
		if (buf_printf(out, "Authorization: Basic %s\r\n", b64) == -1)
			return -1;
	}
	for (size_t i = 0; i < cl->nheaders; i++)
		if (buf_printf(out, "%s\r\n", cl->headers[i]) == -1)
			return -1;
	return buf_append(out, "\r\n", 2);
}

/* A refusal as the client reports it: the status line, and for a
 * redirect where it points, since we do not follow it. */
static void
describe_refusal(const char *head, size_t len, const struct head_parse *ps,
    int status, char *err, size_t errlen)
{
	const char *eol = memchr(head, '\r', len);
	int n = eol ? (int)(eol - head) : 0;
	struct handshake_span loc = ps->location;

	if (n > STATUS_LINE_MAX)
		n = STATUS_LINE_MAX;
	if (status < 300 || status > 399)
		snprintf(err, errlen, "server answered '%.*s'", n, head);
	else if (loc.n == 0)
		snprintf(err, errlen,
		    "server answered '%.*s' (redirects are not followed)", n,
		    head);
	else
		snprintf(err, errlen,
		    "server answered '%.*s', Location: %.*s%s "
		    "(redirects are not followed)",
		    n, head, (int)(loc.n > LOCATION_MAX ? LOCATION_MAX : loc.n),
		    loc.p, loc.n > LOCATION_MAX ? "..." : "");
}

/* The Content-Length value v as a number; -1 when it is none. */
static long long
content_length(struct handshake_span v)
{
	long long n = 0;

	if (v.n == 0 || v.n > 18)
		return -1;
	for (size_t i = 0; i < v.n; i++) {
		if (!isdigit((unsigned char)v.p[i]))
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n;
}

bool
handshake_body_line(const char *head, size_t head_len, const char *body,
    size_t body_len, char *out, size_t outlen)
{
	struct handshake_span ct, line = { body, 0 };
	struct head_parse ps;
	http_parser p;
	const char *nl;
	long long clen;

	memset(&ps, 0, sizeof(ps));
	if (outlen == 0 ||
	    parse_head(head, head_len, HTTP_RESPONSE, &ps, &p) == -1 ||
	    ps.chunked)
		return false;
	ct = ps.content_type;
	if (ct.n > 0 &&
	    (ct.n < 10 || strncasecmp(ct.p, "text/plain", 10) != 0 ||
		(ct.n > 10 && ct.p[10] != ';' && ct.p[10] != ' ')))
		return false;
	clen = content_length(ps.content_length);
	if (ps.content_length.n > 0 && clen == -1)
		return false;
	if (clen >= 0 && body_len > (size_t)clen)
		body_len = clen;
	/* The whole line, or the whole body without a line break. */
	if ((nl = memchr(body, '\n', body_len)) != NULL)
		line.n = nl - body;
	else if (clen >= 0 && body_len == (size_t)clen)
		line.n = body_len;
	else
		return false;
	if (line.n > 0 && body[line.n - 1] == '\r')
		line.n--;
	span_trim(&line);
	if (line.n == 0 || line.n > HANDSHAKE_BODY_LINE_MAX ||
	    !utf8_valid(line.p, line.n) || !value_clean(line))
		return false;
	log_escape(out, outlen, line.p, line.n);
	return true;
}

int
handshake_parse_response(const char *head, size_t len,
    const struct handshake_client *cl, const char *key, int *status,
    char protocol[HANDSHAKE_MAX_PROTOCOL], struct pmd *pm, char *err,
    size_t errlen)
{
	char want[HANDSHAKE_ACCEPT_LEN + 1];
	struct head_parse ps;
	http_parser p;
	size_t i;

	*status = 0;
	protocol[0] = '\0';
	memset(&ps, 0, sizeof(ps));
	if (has_obs_fold(head, len)) {
		snprintf(err, errlen, "header line folded (obs-fold)");
		return -1;
	}
	if (parse_head(head, len, HTTP_RESPONSE, &ps, &p) == -1) {
		snprintf(err, errlen, "malformed HTTP response");
		return -1;
	}
	*status = p.status_code;
	if (p.status_code != 101) {
		describe_refusal(head, len, &ps, p.status_code, err, errlen);
		return -1;
	}
	if (!ps.upgrade_ok || !ps.connection_ok) {
		snprintf(err, errlen, "101 without Upgrade/Connection headers");
		return -1;
	}
	handshake_accept_key(key, strlen(key), want);
	if (ps.naccepts != 1 || !span_eq(ps.accept, want) ||
	    memcmp(ps.accept.p, want, HANDSHAKE_ACCEPT_LEN) != 0) {
		snprintf(err, errlen, "wrong Sec-WebSocket-Accept");
		return -1;
	}
	if (ps.nextensions > HANDSHAKE_MAX_LISTS) {
		snprintf(err, errlen,
		    "more than %d Sec-WebSocket-Extensions lines",
		    HANDSHAKE_MAX_LISTS);
		return -1;
	}
	if (pmd_check_answer(ps.extensions, ps.nextensions, cl->deflate, pm,
		err, errlen) == -1)
		return -1;
	if (ps.nprotocols == 0) {
		if (cl->nprotocols > 0) {
			snprintf(err, errlen, "server chose no subprotocol");
			return -1;
		}
		return 0;
	}
	for (i = 0; ps.nprotocols == 1 && i < cl->nprotocols; i++)
		if (ps.protocol.n == strlen(cl->protocols[i]) &&
		    memcmp(ps.protocol.p, cl->protocols[i], ps.protocol.n) == 0)
			break;
	if (ps.nprotocols != 1 || i == cl->nprotocols) {
		snprintf(err, errlen,
		    "server chose subprotocol '%.*s', "
		    "which was not offered",
		    (int)(ps.protocol.n > 100 ? 100 : ps.protocol.n),
		    ps.protocol.p);
		return -1;
	}
	snprintf(protocol, HANDSHAKE_MAX_PROTOCOL, "%s", cl->protocols[i]);
	return 0;
}
