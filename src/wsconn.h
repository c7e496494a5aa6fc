/*
 * One WebSocket connection on libev, server or client role: the glue
 * between src/transport (the byte stream), src/upgrade (the HTTP upgrade)
 * and src/session (wslay), and the state machine with its watchers and
 * timer.  It knows nothing of stdin, stdout or other connections: the
 * owner gets messages through callbacks and decides what happens next.
 *
 * Lifetime: wsconn_new() takes the fd.  on_end is called exactly once, from
 * a libev callback and never from inside a call the owner made; the owner
 * then calls wsconn_free() (there or later).
 *
 * Closing: wsconn_close() sends the close frame only after everything
 * already queued has gone out, and the close handshake, the server closing
 * TCP first, then reading to EOF all run under bounded timers.
 */
#ifndef WSCONN_H
#define WSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>
#include <wslay/wslay.h> /* opcodes: WSLAY_TEXT_FRAME, ... */

#include "handshake.h"
#include "page.h"
#include "session.h"

#define WSCONN_HIGH SESSION_HIGH  /* queued bytes: owner stops feeding */
#define WSCONN_LOW SESSION_LOW	  /* ... and resumes below this */
#define WSCONN_CLOSE_TIMEOUT 5.0  /* close frame sent -> peer's reply */
#define WSCONN_LINGER_TIMEOUT 2.0 /* close done -> peer's TCP EOF */
#define WSCONN_HIBERNATE_AFTER                    \
	1.0 /* idle open server connection -> its \
	     * session is freed (wsconn.c) */

enum wsconn_role { WSCONN_SERVER, WSCONN_CLIENT };

enum wsconn_end {
	WSCONN_END_CLOSED,  /* close handshake completed */
	WSCONN_END_REFUSED, /* opening handshake refused, either way */
	WSCONN_END_FAILED,  /* we failed it: a protocol error */
	WSCONN_END_LOST,    /* EOF or I/O error without a close frame */
	WSCONN_END_TIMEOUT, /* opening or closing handshake timed out */
	WSCONN_END_DROPPED, /* the owner closed it before it opened */
	WSCONN_END_TLS	    /* TLS failed: handshake, verification, I/O */
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
	/* Server role, optional: a valid upgrade request arrived (its
	 * subprotocol and, with keep_request, its head are known).  0 to
	 * accept it, or an HTTP status to refuse it with (*why says why). */
	int (*on_request)(struct wsconn *c, const char **why, void *arg);
	/* Optional: a ping (answered already) or a pong from the peer. */
	void (*on_control)(struct wsconn *c, int opcode, const uint8_t *data,
	    size_t len, void *arg);
};

struct wsconn_config {
	enum wsconn_role role;
	double handshake_timeout; /* 0: the owner bounds it */
	size_t max_message;
	double ping_interval;		       /* 0: no pings */
	double ping_timeout;		       /* answer time for a ping */
	const struct handshake_policy *policy; /* server role */
	const struct page *page; /* server: NULL for 404 at GET / */
	const struct handshake_client *client; /* client role */
	struct budget *budget;	   /* partial messages; NULL: none */
	struct zpool *deflaters;   /* server: compressors for permessage-deflate
				    * (src/deflate), NULL when it is off;
				    * the client's offer is client->deflate */
	SSL_CTX *tls;		   /* NULL for plain TCP */
	const char *tls_host;	   /* client: SNI and name to verify */
	const struct proxy *proxy; /* client: the fd is connected to this
				    * proxy (src/proxy), or NULL */
	const char *target_host;   /* ... and the tunnel goes to this host */
	const char *target_port;   /* ... and port */
	bool keep_request;	   /* server: keep the request head for the
				    * owner, until it is open */
};

/* Takes over fd (connected, non-blocking) and starts the handshake: the
 * server waits for a request, the client sends one.  cfg, cb and peer's
 * copy live as long as the connection.  NULL if out of memory (fd is then
 * closed). */
struct wsconn *wsconn_new(struct ev_loop *loop, int fd, const char *peer,
    const struct wsconn_config *cfg, const struct wsconn_callbacks *cb,
    void *arg);

/* Stops everything, closes the fd, frees all.  NULL is fine. */
void wsconn_free(struct wsconn *c);

/* Queues a message (copied).  Only while open; call wsconn_flush() after a
 * batch.  0, or -1 when not open or out of memory. */
int wsconn_send(struct wsconn *c, int opcode, const void *p, size_t n);

struct chunk;

/* Queues a message the owner encoded (src/frame) as the bytes [off,
 * off + n) of ch, by reference: a broadcast, encoded once.  Server
 * connections only; 0 or -1 as wsconn_send. */
int wsconn_send_encoded(struct wsconn *c, struct chunk *ch, size_t off,
    size_t n);

/* Encodes and writes what is queued, as far as the socket takes it. */
void wsconn_flush(struct wsconn *c);

/* Starts a graceful close with code (after the queue drains).  Before the
 * connection is open it is dropped instead. */
void wsconn_close(struct wsconn *c, uint16_t code);
/* The same with a reason: UTF-8 of at most SESSION_REASON_MAX bytes (the
 * caller checks), or NULL. */
void wsconn_close_reason(struct wsconn *c, uint16_t code, const char *reason);

/* Queues a ping or pong (WSLAY_PING, WSLAY_PONG) with at most
 * SESSION_CONTROL_MAX bytes of payload, ahead of the messages; call
 * wsconn_flush() after.  0, or -1 when not open, too long or out of
 * memory. */
int wsconn_control(struct wsconn *c, int opcode, const void *p, size_t n);

/* Closes with code at once: what is still queued is dropped (and counted
 * by wsconn_undelivered), why is kept as the reason.  Before the
 * connection is open it is dropped. */
void wsconn_abort(struct wsconn *c, uint16_t code, const char *why);

/* Stops or resumes reading from the peer (receive backpressure). */
void wsconn_pause(struct wsconn *c, bool pause);

/* Open and not closing: messages can be sent. */
bool wsconn_is_open(const struct wsconn *c);

/* Got past the opening handshake (it may have ended since). */
bool wsconn_opened(const struct wsconn *c);

/* Over WSCONN_HIGH bytes queued: stop feeding until on_writable; since
 * when (loop time). */
bool wsconn_above(const struct wsconn *c);
ev_tstamp wsconn_above_since(const struct wsconn *c);

/* Messages queued and not yet encoded: undelivered if it ends now. */
size_t wsconn_undelivered(const struct wsconn *c);
/* During on_message: the chunk the message lies in, which the owner may
 * keep (src/outq) instead of copying it, or NULL (session.h). */
struct chunk *wsconn_message_chunk(const struct wsconn *c);

/* Bytes queued, encoded or not, and not yet written. */
size_t wsconn_queued_bytes(const struct wsconn *c);

/* "127.0.0.1:5123" or "[::1]:5123". */
const char *wsconn_peer(const struct wsconn *c);
/* Names the peer otherwise from now on: the client a trusted proxy
 * forwarded it for. */
void wsconn_set_peer(struct wsconn *c, const char *peer);
/* Server with keep_request, from on_request until on_open returns: the
 * request head as received, up to its empty line (handshake_parse_request
 * reads it); NULL before and after. */
const char *wsconn_request(const struct wsconn *c, size_t *len);
/* Once open: the subprotocol agreed on, or "". */
const char *wsconn_protocol(const struct wsconn *c);
/* Once open: the compressor of messages to this peer, or NULL: a server's
 * broadcast is compressed once for all peers that share one. */
struct zdeflate *wsconn_deflater(const struct wsconn *c);

/* After on_end: how it ended, the peer's close code (1005 when the close
 * had none), and the reason it ended when not CLOSED. */
enum wsconn_end wsconn_end(const struct wsconn *c);
uint16_t wsconn_code_received(const struct wsconn *c);
/* ... and its reason: UTF-8, raw (escape it to show it), or "". */
const char *wsconn_reason_received(const struct wsconn *c);
const char *wsconn_error(const struct wsconn *c);
/* After on_end REFUSED: the HTTP status answered (0 for none). */
int wsconn_http_status(const struct wsconn *c);
#define WSCONN_LOCATION_MAX 4096
/* ... and when it was a redirect, its Location as sent (at most
 * WSCONN_LOCATION_MAX bytes; a header value, so without CR or LF), or
 * NULL. */
const char *wsconn_location(const struct wsconn *c);

/* After on_end, when the owner keeps c (for its accessors) a while: the
 * peer sees the TCP connection end now. */
void wsconn_shutdown(struct wsconn *c);
/* After on_end of an opened connection, the close code that tells how it
 * ended: the peer's (CLOSED), ours when we failed it (1007...), else
 * 1006 as browsers say it; *reason the peer's reason (raw UTF-8) or
 * why it ended. */
uint16_t wsconn_end_code(const struct wsconn *c, const char **reason);
/* A one-line description of how it ended, e.g. "1000 \"bye\"". */
void wsconn_describe_end(const struct wsconn *c, char *out, size_t outlen);

#endif
