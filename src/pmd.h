/*
 * permessage-deflate (RFC 7692) negotiation as pure functions over header
 * values: the server picks an offer and words its answer, the client
 * checks the answer to its offer.  The compression itself is src/deflate.
 *
 * wsserve always answers with server_no_context_takeover and
 * client_no_context_takeover: its compressors are shared and reset per
 * message (a broadcast is compressed once for every client that asked for
 * the same window), and a connection keeps no inflate state between
 * messages, so an idle one still hibernates.  wscat offers
 * "permessage-deflate; client_max_window_bits" as browsers do, and takes
 * context takeover whenever the server allows it.
 */
#ifndef PMD_H
#define PMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handshake.h"

#define PMD_OFFER "permessage-deflate; client_max_window_bits"
#define PMD_ANSWER_MAX 128 /* the server's answer, NUL included */

struct pmd {
	bool on;		 /* negotiated */
	bool server_no_takeover; /* the server resets per message */
	bool client_no_takeover; /* the client does */
	uint8_t server_bits;	 /* the server compressor's window, 8-15 */
	uint8_t client_bits;	 /* the client compressor's */
};

/* Server: the first permessage-deflate offer in the n header values that
 * we can honour, as *pm, with our answer's value in answer.  An offer with
 * an unknown, repeated or ill-formed parameter is declined, and so is the
 * rest of a value from where it stops parsing; none left: pm->on is
 * false. */
void pmd_accept(const struct handshake_span *values, size_t n, struct pmd *pm,
    char answer[PMD_ANSWER_MAX]);

/* Client: checks the server's n Sec-WebSocket-Extensions values against
 * what we offered (PMD_OFFER, or nothing when offered is false).  0 with
 * *pm, or -1 with the reason in err. */
int pmd_check_answer(const struct handshake_span *values, size_t n,
    bool offered, struct pmd *pm, char *err, size_t errlen);

#endif
