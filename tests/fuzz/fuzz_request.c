/*
 * libFuzzer target: the server side of the opening handshake.  The input is
 * what a client sends; the head found in it goes through the same calls
 * wsconn makes (parse, policy, the 101 or an error answer, or the page for a
 * plain GET), under a strict policy (2 subprotocols, 1 origin, the page) and
 * an open one (none of them).  Never crashes, leaks or reads past the head.
 *
 * Invariants checked (abort() when broken):
 *   - handshake_head_len agrees with a plain reading of its contract (the
 *     first CRLFCRLF, within max; -1 once max bytes pass without one);
 *   - a request answered with 101 yields a 101 that handshake_parse_response
 *     accepts for the same key and the chosen subprotocol (round trip).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "handshake.h"
#include "log.h"
#include "page.h"

static const char *const protocols[] = { "chat", "superchat" };
static const char *const origins[] = { "https://example.com" };
static struct hs_page page;
static struct hs_policy strict = { protocols, 2, origins, 1, &page };
static const struct hs_policy open_policy = { NULL, 0, NULL, 0, NULL };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
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
		fprintf(stderr, "handshake_head_len(%zu bytes, max %zu) = %zd, "
		    "want %zd\n", n, max, got, want);
		abort();
	}
}

/* The 101 we build must satisfy our own client for the same key. */
static void
round_trip(const struct buf *out, const struct hs_request *req,
    const char *protocol)
{
	char key[HS_KEY_LEN + 1], chosen[HS_MAX_PROTOCOL], err[256];
	const char *const offered[] = { protocol };
	struct hs_client cl = { "/", "h", NULL, NULL, offered,
	    protocol ? 1 : 0, NULL, 0 };
	ssize_t n;
	char *copy;
	int status;

	if (req->key.n != HS_KEY_LEN)
		abort();	/* validated: 24 characters */
	memcpy(key, req->key.p, HS_KEY_LEN);
	key[HS_KEY_LEN] = '\0';
	n = handshake_head_len(buf_head(out), buf_used(out), HS_MAX_HEAD);
	if (n <= 0 || (size_t)n != buf_used(out)) {
		fprintf(stderr, "101 answer is not one head\n");
		abort();
	}
	copy = malloc(n);
	memcpy(copy, buf_head(out), n);
	if (handshake_parse_response(copy, n, &cl, key, &status, chosen, err,
	    sizeof(err)) != 0 || status != 101 ||
	    strcmp(chosen, protocol ? protocol : "") != 0) {
		fprintf(stderr, "our 101 fails our client: %s\n", err);
		abort();
	}
	free(copy);
}

static void
serve(const char *head, size_t len, const struct hs_policy *pol)
{
	struct hs_request req;
	const char *protocol = NULL;
	char why[160];
	struct buf out;
	int status;

	buf_init(&out, 1 << 20);
	status = handshake_parse_request(head, len, &req, why, sizeof(why));
	if (status == 426 && req.plain) {
		status = handshake_plain(&out, &req, pol);
		if (status != 200 && status != 404 && status != -1)
			abort();
		goto done;
	}
	if (status == 0)
		status = handshake_check_policy(&req, pol, &protocol, why,
		    sizeof(why));
	if (status == 0) {
		if (handshake_build_response(&out, &req, protocol) == 0)
			round_trip(&out, &req, protocol);
		goto done;
	}
	if (status != 400 && status != 403 && status != 405 &&
	    status != 426) {
		fprintf(stderr, "unexpected status %d\n", status);
		abort();
	}
	if (memchr(why, '\0', sizeof(why)) == NULL)
		abort();
	handshake_build_error(&out, status, why);
done:
	buf_deinit(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	ssize_t len;
	char *head;

	check_head_len(p, size, HS_MAX_HEAD);
	check_head_len(p, size, 64);	/* a small max too */
	len = handshake_head_len(p, size, HS_MAX_HEAD);
	if (len <= 0)
		return 0;
	/* Exactly the head, so that ASan sees any read beyond it. */
	head = malloc(len);
	memcpy(head, p, len);
	serve(head, len, &strict);
	serve(head, len, &open_policy);
	free(head);
	return 0;
}
