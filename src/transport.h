/*
 * One byte stream on a non-blocking socket, plain TCP or TLS: handshake,
 * read, write and shutdown, each saying what it waits for.  No watchers and
 * no timers: the owner (wsconn) arms those from transport_events().
 *
 * Errors: calls return a count, 0 at EOF (reads only), or a negative
 * enum transport_status; after TRANSPORT_ERR the reason is in the
 * caller's err buffer, as one line.
 */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <openssl/ssl.h>

enum transport_status {
	TRANSPORT_AGAIN = -1, /* nothing now: wait for transport_events() */
	TRANSPORT_ERR = -2    /* failed: err says why */
};

struct transport;

/* Takes over fd (connected, non-blocking).  With tls != NULL the stream is
 * TLS in the client or server role; host is the client's SNI and the name
 * it verifies.  NULL when out of memory (fd is then closed). */
struct transport *transport_new(int fd, SSL_CTX *tls, const char *host,
    bool client);

/* Frees the TLS state and closes the fd.  NULL is fine. */
void transport_free(struct transport *t);

int transport_fd(const struct transport *t);

/* Advances the TLS handshake: 1 when done (at once for plain TCP),
 * TRANSPORT_AGAIN or TRANSPORT_ERR. */
int transport_handshake(struct transport *t, char *err, size_t errlen);

/* "TLSv1.3, TLS_AES_256_GCM_SHA384", or "" for plain TCP. */
void transport_describe(const struct transport *t, char *out, size_t outlen);

/* read(2) or SSL_read: bytes (> 0), 0 at EOF, TRANSPORT_AGAIN or
 * TRANSPORT_ERR. */
ssize_t transport_read(struct transport *t, void *p, size_t n, char *err,
    size_t errlen);

/* send(2) or SSL_write: bytes (> 0), TRANSPORT_AGAIN or TRANSPORT_ERR.
 * After TRANSPORT_AGAIN over TLS, call again with the same bytes. */
ssize_t transport_write(struct transport *t, const void *p, size_t n, char *err,
    size_t errlen);

/* The same for the n buffers of iov, in order (small ones share a TLS
 * record).  After TRANSPORT_AGAIN over TLS, call again with the same
 * buffers, or more after them. */
ssize_t transport_writev(struct transport *t, const struct iovec *iov, int n,
    char *err, size_t errlen);

/* The libev events (EV_READ, EV_WRITE) to wait for, given what the owner
 * wants to do next.  During the TLS handshake only its own wait counts;
 * later a TLS read may need the socket writable and a write readable. */
int transport_events(const struct transport *t, bool want_read,
    bool want_write);

/* True when a read is waiting for writability: a write event must retry
 * the read. */
bool transport_read_needs_write(const struct transport *t);

/* True when decrypted bytes wait inside OpenSSL: they raise no readiness,
 * so the owner must read again without waiting. */
bool transport_has_pending(const struct transport *t);

/* True after a TLS failure (the end is reported as TLS, not as lost). */
bool transport_tls_failed(const struct transport *t);

/* Ends the stream from our side: close_notify over TLS, and with
 * shut_write a TCP FIN (the server closes first, RFC 6455 7.1.1). */
void transport_shutdown(struct transport *t, bool shut_write);

/* Reads and discards raw bytes after the end (the linger).  False at EOF
 * or on an error, true while the peer may send more. */
bool transport_discard(struct transport *t);

#endif
