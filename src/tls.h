/*
 * TLS on OpenSSL for non-blocking sockets: contexts for both roles, and
 * one-step handshake, read and write that say which direction they wait
 * for.  The client verifies the chain and the host name unless told not
 * to; the server loads a certificate chain and key, and can require client
 * certificates.  Both roles speak TLS 1.2 and 1.3 only; on TLS 1.2 they
 * offer and accept only ECDHE key exchange with AEAD ciphers (Mozilla's
 * "intermediate" profile), unless given another list.  TLS 1.3 suites are
 * OpenSSL's defaults, all of them ECDHE and AEAD.
 *
 * Errors: context functions return NULL with the reason in err.  I/O calls
 * return a count, or one of enum tls_status; after TLS_ERR, tls_error()
 * gives the reason as one line.
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

/* The TLS 1.2 cipher list unless one is given, in OpenSSL's syntax. */
#define TLS_CIPHERS_DEFAULT                                          \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

struct tls_client_opts {
	const char *ca;	  /* PEM bundle to trust instead of the system's */
	const char *cert; /* client certificate chain, or NULL */
	const char *key;
	const char *passphrase; /* for an encrypted key, or NULL */
	const char *ciphers;	/* TLS 1.2 cipher list, or NULL: the default */
	bool insecure;		/* skip verification */
};

struct tls_server_opts {
	const char *cert; /* certificate chain */
	const char *key;
	const char *client_ca; /* require client certificates, or NULL */
	const char *ciphers;   /* TLS 1.2 cipher list, or NULL: the default */
};

enum tls_status {
	TLS_EOF = 0,
	TLS_WANT_READ = -1,
	TLS_WANT_WRITE = -2,
	TLS_ERR = -3
};

/* NULL when list, in OpenSSL's cipher-list syntax, selects at least one
 * TLS 1.2 cipher suite, else the reason: for cmd/ to refuse it as a usage
 * error before anything connects. */
const char *tls_ciphers_check(const char *list);

SSL_CTX *tls_client_ctx(const struct tls_client_opts *o, char *err,
    size_t errlen);
SSL_CTX *tls_server_ctx(const struct tls_server_opts *o, char *err,
    size_t errlen);

/* A connection on fd.  host (client role): sent as SNI when it is a name,
 * and checked against the certificate unless verification is off.  NULL
 * when out of memory. */
SSL *tls_new(SSL_CTX *ctx, int fd, const char *host, bool client);

/* 1 when the handshake is done, else a tls_status. */
int tls_handshake(SSL *ssl);
/* Bytes read (> 0) or a tls_status; TLS_EOF at close_notify or EOF. */
ssize_t tls_read(SSL *ssl, void *p, size_t n);
/* Bytes written (> 0) or a tls_status.  After a WANT, call again with the
 * same bytes (more may follow them). */
ssize_t tls_write(SSL *ssl, const void *p, size_t n);
/* Sends close_notify, without waiting for the peer's. */
void tls_shutdown(SSL *ssl);

/* The reason for the last TLS_ERR on ssl, after "TLS: ", e.g. "TLS:
 * certificate verify failed: self-signed certificate"; a client that
 * reads no TLS at all (a plain port) gets "TLS: the server does not speak
 * TLS (wrong version number)". */
void tls_error(SSL *ssl, char *err, size_t errlen);

#endif
