/*
 * libFuzzer target: the client side of the opening handshake.  The input
 * is the server's answer: handshake_parse_response gets the head found in
 * it (as wsconn passes it) and also the whole input, both in exact-size
 * copies, for a client that offered 2 subprotocols and one that offered
 * none, with the fixed key of RFC 6455 section 1.3.
 *
 * Invariants checked (abort() when broken): on success the status is 101
 * and the chosen subprotocol is "" or one that was offered; on failure the
 * reason is a NUL-terminated string.  upgrade_client, given the whole
 * input as wsconn gives it what it has read, must agree: MORE while the
 * head is incomplete, REFUSED with no status past HANDSHAKE_MAX_HEAD, otherwise
 * head_len is the head's length and it opens exactly when
 * handshake_parse_response accepts the head, with the same subprotocol.
 * Input that starts as a TLS record (0x15 or 0x16, then 0x03) is REFUSED
 * at once, with no status and no head (MORE while it is one such byte).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"
#include "pmd.h"
#include "upgrade.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="

static const char *const protocols[] = { "chat", "superchat" };
static const struct handshake_client with_protocols = { "/chat",
	"server.example.com", NULL, NULL, protocols, 2, NULL, 0 };
static const struct handshake_client without_protocols = { "/", "h", NULL, NULL,
	NULL, 0, NULL, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *head, size_t len, const struct handshake_client *cl)
{
	char protocol[HANDSHAKE_MAX_PROTOCOL], err[256];
	struct pmd pm;
	char *copy = malloc(len ? len : 1);
	int status = -2, r;

	memcpy(copy, head, len);
	memset(protocol, 'x', sizeof(protocol));
	memset(err, 'x', sizeof(err));
	r = handshake_parse_response(copy, len, cl, KEY, &status, protocol, &pm,
	    err, sizeof(err));
	if (r == 0) {
		bool offered = protocol[0] == '\0' && cl->nprotocols == 0;

		for (size_t i = 0; i < cl->nprotocols; i++)
			offered |= strcmp(protocol, cl->protocols[i]) == 0;
		if (status != 101 || !offered) {
			fprintf(stderr, "accepted %d with '%.*s'\n", status,
			    HANDSHAKE_MAX_PROTOCOL, protocol);
			abort();
		}
	} else if (r != -1 || memchr(err, '\0', sizeof(err)) == NULL ||
	    protocol[0] != '\0' || status < 0) {
		fprintf(stderr, "bad failure result %d\n", r);
		abort();
	}
	free(copy);
}

/* upgrade_client on the whole input, against handshake_parse_response
 * on the head. */
static void
check_upgrade(const char *p, size_t size, ssize_t len,
    const struct handshake_client *cl)
{
	char protocol[HANDSHAKE_MAX_PROTOCOL], err[256];
	struct pmd pm;
	struct upgrade_result r;
	enum upgrade_status st;
	char *copy = malloc(size ? size : 1);
	int status, want;

	memcpy(copy, p, size);
	st = upgrade_client(copy, size, cl, KEY, &r);
	if (size > 0 && (p[0] == 0x15 || p[0] == 0x16) &&
	    (size == 1 || p[1] == 0x03)) {
		if (size == 1 ? st == UPGRADE_MORE :
				(st == UPGRADE_REFUSED && r.http_status == 0 &&
				    r.head_len == 0 && r.why[0] != '\0'))
			goto done;
		fprintf(stderr, "upgrade_client: %d for a TLS record\n", st);
		abort();
	}
	if (len == 0 && st == UPGRADE_MORE)
		goto done;
	if (len == -1 && st == UPGRADE_REFUSED && r.http_status == 0 &&
	    memchr(r.why, '\0', sizeof(r.why)) != NULL && r.why[0] != '\0')
		goto done;
	if (len <= 0 || r.head_len != (size_t)len) {
		fprintf(stderr,
		    "upgrade_client: %d, head_len %zu for a head "
		    "of %zd\n",
		    st, r.head_len, len);
		abort();
	}
	want = handshake_parse_response(copy, len, cl, KEY, &status, protocol,
	    &pm, err, sizeof(err));
	if ((want == 0) != (st == UPGRADE_OPEN) || st == UPGRADE_MORE ||
	    r.http_status != status ||
	    (st == UPGRADE_OPEN && strcmp(r.protocol, protocol) != 0) ||
	    memchr(r.why, '\0', sizeof(r.why)) == NULL) {
		fprintf(stderr,
		    "upgrade_client: %d, status %d; "
		    "handshake_parse_response: %d, status %d\n",
		    st, r.http_status, want, status);
		abort();
	}
done:
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	ssize_t len = handshake_head_len(p, size, HANDSHAKE_MAX_HEAD);

	if (len < -1 ||
	    (len > 0 &&
		((size_t)len > size || len < 4 ||
		    memcmp(p + len - 4, "\r\n\r\n", 4) != 0)))
		abort();
	if (len > 0) {
		check(p, len, &with_protocols);
		check(p, len, &without_protocols);
	}
	if (size <= HANDSHAKE_MAX_HEAD) {
		check(p, size, &with_protocols);
		check(p, size, &without_protocols);
	}
	check_upgrade(p, size, len, &with_protocols);
	check_upgrade(p, size, len, &without_protocols);
	return 0;
}
