/*
 * wsserve's engine: listeners, the client list, stdin lines broadcast to
 * every open client, received messages to stdout, signals and shutdown.
 * Reads its configuration only; returns an exit status.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "handshake.h"
#include "tls.h"

#define SERVER_MAX_LISTENERS 16
#define SERVER_GRACE_TIMEOUT 5.0      /* signal -> clients' close replies */
#define SERVER_OUT_HIGH (1024 * 1024) /* stdout bytes: stop reading peers */

struct server_config {
	const char *const *addresses; /* -a; never empty */
	size_t naddresses;
	const char *port;
	double handshake_timeout;
	size_t max_message;
	size_t max_clients;   /* more open ones get 503 */
	size_t max_pending;   /* handshakes; the oldest is dropped */
	size_t max_memory;    /* partial messages of all clients */
	double ping_interval; /* 0: no pings */
	double ping_timeout;
	double slow_client_timeout;	/* 0: the slowest sets the pace */
	bool echo;			/* --echo */
	bool exit_on_eof;		/* -E */
	bool no_page;			/* --no-page: 404 for plain GET / */
	struct handshake_policy policy; /* --subprotocol, --origin; no page */
	struct tls_server_opts tls;	/* --cert, --key, --client-ca */
	bool use_tls;
};

/* Runs until a signal, or stdin EOF with exit_on_eof.  Returns an exit
 * status from exitcode.h. */
int server_run(const struct server_config *cfg);

#endif
