/*
 * libFuzzer target: the server side of the opening handshake.  The input is
 * what a client sends, as it has arrived so far: upgrade_server gets an
 * exact-size copy of it (so that ASan sees any read past it), as wsconn
 * passes its input buffer, under a strict policy (2 subprotocols, 1
 * origin) with the built-in page and an open one (none of them) without a
 * page.  page_answer also gets the input as a path.  Never crashes, leaks
 * or reads past the input.
 *
 * Invariants checked (abort() when broken):
 *   - handshake_head_len agrees with a plain reading of its contract (the
 *     first CRLFCRLF, within max; -1 once max bytes pass without one);
 *   - MORE: the head is incomplete and nothing was written;
 *   - OPEN: head_len is the head's length; the answer is one 101 head that
 *     upgrade_client accepts for the request's key, with the same
 *     subprotocol (round trip);
 *   - ANSWERED: 200 or 404, a complete answer whose Content-Length is
 *     what follows the head (HEAD: nothing follows);
 *   - REFUSED: a NUL-terminated reason, a status of 400, 403, 405, 426,
 *     431 or 505, and the error answer for that status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "buf.h"
#include "handshake.h"
#include "log.h"
#include "page.h"
#include "upgrade.h"

static const char *const protocols[] = { "chat", "superchat" };
static const char *const origins[] = { "https://example.com" };
static struct page page;
static const struct handshake_policy strict = { .protocols = protocols,
	.nprotocols = 2,
	.origins = origins,
	.norigins = 1,
	.deflate = true };
static const struct handshake_policy open_policy = { 0 };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(UNUSED int *argc, UNUSED char ***argv)
{
	char err[128];

	log_init("fuzz_request", LOG_QUIET);
	if (page_init(&page, err, sizeof(err)) == -1) {
		fprintf(stderr, "page_init: %s\n", err);
		abort();
	}
	return 0;
}

/* The contract of handshake_head_len, written out plainly. */
static void
check_head_len(const char *p, size_t n, size_t max)
{
	ssize_t want = 0, got = handshake_head_len(p, n, max);

	for (size_t i = 0; i + 4 <= n; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
			want = i + 4 <= max ? (ssize_t)(i + 4) : -1;
			break;
		}
	if (want == 0 && n >= max)
		want = -1;
	if (got != want) {
		fprintf(stderr,
		    "handshake_head_len(%zu bytes, max %zu) = %zd, "
		    "want %zd\n",
		    n, max, got, want);
		abort();
	}
}

static void
broken(const char *what, enum upgrade_status st, const struct upgrade_result *r)
{
	fprintf(stderr,
	    "upgrade_server returned %d: %s (status %d, why "
	    "'%.*s')\n",
	    st, what, r->http_status, (int)sizeof(r->why), r->why);
	abort();
}

/* The length of the head at the start of out, checked to be one. */
static size_t
answer_head(const struct buf *out, enum upgrade_status st,
    const struct upgrade_result *r)
{
	ssize_t n = handshake_head_len(buf_head(out), buf_used(out),
	    buf_used(out) + 1);

	if (n <= 0)
		broken("the answer has no complete head", st, r);
	return n;
}

/* An answer with a body that its Content-Length declares (none for
 * HEAD). */
static void
check_body(const struct buf *out, bool head, enum upgrade_status st,
    const struct upgrade_result *r)
{
	size_t hl = answer_head(out, st, r);
	const char *cl = memmem(buf_head(out), hl, "\r\nContent-Length: ", 18);

	if (cl == NULL)
		broken("no Content-Length", st, r);
	if (buf_used(out) - hl != (head ? 0 : strtoul(cl + 18, NULL, 10)))
		broken("the body does not match Content-Length", st, r);
}

/* The 101 we built must satisfy our own client for the same key. */
static void
round_trip(const char *in, const struct upgrade_result *r,
    const struct buf *out)
{
	char key[HANDSHAKE_KEY_LEN + 1], why[256];
	const char *const offered[] = { r->protocol };
	struct handshake_client cl = { "/", "h", NULL, NULL, offered,
		r->protocol[0] ? 1 : 0, NULL, 0, r->deflate.on };
	struct upgrade_result cr;
	struct handshake_request req;
	char *copy;

	if (handshake_parse_request(in, r->head_len, &req, why, sizeof(why)) !=
		0 ||
	    req.key.n != HANDSHAKE_KEY_LEN) {
		fprintf(stderr, "OPEN for a request that does not parse\n");
		abort();
	}
	memcpy(key, req.key.p, HANDSHAKE_KEY_LEN);
	key[HANDSHAKE_KEY_LEN] = '\0';
	copy = malloc(buf_used(out));
	memcpy(copy, buf_head(out), buf_used(out));
	if (upgrade_client(copy, buf_used(out), &cl, key, &cr) !=
		UPGRADE_OPEN ||
	    cr.head_len != buf_used(out) ||
	    strcmp(cr.protocol, r->protocol) != 0 ||
	    cr.deflate.on != r->deflate.on ||
	    cr.deflate.server_bits != r->deflate.server_bits ||
	    cr.deflate.server_no_takeover != r->deflate.server_no_takeover ||
	    cr.deflate.client_no_takeover != r->deflate.client_no_takeover) {
		fprintf(stderr, "our 101 fails our client: %s\n", cr.why);
		abort();
	}
	free(copy);
}

static void
serve(const char *in, size_t len, const struct handshake_policy *pol,
    const struct page *pg)
{
	struct upgrade_result r;
	enum upgrade_status st;
	ssize_t head = handshake_head_len(in, len, HANDSHAKE_MAX_HEAD);
	struct buf out;
	char prefix[16];
	bool health, head_only;

	buf_init(&out, 1 << 20);
	st = upgrade_server(in, len, pol, pg, &out, &r);
	switch (st) {
	case UPGRADE_MORE:
		if (head != 0 || buf_used(&out) != 0)
			broken("MORE with a complete head or an answer", st,
			    &r);
		break;
	case UPGRADE_OPEN:
		if (head <= 0 || r.head_len != (size_t)head)
			broken("head_len is not the head's length", st, &r);
		if (answer_head(&out, st, &r) != buf_used(&out) ||
		    memcmp(buf_head(&out), "HTTP/1.1 101 ", 13) != 0)
			broken("the answer is not one 101 head", st, &r);
		if (memchr(r.protocol, '\0', sizeof(r.protocol)) == NULL)
			broken("unterminated protocol", st, &r);
		round_trip(in, &r, &out);
		break;
	case UPGRADE_ANSWERED:
		if (r.http_status != 200 && r.http_status != 404)
			broken("a plain answer that is not 200 or 404", st, &r);
		/* The health check is 200 with or without a page, and says
		 * "ok" to GET. */
		health = strcmp(r.why, PAGE_HEALTH_WHY) == 0;
		if (health != page_is_health(in, len, &head_only) ||
		    (health && r.http_status != 200))
			broken("the health check misjudged", st, &r);
		if (r.http_status == 200 && pg == NULL && !health)
			broken("200 without a page", st, &r);
		check_body(&out,
		    health ? head_only : strncmp(r.why, "HEAD ", 5) == 0, st,
		    &r);
		break;
	case UPGRADE_REFUSED:
		if (memchr(r.why, '\0', sizeof(r.why)) == NULL)
			broken("unterminated reason", st, &r);
		if (r.http_status != 400 && r.http_status != 403 &&
		    r.http_status != 405 && r.http_status != 426 &&
		    r.http_status != 431 && r.http_status != 505)
			broken("unexpected status", st, &r);
		snprintf(prefix, sizeof(prefix), "HTTP/1.1 %d ", r.http_status);
		if (buf_used(&out) < strlen(prefix) ||
		    memcmp(buf_head(&out), prefix, strlen(prefix)) != 0)
			broken("the error answer does not match", st, &r);
		check_body(&out, false, st, &r);
		break;
	default:
		broken("not an upgrade_status", st, &r);
	}
	buf_deinit(&out);
}

/* The input as the path of a plain GET. */
static void
answer_path(const char *p, size_t n)
{
	struct buf out;
	int status;

	buf_init(&out, 1 << 20);
	status = page_answer(&out, &page, p, n, n % 2);
	if (status != 200 && status != 404) {
		fprintf(stderr, "page_answer: %d\n", status);
		abort();
	}
	if (status == 200 && (n == 0 || p[0] != '/' || (n > 1 && p[1] != '?')))
		abort();
	buf_deinit(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;

	check_head_len((const char *)data, size, HANDSHAKE_MAX_HEAD);
	check_head_len((const char *)data, size, 64); /* a small max too */
	/* Exactly the input, so that ASan sees any read beyond it. */
	in = malloc(size ? size : 1);
	memcpy(in, data, size);
	serve(in, size, &strict, &page);
	serve(in, size, &open_policy, NULL);
	answer_path(in, size);
	free(in);
	return 0;
}
