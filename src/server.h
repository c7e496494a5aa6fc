/*
 * wsserve's engine: listeners, the client list, stdin lines broadcast to
 * every open client, received messages to stdout, signals and shutdown.
 * Reads its configuration only; returns an exit status.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "display.h"
#include "handshake.h"
#include "record.h"
#include "tls.h"

#define SERVER_MAX_LISTENERS 16
#define SERVER_GRACE_TIMEOUT 5.0      /* signal -> clients' close replies */
#define SERVER_OUT_HIGH (1024 * 1024) /* stdout bytes: stop reading peers */
#define SERVER_REFUSAL_CLASSES 8      /* reasons rate-limited apart */
#define SERVER_REFUSAL_INTERVAL 1.0   /* one line per reason that often */

struct server_config {
	const char *const *addresses; /* -a; empty with -U alone */
	size_t naddresses;
	const char *const *unix_paths; /* -U: Unix sockets */
	size_t nunix;
	unsigned unix_mode; /* --unix-mode: their files' permissions */
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
	struct handshake_policy policy; /* --subprotocol, --origin, --auth;
					 * the server adds hosts and ports */
	const char *const *allow_hosts; /* --allow-host: names besides ours */
	size_t nallow_hosts;
	const char *const *trust_proxies; /* --trust-proxy: ADDR[/BITS] or
					   * "unix" (checked by cmd/) */
	size_t ntrust_proxies;
	struct tls_server_opts tls; /* --cert, --key, --client-ca */
	bool use_tls;
	struct display_opts term; /* stdout and stdin at a terminal */
	struct record_opts rec;	  /* -0, -b, --whole, --jsonl, --ids */
	char *const *exec;	  /* --exec CMD ARG...: NULL-ended, or NULL */
	size_t nexec;
	const char *const *passenv; /* --passenv names */
	size_t npassenv;
	double close_grace; /* --close-grace: client gone -> SIGTERM */
};

/* Runs until a signal, or stdin EOF with exit_on_eof.  Returns an exit
 * status from exitcode.h.
 *
 * The Host names it answers to: localhost, 127.0.0.1, [::1], each address
 * it listens on (as given and as bound), on a wildcard address every
 * interface address and the host name, and allow_hosts.  Refusals by that
 * policy (401, 403) are logged at most once per SERVER_REFUSAL_INTERVAL
 * for each status and reason, then the count of those not logged. */
int server_run(const struct server_config *cfg);

#endif
