/*
 * A WebSocket session over wslay, in either role, with no socket of its
 * own: it reads and writes through the functions its owner gives it, so
 * tests can feed it scripted bytes.  It owns the wslay context, the bytes
 * read ahead, and the encoded output (one write carries many frames).
 *
 * What it adds to wslay 1.1.1:
 * - a close the owner asks for goes out only after everything queued
 *   before it (wslay would send it first and drop the rest);
 * - data frames are parsed and unmasked here, word by word, where they
 *   land (src/session_recv); each control frame reaches wslay whole, so a
 *   close reason split across reads is checked whole;
 * - the IANA close codes 1012-1014 are accepted (wslay answers them with
 *   1002) and reported as received;
 * - data frames are encoded by src/frame straight into the output queue
 *   (src/outq), once for all clients when a server broadcasts; wslay
 *   encodes only control frames.  Replies made while a message is being
 *   received (an echo) are queued at once, and reading stops while more
 *   than SESSION_HIGH bytes wait: so the close a peer sends after its
 *   messages is answered after the replies to them;
 * - client masks come from a pool of random bytes (one getrandom call
 *   per frame costs more than the rest of a small message).
 *
 * Error convention: calls return 0 or -1, or an enum session_result; the
 * reason for an I/O failure is the owner's (its read/write functions keep
 * it); session_describe_failure() words a protocol failure.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define SESSION_HIGH (1024 * 1024) /* queued bytes: owner stops feeding */
#define SESSION_LOW (256 * 1024)   /* ... and resumes below this */
#define SESSION_REASON_MAX 123	   /* close reason bytes (RFC 6455 5.5) */
#define SESSION_CONTROL_MAX 125	   /* ping and pong payload bytes */
#define SESSION_IN_MAX (64 * 1024) /* bytes read ahead or held back */

enum session_role { SESSION_SERVER, SESSION_CLIENT };

/* What the owner's read and write functions return besides a count. */
enum session_io_status {
	SESSION_IO_AGAIN = -1, /* nothing now */
	SESSION_IO_ERR = -2    /* failed; the owner keeps the reason */
};

struct session_io {
	/* Up to n bytes into p: a count, 0 at EOF, or a session_io_status. */
	ssize_t (*read)(void *arg, void *p, size_t n);
	/* Up to the n buffers of iov, in order: a count (> 0) or a
	 * session_io_status. */
	ssize_t (*writev)(void *arg, const struct iovec *iov, int n);
	/* A whole text or binary message; p is valid during the call
	 * (session_message_chunk says whether it may be kept).  It may queue
	 * replies (session_send), nothing else. */
	void (*on_message)(void *arg, int opcode, const uint8_t *p, size_t n);
	/* Optional: a ping (answered already) or a pong, with its payload. */
	void (*on_control)(void *arg, int opcode, const uint8_t *p, size_t n);
};

enum session_result {
	SESSION_OK = 0,
	SESSION_EOF = -1,   /* the stream ended */
	SESSION_IOERR = -2, /* read or write failed */
	SESSION_FAILED = -3 /* a frame-level error (a bad header): an
			     * empty close is queued.  Other protocol
			     * errors (bad UTF-8, a message too big,
			     * an unmasked frame) return SESSION_OK
			     * with reading stopped and a close queued:
			     * session_phase() then says BROKEN once
			     * it is written */
};

enum session_phase {
	SESSION_ACTIVE, /* more to read or write */
	SESSION_CLOSED, /* close handshake complete, output written */
	SESSION_BROKEN	/* failed: nothing more to read, output written */
};

struct session;

/* A session over io, or NULL when out of memory.  max_message bounds a
 * received message (larger ones close with 1009). */
struct session *session_new(enum session_role role, size_t max_message,
    const struct session_io *io, void *arg);

/* Frees the wslay context and the buffers.  NULL is fine. */
void session_free(struct session *s);

/* Bytes that arrived behind the HTTP head: received before any read.
 * 0, or -1 when they do not fit (more than SESSION_IN_MAX). */
int session_feed(struct session *s, const void *p, size_t n);

/* Reads as much as io gives and delivers the messages in it.  One of enum
 * session_result; after anything but SESSION_OK, recv no more. */
int session_recv(struct session *s);

/* Encodes what is queued and writes it, as far as io takes it; queues the
 * close the owner asked for once the queue has drained.  SESSION_OK or
 * SESSION_IOERR. */
int session_flush(struct session *s);

/* Queues a message (copied).  0, or -1 when closing or out of memory. */
int session_send(struct session *s, int opcode, const void *p, size_t n);

struct chunk;

/* Queues one whole message that the owner encoded (src/frame) as the
 * bytes [off, off + n) of chunk c, taking a reference: a server's
 * broadcast, encoded once for every client.  0, or -1 as session_send. */
int session_send_encoded(struct session *s, struct chunk *c, size_t off,
    size_t n);

/* Queues a ping or pong with n <= SESSION_CONTROL_MAX bytes of payload
 * (copied), ahead of the data queue.  0, or -1. */
int session_control(struct session *s, int opcode, const void *p, size_t n);

/* Asks for a close with code and reason (UTF-8 of at most
 * SESSION_REASON_MAX bytes, or NULL) once everything queued is sent. */
void session_close(struct session *s, uint16_t code, const char *reason);

/* Queues a close with code at once: what is still queued is dropped
 * (session_undelivered counts it). */
void session_abort(struct session *s, uint16_t code);

struct budget;

/* Counts the partial message against b (src/budget), shared with other
 * sessions: over it, this session may have to stop reading, and a
 * message larger than b's maximum fails with 1009.  NULL: no budget. */
void session_set_budget(struct session *s, struct budget *b);

struct zdeflate;

/* permessage-deflate was negotiated (src/pmd): our messages of
 * DEFLATE_MIN bytes or more are compressed by tx (which the owner keeps),
 * and the peer may send compressed ones, with its window carried over
 * when rx_takeover.  A compressed message is inflated as it arrives and
 * bounded by max_message (and the budget) after inflation, and by
 * max_message before. */
void session_set_deflate(struct session *s, struct zdeflate *tx,
    bool rx_takeover);

/* Stops (or resumes) reading: session_recv then reads nothing. */
void session_pause(struct session *s, bool pause);

/* Whether the owner should wait for readability (wslay reads on and the
 * output is not above SESSION_HIGH) or writability. */
bool session_want_read(const struct session *s);
bool session_want_write(const struct session *s);

/* Nothing partly received (not even a frame header), nothing queued or
 * read ahead, no close under way, not paused: the session could be freed
 * and a new one would carry on the same. */
bool session_idle(const struct session *s);

/* Frames read ahead that session_recv can take without the socket. */
bool session_has_readahead(const struct session *s);

enum session_phase session_phase(const struct session *s);

/* A close was requested and is waiting for the queue to drain. */
bool session_close_pending(const struct session *s);
/* A close frame was queued, sent or received. */
bool session_closing(const struct session *s);
bool session_close_received(const struct session *s);

/* The peer's close code (1005 when it had none, 0 before a close) and
 * reason (NUL-ended, at most SESSION_REASON_MAX bytes). */
uint16_t session_code_received(const struct session *s);
const char *session_reason(const struct session *s);
/* The code of the close we queued, or else of the one wslay sent (wslay
 * knows the code of its own close only once it is written: ask after
 * session_flush); 0 for none or an empty one. */
uint16_t session_code_sent(const struct session *s);

/* Why we failed the session, e.g. "message too big" (after
 * session_flush, as session_code_sent). */
void session_describe_failure(const struct session *s, char *out,
    size_t outlen);

/* During on_message: the chunk the message lies in, which the owner may
 * keep a reference to (src/outq) instead of copying it; NULL when the
 * message lies in a buffer that is reused (a small one, unmasked where
 * it was read). */
struct chunk *session_message_chunk(const struct session *s);

/* Bytes queued and not yet written. */
size_t session_queued_bytes(const struct session *s);
/* Messages not yet written whole, or dropped by session_abort:
 * undelivered if it ends now. */
size_t session_undelivered(const struct session *s);

#endif
