/*
 * The HTTP upgrade of one connection, over byte buffers only: the server
 * reads a request and answers 101, the page or an error; the client writes
 * its request and checks the answer.  No I/O and no state beyond the call:
 * the caller accumulates the bytes read and calls again (src/wsconn).
 *
 * Each step returns an enum upgrade_status; a refusal's reason is in the
 * result, for the caller to log once.
 */
#ifndef UPGRADE_H
#define UPGRADE_H

#include <stddef.h>

#include "buf.h"
#include "handshake.h"
#include "policy.h"
#include "page.h"
#include "pmd.h"

#define UPGRADE_WHY_MAX 512 /* a refusal's reason, NUL included */

enum upgrade_status {
	UPGRADE_MORE,	  /* the head is incomplete: read on */
	UPGRADE_OPEN,	  /* done; the session starts at head_len */
	UPGRADE_ANSWERED, /* server: a plain GET or HEAD was answered */
	UPGRADE_REFUSED	  /* refused: why says why */
};

struct upgrade_result {
	size_t head_len; /* OPEN: bytes of the head (frames follow);
			  * client: also REFUSED, when complete */
	int http_status; /* ANSWERED, REFUSED: the status; 0 if none */
	char
	    protocol[HANDSHAKE_MAX_PROTOCOL]; /* OPEN: the subprotocol, or "" */
	char why[UPGRADE_WHY_MAX]; /* REFUSED: the reason; ANSWERED: the
				    * request, e.g. "GET /" */
	struct pmd deflate;	   /* OPEN: permessage-deflate agreed on */
};

/* Server: in holds the bytes read so far.  OPEN and ANSWERED append the
 * answer to out; REFUSED appends the error answer when it has a status.
 * page NULL: plain GETs get 404.  Plain GETs and upgrades alike pass
 * policy_check_access() first (401, 403). */
enum upgrade_status upgrade_server(const char *in, size_t len,
    const struct handshake_policy *pol, const struct page *page,
    struct buf *out, struct upgrade_result *r);

/* Client: a fresh key into key and the request onto out.  0, or -1 when
 * the request cannot be built. */
int upgrade_client_request(struct buf *out, const struct handshake_client *hs,
    char key[HANDSHAKE_KEY_LEN + 1]);

/* Client: in holds the bytes of the answer read so far.  REFUSED for an
 * answer other than a valid 101: the reason from handshake_parse_response,
 * then ": " and the first line of the body when handshake_body_line()
 * finds one in the bytes after the head (not for a 3xx); for a TLS record
 * at the start (0x15 or 0x16, then 0x03), "the server speaks TLS; use
 * wss://", with no status and no head. */
enum upgrade_status upgrade_client(const char *in, size_t len,
    const struct handshake_client *hs, const char *key,
    struct upgrade_result *r);

#endif
