/*
 * One step of the opening handshake: find the head, hand it to
 * src/handshake, build the answer (or src/page's).
 */
#include <stdio.h>
#include <string.h>

#include "upgrade.h"

static enum upgrade_status
refused(struct upgrade_result *r, int status, const char *why)
{
	r->http_status = status;
	snprintf(r->why, sizeof(r->why), "%s", why);
	return UPGRADE_REFUSED;
}

/* HTTP methods are upper-case tokens. */
static bool
is_method_char(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

/* The head's length, 0 while incomplete; -1 after refusing. */
static ssize_t
head_len(const char *in, size_t len, struct upgrade_result *r)
{
	ssize_t n = handshake_head_len(in, len, HANDSHAKE_MAX_HEAD);

	if (n == -1) {
		snprintf(r->why, sizeof(r->why),
		    "HTTP head larger than %d "
		    "bytes",
		    HANDSHAKE_MAX_HEAD);
		r->http_status = 431;
	}
	return n;
}

/* Appends the error answer, or fails it as having none. */
static enum upgrade_status
refuse_answered(struct buf *out, struct upgrade_result *r)
{
	/* out is empty and bounded well above an error answer. */
	if (handshake_build_error(out, r->http_status, r->why, false) == -1)
		r->http_status = 0;
	return UPGRADE_REFUSED;
}

enum upgrade_status
upgrade_server(const char *in, size_t len, const struct handshake_policy *pol,
    const struct page *page, struct buf *out, struct upgrade_result *r)
{
	struct handshake_request req;
	const char *protocol = NULL;
	char deflate[PMD_ANSWER_MAX];
	bool head;
	ssize_t n;
	int status;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return UPGRADE_MORE;
	/* Fail at once what can never become a request: a TLS hello (0x16)
	 * waits in vain for CRLFCRLF until the timeout otherwise. */
	if (!is_method_char(in[0])) {
		refused(r, 400,
		    in[0] == 0x16 ? "a TLS handshake on a plain "
				    "ws:// port" :
				    "not an HTTP request");
		return refuse_answered(out, r);
	}
	if ((n = head_len(in, len, r)) == -1)
		return refuse_answered(out, r);
	if (n == 0)
		return UPGRADE_MORE;
	/* A load balancer's health check says nothing of ours: no policy,
	 * and whatever HTTP/1.x it speaks. */
	if (page_is_health(in, n, &head)) {
		snprintf(r->why, sizeof(r->why), PAGE_HEALTH_WHY);
		if ((r->http_status = page_health(out, head)) == -1)
			return refused(r, 0, "answer too large");
		return UPGRADE_ANSWERED;
	}
	status = handshake_parse_request(in, n, &req, r->why, sizeof(r->why));
	/* The page answers to the same hosts, origins and users as the
	 * WebSocket does. */
	if (status == 426 && req.plain) {
		if ((status = policy_check_access(&req, pol, r->why,
			 sizeof(r->why))) != 0) {
			r->http_status = status;
			return refuse_answered(out, r);
		}
		snprintf(r->why, sizeof(r->why), "%s %.*s",
		    req.head ? "HEAD" : "GET",
		    (int)(req.path.n > 100 ? 100 : req.path.n), req.path.p);
		r->http_status = page_answer(out, page, req.path.p, req.path.n,
		    req.head);
		if (r->http_status == -1)
			return refused(r, 0, "answer too large");
		return UPGRADE_ANSWERED;
	}
	if (status == 0)
		status = handshake_check_policy(&req, pol, &protocol, r->why,
		    sizeof(r->why));
	if (status != 0) {
		r->http_status = status;
		return refuse_answered(out, r);
	}
	if (pol->deflate)
		pmd_accept(req.extensions, req.nextensions, &r->deflate,
		    deflate);
	if (handshake_build_response(out, &req, protocol,
		r->deflate.on ? deflate : NULL) == -1) {
		refused(r, 400, "request cannot be answered");
		return refuse_answered(out, r);
	}
	snprintf(r->protocol, sizeof(r->protocol), "%s",
	    protocol ? protocol : "");
	r->head_len = n;
	return UPGRADE_OPEN;
}

int
upgrade_client_request(struct buf *out, const struct handshake_client *hs,
    char key[HANDSHAKE_KEY_LEN + 1])
{
	if (handshake_new_key(key) == -1)
		return -1;
	return handshake_build_request(out, hs, key);
}

/* A TLS record, an alert (0x15) or a handshake (0x16) of major version
 * 3: the server speaks TLS.  1, 0 when it is none, -1 while one byte
 * cannot tell. */
static int
tls_record(const char *in, size_t len)
{
	if (in[0] != 0x15 && in[0] != 0x16)
		return 0;
	if (len < 2)
		return -1;
	return in[1] == 0x03;
}

/* A refusal's reason, with the first line of its body when that came
 * with the head (not for a redirect: its Location says more). */
static void
add_body_line(const char *in, size_t len, size_t head, struct upgrade_result *r)
{
	char line[UPGRADE_WHY_MAX];
	size_t n = strlen(r->why);

	if (r->http_status == 101 ||
	    (r->http_status >= 300 && r->http_status <= 399) ||
	    !handshake_body_line(in, head, in + head, len - head, line,
		sizeof(line)))
		return;
	snprintf(r->why + n, sizeof(r->why) - n, ": %s", line);
}

enum upgrade_status
upgrade_client(const char *in, size_t len, const struct handshake_client *hs,
    const char *key, struct upgrade_result *r)
{
	ssize_t n;
	int tls;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return UPGRADE_MORE;
	if ((tls = tls_record(in, len)) != 0) {
		if (tls == -1)
			return UPGRADE_MORE;
		return refused(r, 0, "the server speaks TLS; use wss://");
	}
	if ((n = head_len(in, len, r)) == -1) {
		r->http_status = 0; /* not the server's status */
		return UPGRADE_REFUSED;
	}
	if (n == 0)
		return UPGRADE_MORE;
	r->head_len = n;
	if (handshake_parse_response(in, n, hs, key, &r->http_status,
		r->protocol, &r->deflate, r->why, sizeof(r->why)) == -1) {
		add_body_line(in, len, n, r);
		return UPGRADE_REFUSED;
	}
	return UPGRADE_OPEN;
}
