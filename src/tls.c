/*
 * OpenSSL glue.  Each I/O call starts with an empty error queue, as
 * SSL_get_error(3) requires, and maps the outcome to enum tls_status.
 * Policy, both roles: TLS 1.2 and 1.3; on 1.2 only TLS_CIPHERS_DEFAULT
 * (or the caller's list); 1.3 suites as OpenSSL has them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "attr.h"
#include "tls.h"

/* The first queued OpenSSL error as text, or fallback. */
static void
queue_error(char *err, size_t errlen, const char *what, const char *fallback)
{
	/* The first error is the cause ("no start line", "bad decrypt");
	 * later ones wrap it ("PEM lib").  A failed fopen() is queued as a
	 * system error: say which. */
	unsigned long e = ERR_peek_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SYS)
		reason = strerror(ERR_GET_REASON(e));
	snprintf(err, errlen, "%s: %s", what, reason ? reason : fallback);
	ERR_clear_error();
}

const char *
tls_ciphers_check(const char *list)
{
	SSL_CTX *ctx;
	int ok;

	if ((ctx = SSL_CTX_new(TLS_method())) == NULL) {
		ERR_clear_error();
		return "cannot create a TLS context to check it";
	}
	ok = SSL_CTX_set_cipher_list(ctx, list);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok == 1 ? NULL : "no TLS 1.2 cipher suite matches";
}

static int
common_setup(SSL_CTX *ctx, const char *ciphers, char *err, size_t errlen)
{
	if (SSL_CTX_set_cipher_list(ctx,
		ciphers != NULL ? ciphers : TLS_CIPHERS_DEFAULT) != 1) {
		queue_error(err, errlen, "TLS", "no cipher suite matches");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Our output buffer may move or grow between retries of a write. */
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/* A peer that closes TCP without close_notify after a WebSocket
	 * close has ended normally. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	return 0;
}

struct passphrase {
	const char *given; /* or NULL */
	bool asked;	   /* OpenSSL wanted one */
};

/* Never prompt: OpenSSL's default would read the terminal or, worse, our
 * standard input, swallowing the lines that follow. */
static int
passphrase_cb(char *buf, int size, UNUSED int rwflag, void *userdata)
{
	struct passphrase *pp = userdata;
	size_t n;

	pp->asked = true;
	if (pp->given == NULL || (n = strlen(pp->given)) >= (size_t)size)
		return -1;
	memcpy(buf, pp->given, n);
	return (int)n;
}

static int
load_pair(SSL_CTX *ctx, const char *cert, const char *key,
    const char *passphrase, char *err, size_t errlen)
{
	struct passphrase pp = { passphrase, false };
	int r;

	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		queue_error(err, errlen, cert, "cannot load certificate");
		return -1;
	}
	SSL_CTX_set_default_passwd_cb(ctx, passphrase_cb);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, &pp);
	r = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL); /* pp dies */
	if (r != 1 && pp.asked && passphrase == NULL) {
		snprintf(err, errlen,
		    "%s: the key is encrypted and no "
		    "passphrase was given",
		    key);
		ERR_clear_error();
		return -1;
	}
	if (r != 1) {
		queue_error(err, errlen, key, "cannot load private key");
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		queue_error(err, errlen, key, "does not match the certificate");
		return -1;
	}
	return 0;
}

SSL_CTX *
tls_client_ctx(const struct tls_client_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		queue_error(err, errlen, "TLS", "cannot create context");
		return NULL;
	}
	if (common_setup(ctx, o->ciphers, err, errlen) == -1)
		goto fail;
	if (o->insecure)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (o->ca != NULL ?
			SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1 :
			SSL_CTX_set_default_verify_paths(ctx) != 1) {
			queue_error(err, errlen, o->ca ? o->ca : "trust store",
			    "cannot load CA certificates");
			goto fail;
		}
	}
	if (o->cert != NULL &&
	    load_pair(ctx, o->cert, o->key, o->passphrase, err, errlen) == -1)
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_server_ctx(const struct tls_server_opts *o, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *names;
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		queue_error(err, errlen, "TLS", "cannot create context");
		return NULL;
	}
	if (common_setup(ctx, o->ciphers, err, errlen) == -1 ||
	    load_pair(ctx, o->cert, o->key, NULL, err, errlen) == -1)
		goto fail;
	if (o->client_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->client_ca, NULL) !=
			1 ||
		    (names = SSL_load_client_CA_file(o->client_ca)) == NULL) {
			queue_error(err, errlen, o->client_ca,
			    "cannot load CA certificates");
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx,
		    SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL *
tls_new(SSL_CTX *ctx, int fd, const char *host, bool client)
{
	unsigned char addr[sizeof(struct in6_addr)];
	SSL *ssl;

	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		goto fail;
	if (!client) {
		SSL_set_accept_state(ssl);
		return ssl;
	}
	SSL_set_connect_state(ssl);
	/* RFC 6066: no SNI for address literals. */
	if (inet_pton(AF_INET, host, addr) != 1 &&
	    inet_pton(AF_INET6, host, addr) != 1 &&
	    SSL_set_tlsext_host_name(ssl, host) != 1)
		goto fail;
	if (SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE &&
	    SSL_set1_host(ssl, host) != 1)
		goto fail;
	return ssl;
fail:
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

static int
status(SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (errno == EINTR || errno == EAGAIN)
			return TLS_WANT_READ;
		return errno == 0 ? TLS_EOF : TLS_ERR;
	default:
		return TLS_ERR;
	}
}

int
tls_handshake(SSL *ssl)
{
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(ssl)) == 1)
		return 1;
	/* EOF before the handshake is done is a failure, not an end. */
	r = status(ssl, r);
	return r == TLS_EOF ? TLS_ERR : r;
}

ssize_t
tls_read(SSL *ssl, void *p, size_t n)
{
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_read(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	return r > 0 ? r : status(ssl, r);
}

ssize_t
tls_write(SSL *ssl, const void *p, size_t n)
{
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_write(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	return r > 0 ? r : status(ssl, r);
}

void
tls_shutdown(SSL *ssl)
{
	ERR_clear_error();
	SSL_shutdown(ssl);
	ERR_clear_error();
}

void
tls_error(SSL *ssl, char *err, size_t errlen)
{
	long v = SSL_get_verify_result(ssl);
	unsigned long e = ERR_peek_last_error();

	if (v != X509_V_OK)
		snprintf(err, errlen, "TLS: certificate verify failed: %s",
		    X509_verify_cert_error_string(v));
	/* What a client reads from a plain port (an HTTP answer, say). */
	else if (e != 0 && !SSL_is_server(ssl) &&
	    ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER)
		snprintf(err, errlen,
		    "TLS: the server does not speak TLS "
		    "(wrong version number)");
	else if (e != 0)
		snprintf(err, errlen, "TLS: %s",
		    ERR_reason_error_string(e) ? ERR_reason_error_string(e) :
						 "error");
	else
		snprintf(err, errlen, "TLS: %s",
		    errno ? strerror(errno) :
			    "connection closed during the handshake");
	ERR_clear_error();
}
