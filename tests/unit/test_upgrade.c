/*
 * upgrade: one step of the opening handshake over byte buffers, server
 * and client side, and the built-in page with the answers to plain GET and
 * HEAD requests (src/page).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>

#include "buf.h"
#include "handshake.h"
#include "page.h"
#include "tests.h"
#include "upgrade.h"

/* The worked example of RFC 6455 section 1.3. */
#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

#define REQUEST(extra)                   \
	"GET /chat HTTP/1.1\r\n"         \
	"Host: server.example.com\r\n"   \
	"Upgrade: websocket\r\n"         \
	"Connection: Upgrade\r\n"        \
	"Sec-WebSocket-Key: " KEY "\r\n" \
	"Sec-WebSocket-Version: 13\r\n" extra "\r\n"

#define OUT_MAX (1 << 20)

static const struct handshake_policy any = { 0 };
static struct page page;
static struct buf out;
static struct upgrade_result r;

/* The readable bytes of b contain s. */
static bool
buf_has(const struct buf *b, const char *s)
{
	return buf_used(b) > 0 &&
	    memmem(buf_head(b), buf_used(b), s, strlen(s)) != NULL;
}

/* The readable bytes of b start with s. */
static bool
buf_starts(const struct buf *b, const char *s)
{
	return buf_used(b) >= strlen(s) &&
	    memcmp(buf_head(b), s, strlen(s)) == 0;
}

/* Length of the head at the start of b (through CRLFCRLF), or 0. */
static size_t
head_of(const struct buf *b)
{
	const char *end = memmem(buf_head(b), buf_used(b), "\r\n\r\n", 4);

	return end == NULL ? 0 : (size_t)(end - buf_head(b)) + 4;
}

/* The Content-Length the answer in b declares, or -1. */
static long
content_length(const struct buf *b)
{
	const char *cl = memmem(buf_head(b), head_of(b),
	    "\r\nContent-Length: ", 18);

	return cl == NULL ? -1 : strtol(cl + 18, NULL, 10);
}

/* Runs the server side on s[0..n) with pol and pg; out is reset first. */
static enum upgrade_status
serve(const char *s, size_t n, const struct handshake_policy *pol,
    const struct page *pg)
{
	buf_deinit(&out);
	buf_init(&out, OUT_MAX);
	memset(&r, 0xa5, sizeof(r)); /* every field must be set */
	return upgrade_server(s, n, pol, pg, &out, &r);
}

static enum upgrade_status
serve_str(const char *s, const struct handshake_policy *pol,
    const struct page *pg)
{
	return serve(s, strlen(s), pol, pg);
}

static void
load_page(void)
{
	char err[128] = "";

	if (page.body == NULL)
		CU_ASSERT_EQUAL_FATAL(page_init(&page, err, sizeof(err)), 0);
}

/* ---- server -------------------------------------------------------------- */

/* A valid request, with a pipelined frame behind it that must not be
 * taken: OPEN, the 101 with the RFC's accept value, head_len the head. */
static void
test_server_open(void)
{
	static const char req[] = REQUEST("");
	static const char frame[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51"
				    "\x58";
	char in[sizeof(req) + sizeof(frame)];
	size_t n = sizeof(req) - 1;

	memcpy(in, req, n);
	memcpy(in + n, frame, sizeof(frame) - 1);
	CU_ASSERT_EQUAL(serve(in, n + sizeof(frame) - 1, &any, NULL),
	    UPGRADE_OPEN);
	CU_ASSERT_EQUAL(r.head_len, n);
	CU_ASSERT_STRING_EQUAL(r.protocol, "");
	CU_ASSERT_TRUE(
	    buf_starts(&out, "HTTP/1.1 101 Switching Protocols\r\n"));
	CU_ASSERT_TRUE(
	    buf_has(&out, "\r\nSec-WebSocket-Accept: " ACCEPT "\r\n"));
	CU_ASSERT_TRUE(buf_has(&out, "\r\nUpgrade: websocket\r\n"));
	CU_ASSERT_FALSE(buf_has(&out, "Sec-WebSocket-Protocol"));
	/* The answer is one head and nothing else. */
	CU_ASSERT_EQUAL(head_of(&out), buf_used(&out));
	/* The frame bytes are left where they were. */
	CU_ASSERT_EQUAL(memcmp(in + r.head_len, frame, sizeof(frame) - 1), 0);
	buf_deinit(&out);
}

/* Every proper prefix of a request asks for more and writes nothing. */
static void
test_server_more(void)
{
	static const char req[] = REQUEST("");
	int bad = 0;

	CU_ASSERT_EQUAL(serve(req, 0, &any, NULL), UPGRADE_MORE);
	for (size_t n = 1; n < sizeof(req) - 1; n++)
		if (serve(req, n, &any, NULL) != UPGRADE_MORE ||
		    buf_used(&out) != 0)
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(serve(req, sizeof(req) - 1, &any, NULL), UPGRADE_OPEN);
	buf_deinit(&out);
}

/* A TLS ClientHello on the plain port is refused at its first byte. */
static void
test_server_tls_hello(void)
{
	static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc";

	CU_ASSERT_EQUAL(serve(hello, 1, &any, NULL), UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 400);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(r.why, "a TLS handshake on a plain ws:// port"));
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 400 "));
	CU_ASSERT_EQUAL(content_length(&out),
	    (long)(buf_used(&out) - head_of(&out)));
	CU_ASSERT_EQUAL(serve(hello, sizeof(hello) - 1, &any, NULL),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 400);

	/* Other bytes that cannot start a method. */
	CU_ASSERT_EQUAL(serve("\x00GET", 4, &any, NULL), UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why, "not an HTTP request"));
	CU_ASSERT_EQUAL(serve_str("get / HTTP/1.1\r\n", &any, NULL),
	    UPGRADE_REFUSED);
	buf_deinit(&out);
}

static void
test_server_head_too_large(void)
{
	static char big[HANDSHAKE_MAX_HEAD + 100];
	size_t n = strlen("GET / HTTP/1.1\r\nX-Pad: ");

	memcpy(big, "GET / HTTP/1.1\r\nX-Pad: ", n);
	memset(big + n, 'a', sizeof(big) - n);
	/* Up to HANDSHAKE_MAX_HEAD - 1 bytes it may still end. */
	CU_ASSERT_EQUAL(serve(big, HANDSHAKE_MAX_HEAD - 1, &any, NULL),
	    UPGRADE_MORE);
	CU_ASSERT_EQUAL(serve(big, sizeof(big), &any, NULL), UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 431);
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 431 "));
	CU_ASSERT(r.why[0] != '\0');
	buf_deinit(&out);
}

/* Content-Length: of the page, with its body (GET) or without (HEAD). */
static void
check_page_answer(bool head)
{
	CU_ASSERT_EQUAL(r.http_status, 200);
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 200 OK\r\n"));
	CU_ASSERT_TRUE(buf_has(&out, "\r\nContent-Type: text/html"));
	CU_ASSERT_TRUE(buf_has(&out, "\r\nContent-Security-Policy: "));
	CU_ASSERT_TRUE(buf_has(&out, page.csp));
	CU_ASSERT_EQUAL(content_length(&out), (long)page.len);
	if (head) {
		CU_ASSERT_EQUAL(buf_used(&out), head_of(&out));
	} else {
		CU_ASSERT_EQUAL_FATAL(buf_used(&out), head_of(&out) + page.len);
		CU_ASSERT_EQUAL(memcmp(buf_head(&out) + head_of(&out),
				    page.body, page.len),
		    0);
	}
}

static void
test_server_plain_get(void)
{
	load_page();
	CU_ASSERT_EQUAL(serve_str("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &any,
			    &page),
	    UPGRADE_ANSWERED);
	CU_ASSERT_STRING_EQUAL(r.why, "GET /");
	check_page_answer(false);
	/* Any query string. */
	CU_ASSERT_EQUAL(serve_str("GET /?room=1 HTTP/1.1\r\nHost: h\r\n\r\n",
			    &any, &page),
	    UPGRADE_ANSWERED);
	check_page_answer(false);
	/* Another path, or no page at all: 404, with a body. */
	CU_ASSERT_EQUAL(serve_str("GET /favicon.ico HTTP/1.1\r\nHost: h\r\n"
				  "\r\n",
			    &any, &page),
	    UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(r.http_status, 404);
	CU_ASSERT_STRING_EQUAL(r.why, "GET /favicon.ico");
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 404 "));
	CU_ASSERT(content_length(&out) > 0);
	CU_ASSERT_EQUAL(content_length(&out),
	    (long)(buf_used(&out) - head_of(&out)));
	CU_ASSERT_EQUAL(serve_str("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &any,
			    NULL),
	    UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(r.http_status, 404);
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 404 "));
	CU_ASSERT_FALSE(buf_has(&out, "Content-Security-Policy"));
	buf_deinit(&out);
}

static void
test_server_plain_head(void)
{
	load_page();
	CU_ASSERT_EQUAL(serve_str("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", &any,
			    &page),
	    UPGRADE_ANSWERED);
	CU_ASSERT_STRING_EQUAL(r.why, "HEAD /");
	check_page_answer(true);
	/* A HEAD 404 declares its body and sends none. */
	CU_ASSERT_EQUAL(serve_str("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n", &any,
			    &page),
	    UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(r.http_status, 404);
	CU_ASSERT(content_length(&out) > 0);
	CU_ASSERT_EQUAL(buf_used(&out), head_of(&out));
	buf_deinit(&out);
}

static void
test_server_protocol(void)
{
	static const char *const protos[] = { "b", "a" };
	struct handshake_policy pol = { .protocols = protos, .nprotocols = 2 };

	/* The client's order wins. */
	CU_ASSERT_EQUAL(serve_str(REQUEST(
				      "Sec-WebSocket-Protocol: x, a, b\r\n"),
			    &pol, NULL),
	    UPGRADE_OPEN);
	CU_ASSERT_STRING_EQUAL(r.protocol, "a");
	CU_ASSERT_TRUE(buf_has(&out, "\r\nSec-WebSocket-Protocol: a\r\n"));
	/* None in common: open without one. */
	CU_ASSERT_EQUAL(serve_str(REQUEST("Sec-WebSocket-Protocol: x\r\n"),
			    &pol, NULL),
	    UPGRADE_OPEN);
	CU_ASSERT_STRING_EQUAL(r.protocol, "");
	CU_ASSERT_FALSE(buf_has(&out, "Sec-WebSocket-Protocol"));
	buf_deinit(&out);
}

static void
test_server_origin(void)
{
	static const char *const origins[] = { "https://good.example" };
	struct handshake_policy pol = { .origins = origins, .norigins = 1 };

	CU_ASSERT_EQUAL(serve_str(REQUEST("Origin: https://evil.example\r\n"),
			    &pol, NULL),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 403);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why, "evil.example"));
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 403 "));
	CU_ASSERT_FALSE(buf_has(&out, "Sec-WebSocket-Accept"));
	CU_ASSERT_EQUAL(serve_str(REQUEST("Origin: https://good.example\r\n"),
			    &pol, NULL),
	    UPGRADE_OPEN);
	buf_deinit(&out);
}

static void
test_server_refusals(void)
{
	CU_ASSERT_EQUAL(
	    serve_str("GET / HTTP/1.1\r\nHost: h\r\n"
		      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		      "Sec-WebSocket-Key: " KEY
		      "\r\nSec-WebSocket-Version: 8\r\n\r\n",
		&any, NULL),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 426);
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 426 "));
	CU_ASSERT_TRUE(buf_has(&out, "\r\nSec-WebSocket-Version: 13\r\n"));
	CU_ASSERT(r.why[0] != '\0');

	CU_ASSERT_EQUAL(
	    serve_str("POST / HTTP/1.1\r\nHost: h\r\n"
		      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		      "Sec-WebSocket-Key: " KEY
		      "\r\nSec-WebSocket-Version: 13\r\n\r\n",
		&any, NULL),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 405);
	CU_ASSERT_TRUE(buf_has(&out, "\r\nAllow: GET\r\n"));

	CU_ASSERT_EQUAL(
	    serve_str(
		"GET / HTTP/1.1\r\nHost: h\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
		&any, NULL),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 400);
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 400 "));
	buf_deinit(&out);
}

/* ---- client -------------------------------------------------------------- */

static const char *const offered[] = { "chat", "superchat" };
static const struct handshake_client client = { "/chat?x=1", "example.com:9000",
	NULL, NULL, offered, 2, NULL, 0, false };

/* A 101 for key, choosing protocol (NULL: none), then extra bytes. */
static size_t
make_101(char *dst, size_t max, const char *key, const char *protocol,
    const char *extra)
{
	char accept[HANDSHAKE_ACCEPT_LEN + 1];
	int n;

	handshake_accept_key(key, strlen(key), accept);
	n = snprintf(dst, max,
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n%s%s%s\r\n%s",
	    accept, protocol ? "Sec-WebSocket-Protocol: " : "",
	    protocol ? protocol : "", protocol ? "\r\n" : "", extra);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < max);
	return n;
}

static void
test_client_request(void)
{
	char key[HANDSHAKE_KEY_LEN + 1], line[64];
	struct buf b;

	buf_init(&b, HANDSHAKE_MAX_HEAD);
	memset(key, 'x', sizeof(key));
	CU_ASSERT_EQUAL_FATAL(upgrade_client_request(&b, &client, key), 0);
	CU_ASSERT_EQUAL(strlen(key), HANDSHAKE_KEY_LEN);
	snprintf(line, sizeof(line), "\r\nSec-WebSocket-Key: %s\r\n", key);
	CU_ASSERT_TRUE(buf_starts(&b, "GET /chat?x=1 HTTP/1.1\r\n"));
	CU_ASSERT_TRUE(buf_has(&b, line));
	CU_ASSERT_TRUE(buf_has(&b, "\r\nHost: example.com:9000\r\n"));
	CU_ASSERT_TRUE(
	    buf_has(&b, "\r\nSec-WebSocket-Protocol: chat, superchat\r\n"));
	CU_ASSERT_EQUAL(head_of(&b), buf_used(&b));
	buf_deinit(&b);
}

static void
test_client_open(void)
{
	char resp[512];
	size_t n, head;

	n = make_101(resp, sizeof(resp), KEY, "superchat", "\x81\x02hi");
	head = n - 4;
	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(upgrade_client(resp, n, &client, KEY, &r),
	    UPGRADE_OPEN);
	CU_ASSERT_EQUAL(r.head_len, head);
	CU_ASSERT_STRING_EQUAL(r.protocol, "superchat");
	CU_ASSERT_EQUAL(memcmp(resp + r.head_len, "\x81\x02hi", 4), 0);
	/* Any proper prefix of the head: more. */
	for (size_t k = 0; k < head; k++)
		if (upgrade_client(resp, k, &client, KEY, &r) != UPGRADE_MORE)
			CU_FAIL("a partial 101 was decided");
}

static void
test_client_wrong_accept(void)
{
	char resp[512];
	size_t n;

	/* Accept computed for another key. */
	n = make_101(resp, sizeof(resp), "AAAAAAAAAAAAAAAAAAAAAA==", "chat",
	    "");
	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(upgrade_client(resp, n, &client, KEY, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 101);
	CU_ASSERT(r.why[0] != '\0' && memchr(r.why, '\0', sizeof(r.why)));
	/* A subprotocol that was not offered. */
	n = make_101(resp, sizeof(resp), KEY, "other", "");
	CU_ASSERT_EQUAL(upgrade_client(resp, n, &client, KEY, &r),
	    UPGRADE_REFUSED);
}

static void
test_client_non_101(void)
{
	static const char resp[] =
	    "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 10\r\n\r\n"
	    "forbidden\n";
	size_t head = strstr(resp, "\r\n\r\n") + 4 - resp;

	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(upgrade_client(resp, sizeof(resp) - 1, &client, KEY,
			    &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 403);
	CU_ASSERT_EQUAL(r.head_len, head);
	CU_ASSERT_STRING_EQUAL(r.why,
	    "server answered 'HTTP/1.1 403 Forbidden': forbidden");
	/* The body not there yet: the status line alone. */
	CU_ASSERT_EQUAL(upgrade_client(resp, head + 4, &client, KEY, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_STRING_EQUAL(r.why,
	    "server answered 'HTTP/1.1 403 Forbidden'");
}

/* A redirect: its Location, not its body. */
static void
test_client_redirect(void)
{
	static const char resp[] =
	    "HTTP/1.1 302 Found\r\nLocation: wss://h/\r\n"
	    "Content-Length: 6\r\n\r\nmoved\n";

	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(upgrade_client(resp, sizeof(resp) - 1, &client, KEY,
			    &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 302);
	CU_ASSERT_STRING_EQUAL(r.why,
	    "server answered 'HTTP/1.1 302 Found', Location: wss://h/ "
	    "(redirects are not followed)");
}

/* A TLS server on a ws:// URL answers with a TLS record: said at once. */
static void
test_client_tls_record(void)
{
	static const char alert[] = "\x15\x03\x03\x00\x02\x02\x46";
	static const char hello[] = "\x16\x03\x01\x00\x05";

	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(upgrade_client(alert, 1, &client, KEY, &r),
	    UPGRADE_MORE);
	CU_ASSERT_EQUAL(upgrade_client(alert, sizeof(alert) - 1, &client, KEY,
			    &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 0);
	CU_ASSERT_EQUAL(r.head_len, 0);
	CU_ASSERT_STRING_EQUAL(r.why, "the server speaks TLS; use wss://");
	CU_ASSERT_EQUAL(upgrade_client(hello, 2, &client, KEY, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_STRING_EQUAL(r.why, "the server speaks TLS; use wss://");
	/* 0x16 then anything else is no TLS record. */
	CU_ASSERT_EQUAL(upgrade_client("\x16\x01", 2, &client, KEY, &r),
	    UPGRADE_MORE);
	CU_ASSERT_EQUAL(upgrade_client("", 0, &client, KEY, &r), UPGRADE_MORE);
}

static void
test_client_head_too_large(void)
{
	static char big[HANDSHAKE_MAX_HEAD + 1];

	memcpy(big, "HTTP/1.1 101 OK\r\nX: ", 20);
	memset(big + 20, 'a', sizeof(big) - 20);
	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(upgrade_client(big, sizeof(big), &client, KEY, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 0);
	CU_ASSERT(r.why[0] != '\0');
}

/* Our client's request through our server, its 101 through our client. */
static void
test_round_trip(void)
{
	static const char *const server_protos[] = { "superchat" };
	struct handshake_policy pol = { .protocols = server_protos,
		.nprotocols = 1 };
	char key[HANDSHAKE_KEY_LEN + 1];
	struct buf req;

	buf_init(&req, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(upgrade_client_request(&req, &client, key), 0);
	CU_ASSERT_EQUAL_FATAL(serve(buf_head(&req), buf_used(&req), &pol, NULL),
	    UPGRADE_OPEN);
	CU_ASSERT_EQUAL(r.head_len, buf_used(&req));
	CU_ASSERT_STRING_EQUAL(r.protocol, "superchat");
	CU_ASSERT_EQUAL(upgrade_client(buf_head(&out), buf_used(&out), &client,
			    key, &r),
	    UPGRADE_OPEN);
	CU_ASSERT_EQUAL(r.head_len, buf_used(&out));
	CU_ASSERT_STRING_EQUAL(r.protocol, "superchat");
	buf_deinit(&req);
	buf_deinit(&out);
}

/* ---- page ---------------------------------------------------------------- */

/* The CSP names the SHA-256 of the page's own <script> and <style>. */
static void
check_hash(const char *open, const char *close, const char *directive)
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[2 * EVP_MAX_MD_SIZE];
	char want[256];
	const char *start, *end;
	unsigned int mdlen;

	start = memmem(page.body, page.len, open, strlen(open));
	CU_ASSERT_PTR_NOT_NULL_FATAL(start);
	start += strlen(open);
	end = memmem(start, page.len - (start - page.body), close,
	    strlen(close));
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	CU_ASSERT_FATAL(EVP_Digest(start, end - start, md, &mdlen, EVP_sha256(),
			    NULL) == 1);
	EVP_EncodeBlock(b64, md, mdlen);
	snprintf(want, sizeof(want), "%s 'sha256-%s'", directive, b64);
	CU_ASSERT_PTR_NOT_NULL(strstr(page.csp, want));
}

static void
test_page_init(void)
{
	load_page();
	CU_ASSERT(page.len > 0);
	CU_ASSERT_PTR_NOT_NULL(memmem(page.body, page.len, "<html", 5));
	CU_ASSERT_PTR_NOT_NULL(strstr(page.csp, "default-src 'none'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(page.csp, "connect-src 'self'"));
	check_hash("<script>", "</script>", "script-src");
	check_hash("<style>", "</style>", "style-src");
}

static void
test_page_answer(void)
{
	static const char *const paths[] = { "/x", "", "//", "/index.html",
		"x/" };
	struct buf b;

	load_page();
	buf_init(&b, OUT_MAX);
	CU_ASSERT_EQUAL(page_answer(&b, &page, "/", 1, false), 200);
	CU_ASSERT_EQUAL(buf_used(&b), head_of(&b) + page.len);
	buf_deinit(&b);
	CU_ASSERT_EQUAL(page_answer(&b, &page, "/?a=b", 5, true), 200);
	CU_ASSERT_EQUAL(buf_used(&b), head_of(&b));
	buf_deinit(&b);
	/* The path is a span: what follows it does not count. */
	CU_ASSERT_EQUAL(page_answer(&b, &page, "/xyz", 1, false), 200);
	buf_deinit(&b);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		CU_ASSERT_EQUAL(page_answer(&b, &page, paths[i],
				    strlen(paths[i]), false),
		    404);
		CU_ASSERT_TRUE(buf_starts(&b, "HTTP/1.1 404 "));
		buf_deinit(&b);
	}
	/* No room for the page: -1. */
	buf_init(&b, page.len);
	CU_ASSERT_EQUAL(page_answer(&b, &page, "/", 1, false), -1);
	buf_deinit(&b);
}

/* permessage-deflate: accepted with the policy's consent only, and then
 * in the 101 and the result. */
static void
test_server_deflate(void)
{
	struct handshake_policy pol = { .deflate = true };
	const char *req = REQUEST(
	    "Sec-WebSocket-Extensions: x-foo, "
	    "permessage-deflate; server_max_window_bits=10; "
	    "client_max_window_bits\r\n");

	CU_ASSERT_EQUAL(serve_str(req, &pol, NULL), UPGRADE_OPEN);
	CU_ASSERT_TRUE(r.deflate.on);
	CU_ASSERT_EQUAL(r.deflate.server_bits, 10);
	CU_ASSERT_TRUE(buf_has(&out,
	    "\r\nSec-WebSocket-Extensions: permessage-deflate; "
	    "server_no_context_takeover; client_no_context_takeover; "
	    "server_max_window_bits=10\r\n"));
	CU_ASSERT_EQUAL(serve_str(req, &any, NULL), UPGRADE_OPEN);
	CU_ASSERT_FALSE(r.deflate.on);
	CU_ASSERT_FALSE(buf_has(&out, "Sec-WebSocket-Extensions"));
	/* An offer we cannot honour is declined: open, uncompressed. */
	CU_ASSERT_EQUAL(serve_str(REQUEST("Sec-WebSocket-Extensions: "
					  "permessage-deflate; x=1\r\n"),
			    &pol, NULL),
	    UPGRADE_OPEN);
	CU_ASSERT_FALSE(r.deflate.on);
	CU_ASSERT_FALSE(buf_has(&out, "Sec-WebSocket-Extensions"));
	buf_deinit(&out);
}

/* The client offers it when asked to, and takes a valid answer only. */
static void
test_client_deflate(void)
{
	struct handshake_client cl = client;
	char key[HANDSHAKE_KEY_LEN + 1], resp[512];
	struct buf b;
	size_t n;

	cl.deflate = true;
	buf_init(&b, HANDSHAKE_MAX_HEAD);
	CU_ASSERT_EQUAL_FATAL(upgrade_client_request(&b, &cl, key), 0);
	CU_ASSERT_TRUE(buf_has(&b,
	    "\r\nSec-WebSocket-Extensions: "
	    "permessage-deflate; client_max_window_bits\r\n"));
	buf_deinit(&b);
	CU_ASSERT_EQUAL_FATAL(upgrade_client_request(&b, &client, key), 0);
	CU_ASSERT_FALSE(buf_has(&b, "Sec-WebSocket-Extensions"));
	buf_deinit(&b);
	n = make_101(resp, sizeof(resp), KEY, "chat", "");
	/* make_101 ends the head: put the header before its blank line. */
	n = snprintf(resp + n - 2, sizeof(resp) - n + 2,
		"Sec-WebSocket-Extensions: permessage-deflate; "
		"client_max_window_bits=9; server_no_context_takeover\r\n\r\n") +
	    n - 2;
	CU_ASSERT_EQUAL(upgrade_client(resp, n, &cl, KEY, &r), UPGRADE_OPEN);
	CU_ASSERT_TRUE(r.deflate.on);
	CU_ASSERT_EQUAL(r.deflate.client_bits, 9);
	CU_ASSERT_TRUE(r.deflate.server_no_takeover);
	CU_ASSERT_FALSE(r.deflate.client_no_takeover);
	/* Not offered: refused. */
	CU_ASSERT_EQUAL(upgrade_client(resp, n, &client, KEY, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why, "Sec-WebSocket-Extensions"));
}

/* /healthz: 200 "ok" whatever the Host, Origin or credentials, page or
 * not; HEAD without the body. */
static void
test_server_health(void)
{
	static const char *const creds[] = { "u:p" };
	static const char *const hosts[] = { "good.example" };
	struct handshake_policy pol = { .hosts = hosts,
		.nhosts = 1,
		.credentials = creds,
		.ncredentials = 1 };
	const char *get = "GET /healthz HTTP/1.1\r\nHost: evil.example\r\n"
			  "Origin: http://evil.example\r\n\r\n";
	const char *head = "HEAD /healthz?x HTTP/1.0\r\n\r\n";

	CU_ASSERT_EQUAL(serve_str(get, &pol, NULL), UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(r.http_status, 200);
	CU_ASSERT_STRING_EQUAL(r.why, PAGE_HEALTH_WHY);
	CU_ASSERT_TRUE(buf_starts(&out, "HTTP/1.1 200 OK\r\n"));
	CU_ASSERT_EQUAL(content_length(&out), 3);
	CU_ASSERT_EQUAL(buf_used(&out) - head_of(&out), 3);
	CU_ASSERT_TRUE(buf_has(&out, "\r\n\r\nok\n"));
	CU_ASSERT_EQUAL(serve_str(head, &pol, NULL), UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(buf_used(&out), head_of(&out));
	/* Nothing else is: /healthzz and /healthz/ are pages. */
	CU_ASSERT_EQUAL(serve_str("GET /healthzz HTTP/1.1\r\nHost: "
				  "good.example\r\n\r\n",
			    &any, NULL),
	    UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(r.http_status, 404);
	buf_deinit(&out);
}

int
test_upgrade_add(void)
{
	static const struct unit_test tests[] = {
		{ "server: valid request opens", test_server_open },
		{ "server: partial head asks for more", test_server_more },
		{ "server: TLS hello on a plain port", test_server_tls_hello },
		{ "server: head over HANDSHAKE_MAX_HEAD is 431",
		    test_server_head_too_large },
		{ "server: plain GET, page or 404", test_server_plain_get },
		{ "server: HEAD has no body", test_server_plain_head },
		{ "server: subprotocol selection", test_server_protocol },
		{ "server: permessage-deflate", test_server_deflate },
		{ "server: /healthz", test_server_health },
		{ "client: permessage-deflate", test_client_deflate },
		{ "server: origin refused with 403", test_server_origin },
		{ "server: 426, 405 and 400 answers", test_server_refusals },
		{ "client: request", test_client_request },
		{ "client: 101 opens with the protocol", test_client_open },
		{ "client: wrong accept refused", test_client_wrong_accept },
		{ "client: non-101 refused with its status",
		    test_client_non_101 },
		{ "client: a redirect's Location", test_client_redirect },
		{ "client: a TLS record says use wss://",
		    test_client_tls_record },
		{ "client: head over HANDSHAKE_MAX_HEAD",
		    test_client_head_too_large },
		{ "round trip", test_round_trip },
		{ "page: CSP hashes", test_page_init },
		{ "page: answers", test_page_answer },
	};

	return unit_add_suite("upgrade", tests, UNIT_NTESTS(tests));
}
