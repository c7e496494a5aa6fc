/*
 * The RFC 6455 opening handshake: head framing, request validation and its
 * status codes, server policy, the answers, and a client/server round trip.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "handshake.h"
#include "pmd.h"
#include "tests.h"

/* The worked example of RFC 6455 section 1.3. */
#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

#define GET "GET /chat?x=1 HTTP/1.1"
#define H_HOST "Host: server.example.com"
#define H_UPG "Upgrade: websocket"
#define H_CONN "Connection: Upgrade"
#define H_KEY "Sec-WebSocket-Key: " KEY
#define H_VER "Sec-WebSocket-Version: 13"
#define OK101 "HTTP/1.1 101 Switching Protocols"
#define H_ACC "Sec-WebSocket-Accept: " ACCEPT

static char head[HANDSHAKE_MAX_HEAD];
static size_t headlen;
static struct handshake_request req;
static char err[256];
static struct pmd pm; /* what a parsed answer agreed on */

/* True when span s holds exactly str. */
static int
span_is(struct handshake_span s, const char *str)
{
	size_t n = strlen(str);

	return s.n == n && (n == 0 || memcmp(s.p, str, n) == 0);
}

/* True when the readable bytes of b contain str. */
static int
buf_has(const struct buf *b, const char *str)
{
	return buf_used(b) > 0 &&
	    memmem(buf_head(b), buf_used(b), str, strlen(str)) != NULL;
}

/*
 * Builds a head in head/headlen from a start line and header lines, NULL
 * terminated: each gets CRLF, and a blank line ends the head.
 */
static void
mkhead(const char *first, ...)
{
	va_list ap;
	const char *line;
	size_t n;

	headlen = 0;
	va_start(ap, first);
	for (line = first; line != NULL; line = va_arg(ap, const char *)) {
		n = strlen(line);
		CU_ASSERT_FATAL(headlen + n + 4 < sizeof(head));
		memcpy(head + headlen, line, n);
		memcpy(head + headlen + n, "\r\n", 2);
		headlen += n + 2;
	}
	va_end(ap);
	memcpy(head + headlen, "\r\n", 2);
	headlen += 2;
}

static int
parse_req(void)
{
	err[0] = '\0';
	return handshake_parse_request(head, headlen, &req, err, sizeof(err));
}

/* The request in head must be refused with status, and say why. */
static void
req_refused(int status)
{
	CU_ASSERT_EQUAL(parse_req(), status);
	CU_ASSERT(err[0] != '\0');
}

/* The same, and the reason is why. */
static void
req_refused_why(int status, const char *why)
{
	CU_ASSERT_EQUAL(parse_req(), status);
	CU_ASSERT_STRING_EQUAL(err, why);
}

static void
test_accept_key(void)
{
	char out[HANDSHAKE_ACCEPT_LEN + 1];

	memset(out, 'x', sizeof(out));
	handshake_accept_key(KEY, strlen(KEY), out);
	CU_ASSERT_STRING_EQUAL(out, ACCEPT);
	/* Only the first HANDSHAKE_KEY_LEN bytes count. */
	memset(out, 'x', sizeof(out));
	handshake_accept_key(KEY "trailing", strlen(KEY) + 8, out);
	CU_ASSERT_STRING_EQUAL(out, ACCEPT);
}

static void
test_head_len(void)
{
	static const char full[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char more[] =
	    "GET / HTTP/1.1\r\nHost: h\r\n\r\n\x81\x05hello";
	ssize_t flen = sizeof(full) - 1;
	char big[200];

	CU_ASSERT_EQUAL(handshake_head_len(full, 0, 100), 0);
	CU_ASSERT_EQUAL(handshake_head_len(full, flen - 4, 100), 0);
	CU_ASSERT_EQUAL(handshake_head_len(full, flen - 1, 100), 0);
	CU_ASSERT_EQUAL(handshake_head_len(full, flen, 100), flen);
	/* Frame bytes after the head belong to the WebSocket layer. */
	CU_ASSERT_EQUAL(handshake_head_len(more, sizeof(more) - 1, 100), flen);
	/* Exactly max is fine; one byte short of room is not. */
	CU_ASSERT_EQUAL(handshake_head_len(full, flen, flen), flen);
	CU_ASSERT_EQUAL(handshake_head_len(full, flen, flen - 1), -1);
	/* max bytes and still no blank line. */
	memset(big, 'a', sizeof(big));
	CU_ASSERT_EQUAL(handshake_head_len(big, sizeof(big), 64), -1);
	CU_ASSERT_EQUAL(handshake_head_len(big, 64, 64), -1);
	CU_ASSERT_EQUAL(handshake_head_len(big, 63, 64), 0);
	/* Bare LFs do not end a head. */
	CU_ASSERT_EQUAL(handshake_head_len("GET / HTTP/1.1\n\n", 16, 100), 0);
}

static void
test_request_valid(void)
{
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, "Origin: http://example.com",
	    "Sec-WebSocket-Protocol: chat, x", H_VER, NULL);
	CU_ASSERT_EQUAL_FATAL(parse_req(), 0);
	CU_ASSERT_TRUE(span_is(req.path, "/chat?x=1"));
	CU_ASSERT_TRUE(span_is(req.host, "server.example.com"));
	CU_ASSERT_TRUE(span_is(req.key, KEY));
	CU_ASSERT_TRUE(span_is(req.origin, "http://example.com"));
	CU_ASSERT_EQUAL(req.nprotocols, 1);
	CU_ASSERT_TRUE(span_is(req.protocols[0], "chat, x"));
	/* Spans point into the caller's bytes, not into copies. */
	CU_ASSERT(req.key.p >= head && req.key.p < head + headlen);
}

/* Header names and the Upgrade/Connection tokens are case-insensitive. */
static void
test_request_firefox(void)
{
	mkhead(GET, "host: server.example.com", "Upgrade: WebSocket",
	    "Connection: keep-alive, Upgrade", "sec-websocket-key: " KEY,
	    "SEC-WEBSOCKET-VERSION: 13", NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
	CU_ASSERT_TRUE(span_is(req.key, KEY));
	mkhead(GET, H_HOST, "Upgrade: websocket", "Connection: upgrade", H_KEY,
	    H_VER, NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
}

static void
test_request_post(void)
{
	mkhead("POST /chat HTTP/1.1", H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused(405);
}

static void
test_request_http10(void)
{
	mkhead("GET /chat HTTP/1.0", H_HOST, H_UPG, H_CONN, H_KEY, H_VER, NULL);
	req_refused(400);
}

/* RFC 6455 section 4.1: HTTP/1.1 exactly.  A later major version is 505
 * (RFC 7231 section 6.6.6), anything else 400, whatever the method. */
static void
test_request_http_versions(void)
{
	static const struct {
		const char *line;
		int status;
	} v[] = {
		{ "GET /chat HTTP/1.0", 400 },
		{ "GET /chat HTTP/1.2", 400 },
		{ "GET /chat HTTP/1.9", 400 },
		{ "GET /chat HTTP/0.9", 400 },
		{ "GET /chat HTTP/2.0", 505 },
		{ "GET /chat HTTP/3.0", 505 },
		{ "GET /chat HTTP/9.9", 505 },
		{ "POST /chat HTTP/2.0", 505 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		mkhead(v[i].line, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, NULL);
		req_refused(v[i].status);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "is not HTTP/1.1"));
	}
	/* The same for a plain GET, which would get the page. */
	mkhead("GET / HTTP/2.0", H_HOST, NULL);
	req_refused(505);
	CU_ASSERT_STRING_EQUAL(err, "HTTP/2.0 is not HTTP/1.1");
	mkhead("GET / HTTP/1.9", H_HOST, NULL);
	req_refused_why(400, "HTTP/1.9 is not HTTP/1.1");
}

/* A body after the head would be taken for WebSocket frames. */
static void
test_request_body(void)
{
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, "Content-Length: 5",
	    NULL);
	req_refused_why(400, "GET request with a body");
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Transfer-Encoding: chunked", NULL);
	req_refused_why(400, "GET request with a body");
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Transfer-Encoding: identity", NULL);
	req_refused(400);
	mkhead(GET, "Transfer-Encoding: gzip", H_HOST, H_UPG, H_CONN, H_KEY,
	    H_VER, NULL);
	req_refused(400);
	/* A plain GET or HEAD too: it does not get the page. */
	mkhead("GET / HTTP/1.1", H_HOST, "Content-Length: 1", NULL);
	req_refused_why(400, "GET request with a body");
	mkhead("HEAD / HTTP/1.1", H_HOST, "Content-Length: 10", NULL);
	req_refused_why(400, "HEAD request with a body");
	/* An empty body is no body. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, "Content-Length: 0",
	    NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
	mkhead("GET / HTTP/1.1", H_HOST, "Content-Length: 00", NULL);
	CU_ASSERT_EQUAL(parse_req(), 426);
	CU_ASSERT_TRUE(req.plain);
}

/* Which of two origins the allow-list saw would depend on the parser. */
static void
test_request_two_origins(void)
{
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Origin: https://good.example", "Origin: https://evil.example",
	    NULL);
	req_refused_why(400, "repeated Origin header");
	mkhead(GET, H_HOST, "origin: https://a.example", H_UPG, H_CONN, H_KEY,
	    "ORIGIN: https://a.example", H_VER, NULL);
	req_refused_why(400, "repeated Origin header");
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Origin: https://good.example", NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
}

/* RFC 7230 section 3.2.4: obs-fold is refused, on every header, including
 * a fold after an empty value, which http-parser joins without a seam. */
static void
test_request_obs_fold(void)
{
	mkhead(GET, H_HOST, "Upgrade:", " websocket", H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused_why(400, "header line folded (obs-fold)");
	mkhead(GET, H_HOST, "Upgrade:", "\twebsocket", H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused_why(400, "header line folded (obs-fold)");
	mkhead(GET, H_HOST, H_UPG, "Connection:", " Upgrade", H_KEY, H_VER,
	    NULL);
	req_refused_why(400, "header line folded (obs-fold)");
	mkhead(GET, "Host:", " server.example.com", H_UPG, H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused_why(400, "header line folded (obs-fold)");
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, "Origin: https://a",
	    "  .example", NULL);
	req_refused_why(400, "header line folded (obs-fold)");
	/* White space before the first header line. */
	mkhead(GET, " Host: server.example.com", H_UPG, H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused_why(400, "header line folded (obs-fold)");
	/* Folding of a plain GET, too. */
	mkhead("GET / HTTP/1.1", "Host:", " h", NULL);
	req_refused(400);
}

static void
test_request_not_upgrade(void)
{
	mkhead(GET, H_HOST, H_CONN, H_KEY, H_VER, NULL);
	req_refused(426);
	mkhead(GET, H_HOST, H_UPG, H_KEY, H_VER, NULL);
	req_refused(426);
	mkhead(GET, H_HOST, "Upgrade: h2c", H_CONN, H_KEY, H_VER, NULL);
	req_refused(426);
	mkhead(GET, H_HOST, H_UPG, "Connection: keep-alive", H_KEY, H_VER,
	    NULL);
	req_refused(426);
}

static void
test_request_host(void)
{
	mkhead(GET, H_UPG, H_CONN, H_KEY, H_VER, NULL);
	req_refused(400);
	mkhead(GET, H_HOST, "Host: evil.example", H_UPG, H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused(400);
	mkhead(GET, "Host: ", H_UPG, H_CONN, H_KEY, H_VER, NULL);
	req_refused(400);
}

static void
test_request_bad_key(void)
{
	static const char *const keys[] = {
		"dGhlIHNhbXBsZSBub25jZQ",    /* short */
		"dGhlIHNhbXBsZSBub25jZQ===", /* long */
		"dGhlIHNhbXBsZSBub25j*Q==",  /* bad char */
		"dGhlIHNhbXBsZSBub25j ZQ==",
		"dGhlIHNhbXBsZSBub25jZQAA", /* 18 bytes, no padding */
		"dGhlIHNhbXBsZSBub25jZQA=", /* 17 bytes */
		"",
	};
	char line[64];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(line, sizeof(line), "Sec-WebSocket-Key: %s", keys[i]);
		mkhead(GET, H_HOST, H_UPG, H_CONN, line, H_VER, NULL);
		req_refused(400);
	}
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_VER, NULL);
	req_refused(400);
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_KEY, H_VER, NULL);
	req_refused(400);
}

static void
test_request_version(void)
{
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, NULL);
	req_refused(400);
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, "Sec-WebSocket-Version: 8",
	    NULL);
	req_refused(426);
	/* A second version line is not a second chance. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, "Sec-WebSocket-Version: 8",
	    H_VER, NULL);
	req_refused(426);
}

/* http-parser lets control bytes through in values; we must not. */
static void
test_request_control_byte(void)
{
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, "X-Note: a\001b",
	    NULL);
	req_refused(400);
	mkhead(GET, "Host: server\033.example.com", H_UPG, H_CONN, H_KEY, H_VER,
	    NULL);
	req_refused(400);
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, "X-Note: a\177b",
	    NULL);
	req_refused(400);
	/* An obs-fold continuation line cannot be joined in place. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, "X-Note: a", " b",
	    NULL);
	req_refused(400);
	/* Tab and obs-text are allowed. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "X-Note: a\tb \xc3\xa9", NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
}

static void
test_request_garbage(void)
{
	mkhead("HELLO", NULL);
	req_refused(400);
	/* Incomplete: no blank line at the end. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, NULL);
	headlen -= 2;
	req_refused(400);
}

static void
test_policy_origin(void)
{
	static const char *const origins[] = {
		"https://a.example",
		"https://b.example",
	};
	struct handshake_policy pol = { .origins = origins, .norigins = 2 };
	struct handshake_policy any = { 0 };
	const char *proto = "unset";

	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Origin: https://b.example", NULL);
	CU_ASSERT_EQUAL_FATAL(parse_req(), 0);
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &pol, &proto, err,
			    sizeof(err)),
	    0);
	CU_ASSERT_PTR_NULL(proto);

	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Origin: https://evil.example", NULL);
	CU_ASSERT_EQUAL_FATAL(parse_req(), 0);
	err[0] = '\0';
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &pol, &proto, err,
			    sizeof(err)),
	    403);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "evil.example"));
	/* Without a list, only our own origins pass, and this is none. */
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &any, &proto, err,
			    sizeof(err)),
	    403);

	/* A prefix of an allowed origin is another origin. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Origin: https://a.example.evil", NULL);
	CU_ASSERT_EQUAL_FATAL(parse_req(), 0);
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &pol, &proto, err,
			    sizeof(err)),
	    403);

	/* Non-browser clients send none: let in, list or not. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, NULL);
	CU_ASSERT_EQUAL_FATAL(parse_req(), 0);
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &pol, &proto, err,
			    sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &any, &proto, err,
			    sizeof(err)),
	    0);
}

/* Offers in head against the policy's list; returns what was picked. */
static const char *
pick(const char *const *protos, size_t n)
{
	struct handshake_policy pol = { .protocols = protos, .nprotocols = n };
	const char *proto = "unset";

	CU_ASSERT_EQUAL(parse_req(), 0);
	CU_ASSERT_EQUAL(handshake_check_policy(&req, &pol, &proto, err,
			    sizeof(err)),
	    0);
	return proto;
}

static void
test_policy_protocol(void)
{
	static const char *const ab[] = { "a", "b" };
	static const char *const lower[] = { "a" };
	const char *p;

	/* The client's order wins over the policy's. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Sec-WebSocket-Protocol: b, a", NULL);
	p = pick(ab, 2);
	CU_ASSERT_PTR_EQUAL(p, ab[1]);

	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Sec-WebSocket-Protocol: x,  a ,b", NULL);
	p = pick(ab, 2);
	CU_ASSERT_PTR_EQUAL(p, ab[0]);

	/* Subprotocol tokens are case-sensitive. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Sec-WebSocket-Protocol: A", NULL);
	CU_ASSERT_PTR_NULL(pick(lower, 1));

	/* Nor does a token match a prefix of itself. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Sec-WebSocket-Protocol: ab, ba", NULL);
	CU_ASSERT_PTR_NULL(pick(ab, 2));

	/* The list may be split across header lines. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Sec-WebSocket-Protocol: x, y", "Sec-WebSocket-Protocol: b", NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
	CU_ASSERT_EQUAL(req.nprotocols, 2);
	p = pick(ab, 2);
	CU_ASSERT_PTR_EQUAL(p, ab[1]);

	/* Offers but no policy list: none chosen. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER,
	    "Sec-WebSocket-Protocol: a", NULL);
	CU_ASSERT_PTR_NULL(pick(NULL, 0));

	/* A policy list but no offers: none chosen either. */
	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, NULL);
	CU_ASSERT_PTR_NULL(pick(ab, 2));
}

static void
test_build_response(void)
{
	struct buf b;

	mkhead(GET, H_HOST, H_UPG, H_CONN, H_KEY, H_VER, NULL);
	CU_ASSERT_EQUAL_FATAL(parse_req(), 0);

	buf_init(&b, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(handshake_build_response(&b, &req, NULL, NULL),
	    0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b), "HTTP/1.1 101 ", 13), 0);
	CU_ASSERT_TRUE(buf_has(&b, "\r\n" H_ACC "\r\n"));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nUpgrade: websocket\r\n"));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nConnection: Upgrade\r\n"));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nX-Content-Type-Options: nosniff\r\n"));
	CU_ASSERT_FALSE(buf_has(&b, "Sec-WebSocket-Protocol"));
	/* One complete head, nothing after it. */
	CU_ASSERT_EQUAL(handshake_head_len(buf_head(&b), buf_used(&b),
			    HANDSHAKE_MAX_HEAD),
	    (ssize_t)buf_used(&b));
	buf_deinit(&b);

	CU_ASSERT_EQUAL_FATAL(handshake_build_response(&b, &req, "chat", NULL),
	    0);
	CU_ASSERT_TRUE(buf_has(&b, "HTTP/1.1 101"));
	CU_ASSERT_TRUE(buf_has(&b, H_ACC));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nSec-WebSocket-Protocol: chat\r\n"));
	CU_ASSERT_EQUAL(handshake_head_len(buf_head(&b), buf_used(&b),
			    HANDSHAKE_MAX_HEAD),
	    (ssize_t)buf_used(&b));
	buf_deinit(&b);
}

/*
 * Checks that the error answer in b declares its body length exactly and
 * returns that body length, or -1.
 */
static long
error_body_ok(const struct buf *b)
{
	const char *h = buf_head(b), *cl, *end;
	size_t hl;
	long n;

	end = memmem(h, buf_used(b), "\r\n\r\n", 4);
	CU_ASSERT_PTR_NOT_NULL(end);
	if (end == NULL)
		return -1;
	hl = end - h + 4;
	cl = memmem(h, hl, "\r\nContent-Length: ", 18);
	CU_ASSERT_PTR_NOT_NULL(cl);
	if (cl == NULL)
		return -1;
	n = strtol(cl + 18, NULL, 10);
	CU_ASSERT_EQUAL(n, (long)(buf_used(b) - hl));
	return n == (long)(buf_used(b) - hl) ? n : -1;
}

static void
test_build_error(void)
{
	struct buf b;
	char detail[600];

	buf_init(&b, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(handshake_build_error(&b, 426, "version", false),
	    0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b), "HTTP/1.1 426 ", 13), 0);
	CU_ASSERT_TRUE(buf_has(&b, "\r\nSec-WebSocket-Version: 13\r\n"));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nUpgrade: websocket\r\n"));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nConnection: close\r\n"));
	CU_ASSERT_FALSE(buf_has(&b, "Allow:"));
	CU_ASSERT(error_body_ok(&b) > 0);
	CU_ASSERT_TRUE(buf_has(&b, "version\n"));
	buf_deinit(&b);

	CU_ASSERT_EQUAL_FATAL(handshake_build_error(&b, 405, "POST", false), 0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b), "HTTP/1.1 405 ", 13), 0);
	CU_ASSERT_TRUE(buf_has(&b, "\r\nAllow: GET\r\n"));
	CU_ASSERT_FALSE(buf_has(&b, "Sec-WebSocket-Version"));
	CU_ASSERT(error_body_ok(&b) > 0);
	buf_deinit(&b);

	CU_ASSERT_EQUAL_FATAL(handshake_build_error(&b, 403, "origin", false),
	    0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b), "HTTP/1.1 403 Forbidden\r\n", 24),
	    0);
	CU_ASSERT_FALSE(buf_has(&b, "Allow:"));
	CU_ASSERT_FALSE(buf_has(&b, "Sec-WebSocket-Version"));
	CU_ASSERT(error_body_ok(&b) > 0);
	buf_deinit(&b);

	/* A detail too long for the body is cut, and the length follows. */
	memset(detail, 'd', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	CU_ASSERT_EQUAL_FATAL(handshake_build_error(&b, 400, detail, false), 0);
	CU_ASSERT(error_body_ok(&b) > 0);
	CU_ASSERT(buf_used(&b) < sizeof(detail));
	buf_deinit(&b);

	/* 404 is one of them now (plain GETs of other paths). */
	CU_ASSERT_EQUAL_FATAL(
	    handshake_build_error(&b, 404, "nothing here", false), 0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b), "HTTP/1.1 404 ", 13), 0);
	CU_ASSERT(error_body_ok(&b) > 0);
	CU_ASSERT_TRUE(buf_has(&b, "nothing here\n"));
	buf_deinit(&b);
}

/* Every error answer says nosniff, HEAD or not; 505 has its text. */
static void
test_build_error_nosniff(void)
{
	static const int statuses[] = { 400, 403, 404, 405, 426, 431, 503,
		505 };
	struct buf b;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		for (int ishead = 0; ishead < 2; ishead++) {
			buf_init(&b, HANDSHAKE_MAX_HEAD);
			CU_ASSERT_EQUAL_FATAL(handshake_build_error(&b,
						  statuses[i], "why", ishead),
			    0);
			CU_ASSERT_TRUE(buf_has(&b,
			    "\r\nX-Content-Type-Options: nosniff\r\n"));
			buf_deinit(&b);
		}
	buf_init(&b, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(handshake_build_error(&b, 505, "HTTP/2.0", false),
	    0);
	CU_ASSERT_EQUAL(memcmp(buf_head(&b),
			    "HTTP/1.1 505 HTTP Version Not Supported\r\n", 41),
	    0);
	CU_ASSERT(error_body_ok(&b) > 0);
	CU_ASSERT_TRUE(
	    buf_has(&b, "505 HTTP Version Not Supported: HTTP/2.0\n"));
	buf_deinit(&b);
}

/* For HEAD the same headers, the body's length, and no body. */
static void
test_build_error_head(void)
{
	struct buf get, hd;
	const char *end;
	size_t hl;

	buf_init(&get, HANDSHAKE_MAX_HEAD);
	buf_init(&hd, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(
	    handshake_build_error(&get, 426, "version", false), 0);
	CU_ASSERT_EQUAL_FATAL(handshake_build_error(&hd, 426, "version", true),
	    0);
	end = memmem(buf_head(&hd), buf_used(&hd), "\r\n\r\n", 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	hl = end - buf_head(&hd) + 4;
	CU_ASSERT_EQUAL(hl, buf_used(&hd));
	/* The GET answer is the HEAD answer plus the body it declares. */
	CU_ASSERT_FATAL(buf_used(&get) > hl);
	CU_ASSERT_EQUAL(memcmp(buf_head(&get), buf_head(&hd), hl), 0);
	CU_ASSERT_EQUAL(error_body_ok(&get), (long)(buf_used(&get) - hl));
	CU_ASSERT_TRUE(buf_has(&hd, "\r\nSec-WebSocket-Version: 13\r\n"));
	buf_deinit(&get);
	buf_deinit(&hd);
}

static void
test_new_key(void)
{
	char k1[HANDSHAKE_KEY_LEN + 1], k2[HANDSHAKE_KEY_LEN + 1], line[64];

	memset(k1, 'x', sizeof(k1));
	memset(k2, 'x', sizeof(k2));
	CU_ASSERT_EQUAL_FATAL(handshake_new_key(k1), 0);
	CU_ASSERT_EQUAL_FATAL(handshake_new_key(k2), 0);
	CU_ASSERT_EQUAL(strlen(k1), HANDSHAKE_KEY_LEN);
	CU_ASSERT_EQUAL(strlen(k2), HANDSHAKE_KEY_LEN);
	CU_ASSERT_EQUAL(memcmp(k1 + 22, "==", 2), 0);
	CU_ASSERT_STRING_NOT_EQUAL(k1, k2);
	/* Our own server must accept what our client generates. */
	snprintf(line, sizeof(line), "Sec-WebSocket-Key: %s", k1);
	mkhead(GET, H_HOST, H_UPG, H_CONN, line, H_VER, NULL);
	CU_ASSERT_EQUAL(parse_req(), 0);
	CU_ASSERT_TRUE(span_is(req.key, k1));
}

static void
test_header_valid(void)
{
	CU_ASSERT_TRUE(handshake_header_valid("X-A: b"));
	CU_ASSERT_TRUE(handshake_header_valid("X-A:b"));
	CU_ASSERT_TRUE(handshake_header_valid("X-A:"));
	CU_ASSERT_TRUE(handshake_header_valid("X-A: b\tc"));
	CU_ASSERT_TRUE(handshake_header_valid("X-A: a: b"));
	CU_ASSERT_FALSE(handshake_header_valid("X A: b"));
	CU_ASSERT_FALSE(handshake_header_valid("X-A : b"));
	CU_ASSERT_FALSE(handshake_header_valid(": b"));
	CU_ASSERT_FALSE(handshake_header_valid("NoColon"));
	CU_ASSERT_FALSE(handshake_header_valid(""));
	CU_ASSERT_FALSE(handshake_header_valid("X-A: b\r"));
	CU_ASSERT_FALSE(handshake_header_valid("X-A: b\r\nX-Evil: 1"));
	CU_ASSERT_FALSE(handshake_header_valid("X-A: b\nc"));
	CU_ASSERT_FALSE(handshake_header_valid("X-A: b\177"));
	CU_ASSERT_FALSE(handshake_header_valid("X(A): b"));
}

/* RFC 7230 tokens: what a subprotocol must be. */
static void
test_token_valid(void)
{
	static const char *const good[] = { "chat", "v2.chat", "a", "x-y_z",
		"!#$%&'*+-.^_`|~09AZaz" };
	static const char *const bad[] = { "", "a b", "chat\r\nEvil: b",
		"chat\n", "a,b", "a;b", "a:b", "\"a\"", "a/b", "(a)", "a\tb",
		"a\177", "caf\xc3\xa9", "[a]", "a=b", "{a}", "a@b", "a?",
		"a\\b" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_TRUE(handshake_token_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_FALSE(handshake_token_valid(bad[i]));
}

/* Header values: anything but control characters (HTAB allowed). */
static void
test_value_valid(void)
{
	CU_ASSERT_TRUE(handshake_value_valid("http://a.example"));
	CU_ASSERT_TRUE(handshake_value_valid(""));
	CU_ASSERT_TRUE(handshake_value_valid("a b\tc"));
	CU_ASSERT_TRUE(handshake_value_valid("null"));
	CU_ASSERT_TRUE(handshake_value_valid("http://caf\xc3\xa9.example"));
	CU_ASSERT_FALSE(handshake_value_valid("http://a\r\nEvil: b"));
	CU_ASSERT_FALSE(handshake_value_valid("http://a\r"));
	CU_ASSERT_FALSE(handshake_value_valid("http://a\nb"));
	CU_ASSERT_FALSE(handshake_value_valid("a\001"));
	CU_ASSERT_FALSE(handshake_value_valid("a\033[2J"));
	CU_ASSERT_FALSE(handshake_value_valid("a\177"));
}

/* Basic credentials: user:pass without any control character. */
static void
test_auth_valid(void)
{
	CU_ASSERT_TRUE(handshake_auth_valid("alice:secret"));
	CU_ASSERT_TRUE(handshake_auth_valid("alice:"));
	CU_ASSERT_TRUE(handshake_auth_valid("alice:p:ss w\xc3\xb6rd"));
	CU_ASSERT_FALSE(handshake_auth_valid("alice"));
	CU_ASSERT_FALSE(handshake_auth_valid(""));
	CU_ASSERT_FALSE(handshake_auth_valid("a:b\r\nX-Evil: 1"));
	CU_ASSERT_FALSE(handshake_auth_valid("a\n:b"));
	CU_ASSERT_FALSE(handshake_auth_valid("a:b\t"));
	CU_ASSERT_FALSE(handshake_auth_valid("a:b\177"));
}

/* The builder checks again: a bad value never reaches the wire. */
static void
test_build_request_refuses(void)
{
	static const char *const evil_proto[] = { "chat\r\nEvil: b" };
	static const char *const spaced_proto[] = { "a b" };
	static const char *const evil_header[] = { "X-A: b\r\nEvil: c" };
	struct handshake_client cl[] = {
		{ "/", "h", "http://a\r\nEvil: b", NULL, NULL, 0, NULL, 0,
		    false },
		{ "/", "h", NULL, NULL, evil_proto, 1, NULL, 0, false },
		{ "/", "h", NULL, NULL, spaced_proto, 1, NULL, 0, false },
		{ "/", "h", NULL, NULL, NULL, 0, evil_header, 1, false },
		{ "/ HTTP/1.1\r\nEvil: b\r\n", "h", NULL, NULL, NULL, 0, NULL,
		    0, false },
		{ "/a b", "h", NULL, NULL, NULL, 0, NULL, 0, false },
		{ "/", "h\r\nEvil: b", NULL, NULL, NULL, 0, NULL, 0, false },
		{ "/", "h x", NULL, NULL, NULL, 0, NULL, 0, false },
	};
	struct buf b;

	for (size_t i = 0; i < sizeof(cl) / sizeof(cl[0]); i++) {
		buf_init(&b, HANDSHAKE_MAX_HEAD);
		CU_ASSERT_EQUAL(handshake_build_request(&b, &cl[i], KEY), -1);
		CU_ASSERT_FALSE(buf_has(&b, "Evil"));
		buf_deinit(&b);
	}
}

static void
test_round_trip(void)
{
	static const char *const protos[] = { "chat", "superchat" };
	static const char *const extra[] = { "X-Trace: 42" };
	static const char *const server[] = { "superchat", "chat" };
	static const char *const origins[] = { "https://example.com" };
	struct handshake_client cl = {
		"/chat?room=1",
		"example.com:9000",
		"https://example.com",
		"u:p",
		protos,
		2,
		extra,
		1,
		false,
	};
	struct handshake_policy pol = { .protocols = server,
		.nprotocols = 2,
		.origins = origins,
		.norigins = 1 };
	char key[HANDSHAKE_KEY_LEN + 1], protocol[HANDSHAKE_MAX_PROTOCOL];
	const char *chosen = NULL;
	struct buf rq, rs;
	int status = -2;

	CU_ASSERT_EQUAL_FATAL(handshake_new_key(key), 0);
	buf_init(&rq, HANDSHAKE_MAX_HEAD);
	buf_init(&rs, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(handshake_build_request(&rq, &cl, key), 0);
	CU_ASSERT_TRUE(buf_has(&rq, "GET /chat?room=1 HTTP/1.1\r\n"));
	CU_ASSERT_TRUE(buf_has(&rq, "\r\nHost: example.com:9000\r\n"));
	CU_ASSERT_TRUE(buf_has(&rq, "\r\nOrigin: https://example.com\r\n"));
	CU_ASSERT_TRUE(
	    buf_has(&rq, "\r\nSec-WebSocket-Protocol: chat, superchat\r\n"));
	CU_ASSERT_TRUE(buf_has(&rq, "\r\nAuthorization: Basic dTpw\r\n"));
	CU_ASSERT_TRUE(buf_has(&rq, "\r\nX-Trace: 42\r\n"));
	CU_ASSERT_EQUAL(handshake_head_len(buf_head(&rq), buf_used(&rq),
			    HANDSHAKE_MAX_HEAD),
	    (ssize_t)buf_used(&rq));

	err[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(handshake_parse_request(buf_head(&rq),
				  buf_used(&rq), &req, err, sizeof(err)),
	    0);
	CU_ASSERT_TRUE(span_is(req.key, key));
	CU_ASSERT_TRUE(span_is(req.path, "/chat?room=1"));
	CU_ASSERT_TRUE(span_is(req.host, "example.com:9000"));
	CU_ASSERT_TRUE(span_is(req.origin, "https://example.com"));
	CU_ASSERT_EQUAL_FATAL(
	    handshake_check_policy(&req, &pol, &chosen, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(chosen);
	CU_ASSERT_STRING_EQUAL(chosen, "chat");

	CU_ASSERT_EQUAL_FATAL(handshake_build_response(&rs, &req, chosen, NULL),
	    0);
	CU_ASSERT_EQUAL(handshake_parse_response(buf_head(&rs), buf_used(&rs),
			    &cl, key, &status, protocol, &pm, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(status, 101);
	CU_ASSERT_STRING_EQUAL(protocol, "chat");
	buf_deinit(&rq);
	buf_deinit(&rs);
}

/* The minimal client: no origin, auth, protocols or extra headers. */
static void
test_round_trip_plain(void)
{
	struct handshake_client cl = { "/", "h", NULL, NULL, NULL, 0, NULL, 0,
		false };
	char key[HANDSHAKE_KEY_LEN + 1], protocol[HANDSHAKE_MAX_PROTOCOL];
	struct buf rq, rs;
	int status = -2;

	CU_ASSERT_EQUAL_FATAL(handshake_new_key(key), 0);
	buf_init(&rq, HANDSHAKE_MAX_HEAD);
	buf_init(&rs, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(handshake_build_request(&rq, &cl, key), 0);
	CU_ASSERT_FALSE(buf_has(&rq, "Origin:"));
	CU_ASSERT_FALSE(buf_has(&rq, "Authorization:"));
	CU_ASSERT_FALSE(buf_has(&rq, "Sec-WebSocket-Protocol:"));
	CU_ASSERT_EQUAL_FATAL(handshake_parse_request(buf_head(&rq),
				  buf_used(&rq), &req, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(req.origin.n, 0);
	CU_ASSERT_EQUAL(req.nprotocols, 0);
	CU_ASSERT_EQUAL_FATAL(handshake_build_response(&rs, &req, NULL, NULL),
	    0);
	memset(protocol, 'x', sizeof(protocol));
	CU_ASSERT_EQUAL(handshake_parse_response(buf_head(&rs), buf_used(&rs),
			    &cl, key, &status, protocol, &pm, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(status, 101);
	CU_ASSERT_STRING_EQUAL(protocol, "");
	buf_deinit(&rq);
	buf_deinit(&rs);
}

static const char *const offered[] = { "chat", "superchat" };
static const struct handshake_client offering = { "/", "h", NULL, NULL, offered,
	2, NULL, 0, false };
static const struct handshake_client plain = { "/", "h", NULL, NULL, NULL, 0,
	NULL, 0, false };

/* Feeds head to the client side for KEY; the status is in *status. */
static int
parse_resp(const struct handshake_client *cl, int *status)
{
	char protocol[HANDSHAKE_MAX_PROTOCOL];

	err[0] = '\0';
	*status = -2;
	return handshake_parse_response(head, headlen, cl, KEY, status,
	    protocol, &pm, err, sizeof(err));
}

static void
test_response_status(void)
{
	int status;

	mkhead("HTTP/1.1 403 Forbidden", "Content-Type: text/plain",
	    "Content-Length: 5", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_EQUAL(status, 403);
	CU_ASSERT_STRING_EQUAL(err, "server answered 'HTTP/1.1 403 Forbidden'");
	/* A Location outside a 3xx is not shown. */
	mkhead("HTTP/1.1 201 Created", "Location: /x", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_STRING_EQUAL(err, "server answered 'HTTP/1.1 201 Created'");

	mkhead("HTTP/1.1 200 OK", H_UPG, H_CONN, H_ACC, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_EQUAL(status, 200);

	/* Unparsable: the status is 0. */
	mkhead("SSH-2.0-OpenSSH_9.2", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT(err[0] != '\0');
}

/* A redirect says where it points, and that we do not follow it. */
static void
test_response_redirect(void)
{
	char line[300], big[512];
	int status;

	mkhead("HTTP/1.1 301 Moved Permanently", "Location: wss://h/new?a=1",
	    "Content-Length: 0", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_EQUAL(status, 301);
	CU_ASSERT_STRING_EQUAL(err,
	    "server answered 'HTTP/1.1 301 Moved Permanently', "
	    "Location: wss://h/new?a=1 (redirects are not followed)");
	mkhead("HTTP/1.1 307 Temporary Redirect", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_STRING_EQUAL(err,
	    "server answered 'HTTP/1.1 307 Temporary Redirect' "
	    "(redirects are not followed)");
	/* A long Location is cut at 200 bytes. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "Location: /", 11);
	line[sizeof(line) - 1] = '\0';
	mkhead("HTTP/1.1 302 Found", line, NULL);
	CU_ASSERT_EQUAL(handshake_parse_response(head, headlen, &plain, KEY,
			    &status, line, &pm, big, sizeof(big)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(big, "Location: /aaa"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(big, "aaa... (redirects are not followed)"));
	CU_ASSERT_EQUAL(strlen(big),
	    strlen("server answered 'HTTP/1.1 302 "
		   "Found', Location: ") +
		200 + strlen("... (redirects are not followed)"));
	/* The status line is cut at 100 bytes. */
	memset(line, 'r', sizeof(line));
	memcpy(line, "HTTP/1.1 500 ", 13);
	line[150] = '\0';
	mkhead(line, NULL);
	CU_ASSERT_EQUAL(handshake_parse_response(head, headlen, &plain, KEY,
			    &status, line, &pm, big, sizeof(big)),
	    -1);
	CU_ASSERT_EQUAL(status, 500);
	CU_ASSERT_EQUAL(strlen(big), strlen("server answered ''") + 100);
}

/* body is NUL-terminated; the line handshake_body_line() finds, or NULL. */
static const char *
body_line(const char *body)
{
	static char out[HANDSHAKE_BODY_LINE_MAX * 4 + 1];

	if (!handshake_body_line(head, headlen, body, strlen(body), out,
		sizeof(out)))
		return NULL;
	return out;
}

static void
test_response_body_line(void)
{
	char long_line[HANDSHAKE_BODY_LINE_MAX + 3];

	mkhead("HTTP/1.1 403 Forbidden", "Content-Type: text/plain",
	    "Content-Length: 26", NULL);
	CU_ASSERT_STRING_EQUAL(body_line("403 Forbidden: go away\nmore"),
	    "403 Forbidden: go away");
	/* CRLF, white space around, a charset; tab and UTF-8 as text. */
	mkhead("HTTP/1.1 404 Not Found",
	    "Content-Type: Text/Plain; charset=utf-8", NULL);
	CU_ASSERT_STRING_EQUAL(body_line("  no\tsuch: \xc3\xbc \r\nx"),
	    "no\\x09such: \xc3\xbc");
	/* Without a line break: the whole body, when Content-Length says
	 * that is all of it. */
	mkhead("HTTP/1.1 400 Bad Request", "Content-Length: 3", NULL);
	CU_ASSERT_STRING_EQUAL(body_line("abc"), "abc");
	CU_ASSERT_STRING_EQUAL(body_line("abcdef\n"), "abc");
	CU_ASSERT_PTR_NULL(body_line("ab"));
	mkhead("HTTP/1.1 400 Bad Request", NULL);
	CU_ASSERT_PTR_NULL(body_line("abc"));
	CU_ASSERT_STRING_EQUAL(body_line("abc\n"), "abc");
	/* Not text: another type, a chunked body, a control character,
	 * bad UTF-8, an empty line, a line too long. */
	mkhead("HTTP/1.1 404 Not Found", "Content-Type: text/html", NULL);
	CU_ASSERT_PTR_NULL(body_line("<html>\n"));
	mkhead("HTTP/1.1 404 Not Found", "Content-Type: text/plainish", NULL);
	CU_ASSERT_PTR_NULL(body_line("x\n"));
	mkhead("HTTP/1.1 404 Not Found", "Transfer-Encoding: chunked", NULL);
	CU_ASSERT_PTR_NULL(body_line("5\r\nhello\r\n"));
	mkhead("HTTP/1.1 404 Not Found", "Content-Length: x", NULL);
	CU_ASSERT_PTR_NULL(body_line("x\n"));
	mkhead("HTTP/1.1 404 Not Found", NULL);
	CU_ASSERT_PTR_NULL(body_line("\x1b]0;PWNED\x07\n"));
	CU_ASSERT_PTR_NULL(body_line("a\x7f\n"));
	CU_ASSERT_PTR_NULL(body_line("\xff\xfe\n"));
	CU_ASSERT_PTR_NULL(body_line("\r\nsecond\n"));
	CU_ASSERT_PTR_NULL(body_line(""));
	memset(long_line, 'x', sizeof(long_line));
	long_line[HANDSHAKE_BODY_LINE_MAX] = '\n';
	long_line[HANDSHAKE_BODY_LINE_MAX + 1] = '\0';
	CU_ASSERT_PTR_NOT_NULL(body_line(long_line));
	long_line[HANDSHAKE_BODY_LINE_MAX] = 'x';
	long_line[HANDSHAKE_BODY_LINE_MAX + 1] = '\n';
	long_line[HANDSHAKE_BODY_LINE_MAX + 2] = '\0';
	CU_ASSERT_PTR_NULL(body_line(long_line));
	/* A head that does not parse has no body line. */
	mkhead("SSH-2.0-OpenSSH_9.2", NULL);
	CU_ASSERT_PTR_NULL(body_line("x\n"));
}

static void
test_response_accept(void)
{
	char lower[] = "Sec-WebSocket-Accept: " ACCEPT;
	int status;

	/* Sanity: the right answer passes, so the failures below count. */
	mkhead(OK101, H_UPG, H_CONN, H_ACC, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), 0);
	CU_ASSERT_EQUAL(status, 101);

	mkhead(OK101, H_UPG, H_CONN,
	    "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_EQUAL(status, 101);
	CU_ASSERT(err[0] != '\0');

	/* base64 is case-sensitive even though header names are not. */
	lower[strlen(lower) - 3] = 'o'; /* "xOo=" -> "xoo=" */
	mkhead(OK101, H_UPG, H_CONN, lower, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);

	mkhead(OK101, H_UPG, H_CONN, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	mkhead(OK101, H_UPG, H_CONN, H_ACC, H_ACC, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	mkhead(OK101, H_CONN, H_ACC, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
}

static void
test_response_protocol(void)
{
	char protocol[HANDSHAKE_MAX_PROTOCOL];
	int status;

	mkhead(OK101, H_UPG, H_CONN, H_ACC, "Sec-WebSocket-Protocol: superchat",
	    NULL);
	CU_ASSERT_EQUAL(handshake_parse_response(head, headlen, &offering, KEY,
			    &status, protocol, &pm, err, sizeof(err)),
	    0);
	CU_ASSERT_STRING_EQUAL(protocol, "superchat");

	/* Not offered. */
	mkhead(OK101, H_UPG, H_CONN, H_ACC, "Sec-WebSocket-Protocol: other",
	    NULL);
	CU_ASSERT_EQUAL(parse_resp(&offering, &status), -1);
	CU_ASSERT(err[0] != '\0');
	mkhead(OK101, H_UPG, H_CONN, H_ACC, "Sec-WebSocket-Protocol: Chat",
	    NULL);
	CU_ASSERT_EQUAL(parse_resp(&offering, &status), -1);
	mkhead(OK101, H_UPG, H_CONN, H_ACC, "Sec-WebSocket-Protocol: chat",
	    NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);

	/* One choice, not a list. */
	mkhead(OK101, H_UPG, H_CONN, H_ACC,
	    "Sec-WebSocket-Protocol: chat, superchat", NULL);
	CU_ASSERT_EQUAL(parse_resp(&offering, &status), -1);
	mkhead(OK101, H_UPG, H_CONN, H_ACC, "Sec-WebSocket-Protocol: chat",
	    "Sec-WebSocket-Protocol: chat", NULL);
	CU_ASSERT_EQUAL(parse_resp(&offering, &status), -1);

	/* Offered some, server picked none. */
	mkhead(OK101, H_UPG, H_CONN, H_ACC, NULL);
	CU_ASSERT_EQUAL(parse_resp(&offering, &status), -1);
	CU_ASSERT(err[0] != '\0');
}

static void
test_response_extensions(void)
{
	int status;

	mkhead(OK101, H_UPG, H_CONN, H_ACC,
	    "Sec-WebSocket-Extensions: permessage-deflate", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT(err[0] != '\0');
}

/* The client refuses a folded line in the server's answer as well. */
static void
test_response_obs_fold(void)
{
	int status;

	mkhead(OK101, "Upgrade:", " websocket", H_CONN, H_ACC, NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_STRING_EQUAL(err, "header line folded (obs-fold)");
	mkhead(OK101, H_UPG, H_CONN, H_ACC, "X-A: b", "\tc", NULL);
	CU_ASSERT_EQUAL(parse_resp(&plain, &status), -1);
	CU_ASSERT_STRING_EQUAL(err, "header line folded (obs-fold)");
}

static const struct unit_test tests[] = {
	{ "accept key, RFC 6455 example", test_accept_key },
	{ "head length", test_head_len },
	{ "request: valid", test_request_valid },
	{ "request: Firefox-style headers", test_request_firefox },
	{ "request: POST is 405", test_request_post },
	{ "request: HTTP/1.0 is 400", test_request_http10 },
	{ "request: not HTTP/1.1 is 400, a later major 505",
	    test_request_http_versions },
	{ "request: a body is 400", test_request_body },
	{ "request: two Origin headers are 400", test_request_two_origins },
	{ "request: obs-fold is 400", test_request_obs_fold },
	{ "request: no upgrade is 426", test_request_not_upgrade },
	{ "request: missing or repeated Host", test_request_host },
	{ "request: bad keys", test_request_bad_key },
	{ "request: version", test_request_version },
	{ "request: control bytes in values", test_request_control_byte },
	{ "request: garbage", test_request_garbage },
	{ "policy: origin allow-list", test_policy_origin },
	{ "policy: subprotocol choice", test_policy_protocol },
	{ "101 response", test_build_response },
	{ "error responses", test_build_error },
	{ "error responses to HEAD have no body", test_build_error_head },
	{ "error responses say nosniff; 505", test_build_error_nosniff },
	{ "new key", test_new_key },
	{ "extra header syntax", test_header_valid },
	{ "token syntax (subprotocols)", test_token_valid },
	{ "header value syntax (origin)", test_value_valid },
	{ "Basic credentials syntax", test_auth_valid },
	{ "request builder refuses what would inject",
	    test_build_request_refuses },
	{ "round trip with everything", test_round_trip },
	{ "round trip, minimal", test_round_trip_plain },
	{ "response: non-101 status", test_response_status },
	{ "response: a redirect's Location", test_response_redirect },
	{ "response: a refusal's body line", test_response_body_line },
	{ "response: Sec-WebSocket-Accept", test_response_accept },
	{ "response: subprotocol", test_response_protocol },
	{ "response: extensions refused", test_response_extensions },
	{ "response: obs-fold refused", test_response_obs_fold },
};

int
test_handshake_add(void)
{
	return unit_add_suite("handshake", tests, UNIT_NTESTS(tests));
}
