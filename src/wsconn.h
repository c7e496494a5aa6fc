/*
 * One WebSocket connection on libev, server or client role: the socket, its
 * watchers and timer, the HTTP upgrade, and the wslay session with buffered
 * output (one write(2) carries many frames).  It knows nothing of stdin,
 * stdout or other connections: the owner gets messages through callbacks
 * and decides what happens next.
 *
 * Lifetime: wsconn_new() takes the fd.  on_end is called exactly once, from
 * a libev callback and never from inside a call the owner made; the owner
 * then calls wsconn_free() (there or later).  The fields below the line in
 * struct wsconn are read-only results for the owner.
 *
 * Closing: wsconn_close() sends the close frame only after everything
 * already queued has gone out (a queued close would make wslay drop it), and
 * the close handshake, the server closing TCP first, then reading to EOF all
 * run under bounded timers.
 *
 * Replies made while a message is being received (an echo) are encoded at
 * once, past WSCONN_OUT_SOFT if need be, and reading stops while more than
 * WSCONN_HIGH encoded bytes wait: so a close frame the peer sends after its
 * messages is answered only after the replies to them, which wslay would
 * otherwise drop by sending its close reply first.
 */
#ifndef WSCONN_H
#define WSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <ev.h>
#include <wslay/wslay.h>

#include "buf.h"
#include "framescan.h"
#include "handshake.h"
#include "net.h"
#include "tls.h"

#define WSCONN_OUT_SOFT (256 * 1024)	/* encoded bytes: stop encoding */
#define WSCONN_HIGH (1024 * 1024)	/* queued bytes: owner stops feeding */
#define WSCONN_LOW (256 * 1024)		/* ... and resumes below this */
#define WSCONN_CLOSE_TIMEOUT 5.0	/* close frame sent -> peer's reply */
#define WSCONN_LINGER_TIMEOUT 2.0	/* close done -> peer's TCP EOF */

enum wsconn_role { WSCONN_SERVER, WSCONN_CLIENT };

enum wsconn_state {
	WSCONN_TLS,		/* TLS handshake in progress */
	WSCONN_HANDSHAKE,	/* HTTP upgrade in progress */
	WSCONN_REFUSING,	/* writing an HTTP error answer */
	WSCONN_OPEN,
	WSCONN_CLOSING,		/* close frame queued or received */
	WSCONN_LINGER,		/* finished; reading to the peer's EOF */
	WSCONN_DONE
};

enum wsconn_end {
	WSCONN_END_CLOSED,	/* close handshake completed */
	WSCONN_END_REFUSED,	/* opening handshake refused, either way */
	WSCONN_END_FAILED,	/* we failed it: code_sent says why */
	WSCONN_END_LOST,	/* EOF or I/O error without a close frame */
	WSCONN_END_TIMEOUT,	/* opening or closing handshake timed out */
	WSCONN_END_DROPPED,	/* the owner closed it before it opened */
	WSCONN_END_TLS		/* TLS failed: handshake, verification, I/O */
};

struct wsconn;

struct wsconn_callbacks {
	void (*on_open)(struct wsconn *c, void *arg);
	/* A whole text or binary message; data is valid during the call. */
	void (*on_message)(struct wsconn *c, int opcode, const uint8_t *data,
	    size_t len, void *arg);
	/* The queue fell below WSCONN_LOW after being above WSCONN_HIGH. */
	void (*on_writable)(struct wsconn *c, void *arg);
	void (*on_end)(struct wsconn *c, void *arg);
};

struct wsconn_config {
	enum wsconn_role role;
	double handshake_timeout;	/* 0: the owner bounds it */
	size_t max_message;
	double ping_interval;		/* 0: no pings */
	double ping_timeout;		/* answer time for a ping */
	const struct hs_policy *policy;	/* server role */
	const struct hs_client *client;	/* client role */
	SSL_CTX *tls;			/* NULL for plain TCP */
	const char *tls_host;		/* client: SNI and name to verify */
};

struct wsconn {
	ev_io rio, wio;
	ev_timer timer;
	struct ev_loop *loop;
	int fd;
	enum wsconn_state state;
	wslay_event_context_ptr ctx;	/* owned; NULL until open */
	SSL *ssl;			/* owned; NULL for plain TCP */
	int tls_wait;			/* TLS handshake waits: EV_READ/WRITE */
	bool tls_rd_wants_write;	/* SSL_read needs the socket writable */
	bool tls_wr_wants_read;		/* SSL_write needs it readable */
	bool tls_failed;		/* no close_notify after an error */
	struct buf in;		/* handshake bytes, then frames read ahead */
	struct framescan scan;	/* where frames start in what wslay gets */
	bool in_short;		/* in holds part of a close frame, no more */
	struct buf out;		/* encoded bytes awaiting write(2) */
	const struct wsconn_config *cfg;
	const struct wsconn_callbacks *cb;
	void *arg;
	uint16_t close_code;	/* to send once the queue has drained */
	bool paused;		/* owner stopped reading (slow stdout) */
	bool eof;		/* read(2) returned 0 */
	bool above;		/* queue passed WSCONN_HIGH */
	bool ended;		/* on_end delivered */
	bool close_queued;	/* we queued a close frame */
	bool aborted;		/* closed at once by wsconn_abort or keepalive */
	ev_tstamp last_rx;	/* last bytes from the peer */
	ev_tstamp ping_sent;	/* unanswered ping, or 0 */
	ev_tstamp above_since;	/* when the queue passed WSCONN_HIGH */
	int close_off;		/* offset in a close frame's payload, or -1 */
	uint8_t close_hi;	/* its first byte */
	bool in_recv;		/* inside wslay_event_recv: defer progress */
	char key[HS_KEY_LEN + 1];	/* client: the key we sent */
	uint8_t *maskpool;	/* client: random bytes for masks; owned */
	size_t maskpos;		/* next unused byte of maskpool */
	TAILQ_ENTRY(wsconn) link;	/* free for the owner's list */
	/* ---- results, read-only for the owner ---- */
	char peer[NET_ADDRSTRLEN];
	enum wsconn_end end;
	int http_status;		/* refused: the HTTP status */
	uint16_t code_received;		/* 1005 when the close had none */
	uint16_t code_sent;
	char reason[124];		/* peer's close reason, NUL-ended */
	char err[192];			/* why it ended, when not CLOSED */
};

/* Takes over fd (connected, non-blocking) and starts the handshake: the
 * server waits for a request, the client sends one.  NULL if out of
 * memory (fd is then closed). */
struct wsconn *wsconn_new(struct ev_loop *loop, int fd, const char *peer,
    const struct wsconn_config *cfg, const struct wsconn_callbacks *cb,
    void *arg);

/* Stops everything, closes the fd, frees all.  NULL is fine. */
void wsconn_free(struct wsconn *c);

/* Queues a message (copied).  Only while open; call wsconn_flush() after a
 * batch.  0, or -1 when not open or out of memory. */
int wsconn_send(struct wsconn *c, int opcode, const void *p, size_t n);

/* Encodes and writes what is queued, as far as the socket takes it. */
void wsconn_flush(struct wsconn *c);

/* Starts a graceful close with code (after the queue drains).  Before the
 * connection is open it is dropped instead. */
void wsconn_close(struct wsconn *c, uint16_t code);

/* Closes with code at once: what is still queued is dropped (and counted
 * by wsconn_undelivered), why is kept as the reason.  Before the
 * connection is open it is dropped. */
void wsconn_abort(struct wsconn *c, uint16_t code, const char *why);

/* Server role, before the request is read: answers status (e.g. 503)
 * and closes; over TLS, once the TLS handshake is done.  http_status is
 * set at once. */
void wsconn_reject(struct wsconn *c, int status, const char *why);

/* Stops or resumes reading from the peer (receive backpressure). */
void wsconn_pause(struct wsconn *c, bool pause);

bool wsconn_is_open(const struct wsconn *c);

/* Over WSCONN_HIGH bytes queued: stop feeding until on_writable. */
bool wsconn_above(const struct wsconn *c);

/* Messages queued and not yet encoded: undelivered if it ends now. */
size_t wsconn_undelivered(const struct wsconn *c);

/* A one-line description of how it ended, e.g. "1000 \"bye\"". */
void wsconn_describe_end(const struct wsconn *c, char *out, size_t outlen);

#endif
