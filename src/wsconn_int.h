/*
 * The inside of struct wsconn, shared by src/wsconn.c (the state machine
 * and the public API) and src/wsconn_open.c (how a connection gets open:
 * the TLS step and the HTTP upgrade).  Nothing else includes this.
 */
#ifndef WSCONN_INT_H
#define WSCONN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "buf.h"
#include "handshake.h"
#include "log.h"
#include "net.h"
#include "pmd.h"
#include "proxy.h"
#include "session.h"
#include "transport.h"
#include "wsconn.h"

#define HTTP_READ_CHUNK 4096 /* bytes per read during the upgrade */
/* The head, and one read past its limit (upgrade then refuses it). */
#define HTTP_IN_MAX (HANDSHAKE_MAX_HEAD + HTTP_READ_CHUNK)
/* Our request, the 101, an error answer or the page. */
#define HTTP_OUT_MAX (256 * 1024)

enum wsconn_state {
	WSCONN_PROXY,	  /* client: the tunnel through a proxy */
	WSCONN_TLS,	  /* TLS handshake in progress */
	WSCONN_HANDSHAKE, /* HTTP upgrade in progress */
	WSCONN_REFUSING,  /* writing an HTTP answer, then closing */
	WSCONN_OPEN,
	WSCONN_CLOSING, /* close frame queued or received */
	WSCONN_LINGER,	/* finished; reading to the peer's EOF */
	WSCONN_DONE
};

struct wsconn {
	ev_io rio, wio;
	ev_timer timer;
	ev_timer idle;	       /* server: hibernates the open connection */
	ev_tstamp last_active; /* the last event or call that used it */
	struct ev_loop *loop;
	enum wsconn_state state;
	struct transport *t; /* owned */
	struct session *s;   /* owned; NULL until open, and while an open
			      * server connection hibernates (wsconn.c) */
	bool opened;	     /* got past the opening handshake */
	struct buf http_in;  /* the head being read; owned */
	struct buf http_out; /* request or answer to write; owned */
	const struct wsconn_config *cfg;
	const struct wsconn_callbacks *cb;
	void *arg;
	bool paused;	       /* owner stopped reading (slow stdout) */
	bool above;	       /* queue passed WSCONN_HIGH */
	bool ended;	       /* on_end delivered */
	bool aborted;	       /* closed at once by wsconn_abort or keepalive */
	bool in_recv;	       /* inside session_recv: defer progress */
	ev_tstamp last_rx;     /* last bytes from the peer */
	ev_tstamp ping_sent;   /* unanswered ping, or 0 */
	ev_tstamp above_since; /* when the queue passed WSCONN_HIGH */
	char key[HANDSHAKE_KEY_LEN + 1]; /* client: the key we sent */
	char peer[NET_ADDRSTRLEN];
	char protocol[HANDSHAKE_MAX_PROTOCOL]; /* the subprotocol, or "" */
	struct pmd deflate;		       /* permessage-deflate agreed */
	struct zdeflate *tx; /* ... our compressor: the server's pool's, or
			      * the client's own (owned) */
	struct proxy_socks *socks; /* a SOCKS proxy's exchange; owned */
	char *request;		   /* keep_request: the request head; owned */
	char *location;		   /* client: a redirect's Location; owned */
	size_t request_len;
	enum wsconn_end end;
	int http_status;       /* refused: the HTTP status */
	char err[LOG_ERR_MAX]; /* why it ended, when not CLOSED */
};

/* Ends the connection with end; on_end follows from the loop callback. */
void wsconn_finish(struct wsconn *c, enum wsconn_end end);
/* Ends it with end once the peer's EOF (or a timer) says all it sent has
 * arrived: the server shuts its side first, and a close() with unread
 * input would send RST over what we sent last. */
void wsconn_linger(struct wsconn *c, enum wsconn_end end);
/* Ends it after an I/O failure: reported as TLS over a failed TLS. */
void wsconn_finish_lost(struct wsconn *c);
/* The upgrade is done, with permessage-deflate as pm says: the session
 * starts with the bytes of http_in past head_len. */
void wsconn_start_session(struct wsconn *c, size_t head_len,
    const struct pmd *pm);

/* wsconn_open.c: the tunnel through cfg->proxy (started, then a step at
 * each readiness), the TLS handshake step, the start of the HTTP upgrade
 * (the client sends its request), a read during the upgrade, and a
 * refusal (the server writes the answer in http_out, then closes). */
void wsconn_open_proxy(struct wsconn *c);
void wsconn_open_proxy_step(struct wsconn *c);
void wsconn_open_tls(struct wsconn *c);
void wsconn_open_http(struct wsconn *c);
void wsconn_open_read(struct wsconn *c);
void wsconn_open_refuse(struct wsconn *c, int status, const char *why);

#endif
