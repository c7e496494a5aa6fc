/*
 * wscat's engine: URL -> resolve -> connect -> handshake -> session, with
 * stdin lines out as messages and messages out to stdout.  Reads its
 * configuration only; returns an exit status from exitcode.h.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "display.h"
#include "handshake.h"
#include "record.h"
#include "tls.h"
#include "url.h"

#define CLIENT_GRACE_TIMEOUT 5.0      /* signal -> close reply */
#define CLIENT_OUT_HIGH (1024 * 1024) /* stdout bytes: stop reading */

struct client_config {
	const char *url_text; /* as given, password masked: for messages */
	struct url url;
	struct handshake_client hs; /* its strings point into url/argv */
	const char *const *execute; /* -x messages; stdin unused if any */
	size_t nexecute;
	char *const *exec; /* --exec CMD ARG...: NULL-ended, or NULL */
	size_t nexec;
	double close_grace;    /* --close-grace: server gone -> SIGTERM */
	const char *unix_path; /* --unix, or NULL: the URL's, if any */
	const char *proxy;     /* --proxy URL ("": none), or NULL: the
				* environment's (src/proxy) */
	double wait_sec;       /* -w: 0 none, < 0 until server closes */
	size_t count;	       /* -1/--count: 0 for no limit */
	double connect_timeout;
	bool location;		/* -L: follow redirects ... */
	size_t max_redirects;	/* ... this many */
	bool insecure_redirect; /* ... from wss:// to ws:// too */
	bool reconnect;		/* --reconnect after a lost connection */
	size_t reconnect_max;	/* attempts in a row; 0: no limit */
	double reconnect_min;	/* the backoff's first bound, seconds */
	double reconnect_cap;	/* ... and its last */
	size_t max_message;
	double ping_interval; /* 0: no pings */
	double ping_timeout;
	struct display_opts term;   /* stdout and stdin at a terminal */
	struct record_opts rec;	    /* -0, -b, --whole, --jsonl, --ids */
	bool slash;		    /* --slash: commands in a pipe too */
	bool show_pings;	    /* -P: show pings and pongs */
	bool echo;		    /* --echo: send each message back */
	struct tls_client_opts tls; /* for wss:// */
};

int client_run(const struct client_config *cfg);

#endif
