/*
 * The byte stream under a WebSocket: plain send/recv or OpenSSL through
 * src/tls, mapped onto one set of return values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "tls.h"
#include "transport.h"

#define DISCARD_CHUNK 4096 /* bytes per read while lingering */
#define TLS_RECORD 16384   /* a TLS record's payload, at most */

struct transport {
	int fd;		     /* owned */
	SSL *ssl;	     /* owned; NULL for plain TCP */
	bool handshaking;    /* TLS handshake not yet done */
	int tls_wait;	     /* ... and what it waits for: EV_READ/WRITE */
	bool rd_wants_write; /* SSL_read needs the socket writable */
	bool wr_wants_read;  /* SSL_write needs it readable */
	bool tls_failed;     /* no close_notify after an error */
};

struct transport *
transport_new(int fd, SSL_CTX *tls, const char *host, bool client)
{
	struct transport *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		close(fd);
		return NULL;
	}
	t->fd = fd;
	if (tls == NULL)
		return t;
	if ((t->ssl = tls_new(tls, fd, host, client)) == NULL) {
		transport_free(t);
		return NULL;
	}
	t->handshaking = true;
	return t;
}

void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	close(t->fd);
	free(t);
}

int
transport_fd(const struct transport *t)
{
	return t->fd;
}

static void
fail_tls(struct transport *t, char *err, size_t errlen)
{
	tls_error(t->ssl, err, errlen);
	t->tls_failed = true;
}

int
transport_handshake(struct transport *t, char *err, size_t errlen)
{
	int r;

	if (!t->handshaking)
		return 1;
	if ((r = tls_handshake(t->ssl)) == 1) {
		t->handshaking = false;
		return 1;
	}
	if (r == TLS_ERR) {
		fail_tls(t, err, errlen);
		return TRANSPORT_ERR;
	}
	t->tls_wait = r == TLS_WANT_WRITE ? EV_WRITE : EV_READ;
	return TRANSPORT_AGAIN;
}

void
transport_describe(const struct transport *t, char *out, size_t outlen)
{
	if (t->ssl == NULL)
		snprintf(out, outlen, "%s", "");
	else
		snprintf(out, outlen, "%s, %s", SSL_get_version(t->ssl),
		    SSL_get_cipher_name(t->ssl));
}

ssize_t
transport_read(struct transport *t, void *p, size_t n, char *err, size_t errlen)
{
	ssize_t r;

	if (t->ssl == NULL) {
		while ((r = read(t->fd, p, n)) == -1 && errno == EINTR)
			;
		if (r >= 0)
			return r;
		if (errno == EAGAIN)
			return TRANSPORT_AGAIN;
		snprintf(err, errlen, "read: %s", strerror(errno));
		return TRANSPORT_ERR;
	}
	t->rd_wants_write = false;
	if ((r = tls_read(t->ssl, p, n)) >= 0)
		return r;
	if (r == TLS_ERR) {
		fail_tls(t, err, errlen);
		return TRANSPORT_ERR;
	}
	t->rd_wants_write = r == TLS_WANT_WRITE;
	return TRANSPORT_AGAIN;
}

ssize_t
transport_write(struct transport *t, const void *p, size_t n, char *err,
    size_t errlen)
{
	struct iovec iov = { (void *)p, n };

	return transport_writev(t, &iov, 1, err, errlen);
}

/* Small buffers go into one TLS record.  Always the same first bytes of
 * the queue, and never fewer than last time, as a retry must be. */
static ssize_t
tls_writev(SSL *ssl, const struct iovec *iov, int n)
{
	char one[TLS_RECORD];
	size_t k = 0;

	if (n == 1 || iov[0].iov_len >= sizeof(one))
		return tls_write(ssl, iov[0].iov_base, iov[0].iov_len);
	for (int i = 0; i < n && k < sizeof(one); i++) {
		size_t m = iov[i].iov_len < sizeof(one) - k ?
		    iov[i].iov_len :
		    sizeof(one) - k;

		memcpy(one + k, iov[i].iov_base, m);
		k += m;
	}
	return tls_write(ssl, one, k);
}

ssize_t
transport_writev(struct transport *t, const struct iovec *iov, int n, char *err,
    size_t errlen)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t r;

	if (t->ssl == NULL) {
		while ((r = sendmsg(t->fd, &m, MSG_NOSIGNAL)) == -1 &&
		    errno == EINTR)
			;
		if (r >= 0)
			return r;
		if (errno == EAGAIN)
			return TRANSPORT_AGAIN;
		snprintf(err, errlen, "write: %s", strerror(errno));
		return TRANSPORT_ERR;
	}
	t->wr_wants_read = false;
	if ((r = tls_writev(t->ssl, iov, n)) > 0)
		return r;
	if (r == TLS_ERR || r == TLS_EOF) {
		fail_tls(t, err, errlen);
		return TRANSPORT_ERR;
	}
	t->wr_wants_read = r == TLS_WANT_READ;
	return TRANSPORT_AGAIN;
}

int
transport_events(const struct transport *t, bool want_read, bool want_write)
{
	if (t->handshaking)
		return t->tls_wait;
	return (want_read || t->wr_wants_read ? EV_READ : 0) |
	    (want_write || t->rd_wants_write ? EV_WRITE : 0);
}

bool
transport_read_needs_write(const struct transport *t)
{
	return t->handshaking || t->rd_wants_write;
}

bool
transport_has_pending(const struct transport *t)
{
	/* Not SSL_has_pending: without read-ahead its unprocessed bytes are
	 * a partial record, and the rest of it will make the fd readable. */
	return t->ssl != NULL && !t->handshaking && SSL_pending(t->ssl) > 0;
}

bool
transport_tls_failed(const struct transport *t)
{
	return t->tls_failed;
}

void
transport_shutdown(struct transport *t, bool shut_write)
{
	if (t->ssl != NULL && !t->tls_failed && !t->handshaking)
		tls_shutdown(t->ssl);
	if (shut_write)
		shutdown(t->fd, SHUT_WR);
}

bool
transport_discard(struct transport *t)
{
	char discard[DISCARD_CHUNK];
	ssize_t n;

	n = read(t->fd, discard, sizeof(discard));
	return n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR));
}
