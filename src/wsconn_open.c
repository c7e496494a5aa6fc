/*
 * How a connection gets open: the tunnel through a proxy (src/proxy), the
 * TLS handshake, then the HTTP upgrade
 * (src/upgrade) read and answered through the transport.  On success it
 * hands over to wsconn_start_session(); on a refusal the answer is
 * written by the state machine in src/wsconn.c, then the connection
 * closes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "upgrade.h"
#include "wsconn_int.h"

/* The answer to a refused request is in http_out (server), or there is
 * none (client): write it, then close. */
void
wsconn_open_refuse(struct wsconn *c, int status, const char *why)
{
	c->http_status = status;
	if (why != c->err)
		snprintf(c->err, sizeof(c->err), "%s", why);
	buf_deinit(&c->http_in);
	if (c->cfg->role == WSCONN_CLIENT)
		wsconn_finish(c, WSCONN_END_REFUSED);
	else
		c->state = WSCONN_REFUSING;
}

/* The 101 in http_out gives way to an error answer. */
static void
answer_error(struct wsconn *c, int status, const char *why)
{
	buf_deinit(&c->http_out);
	/* http_out is empty and bounded well above an answer. */
	if (handshake_build_error(&c->http_out, status, why, false) == -1)
		buf_deinit(&c->http_out);
	wsconn_open_refuse(c, status, why);
}

/* The owner may still turn a valid request away (--max-clients). */
static bool
refused_by_owner(struct wsconn *c)
{
	const char *why = "refused";
	int status;

	if (c->cb->on_request == NULL ||
	    (status = c->cb->on_request(c, &why, c->arg)) == 0)
		return false;
	answer_error(c, status, why);
	return true;
}

/* -v shows the request head, credentials masked. */
static void
debug_request(const char *peer, const char *head, size_t len)
{
	char shown[HANDSHAKE_MAX_HEAD + 1];

	policy_redact(head, len, shown, sizeof(shown));
	if (peer != NULL)
		log_debug("%s: request %s", peer, shown);
	else
		log_debug("request %s", shown);
}

/* cfg->keep_request: a copy of the head for the owner. */
static int
keep_request(struct wsconn *c, const char *in, size_t len)
{
	if (!c->cfg->keep_request)
		return 0;
	if ((c->request = malloc(len)) == NULL) {
		answer_error(c, 503, "out of memory");
		return -1;
	}
	memcpy(c->request, in, len);
	c->request_len = len;
	return 0;
}

/* A redirect's Location, for the owner to follow (out of memory: none
 * to follow). */
static void
keep_location(struct handshake_span name, struct handshake_span value,
    void *arg)
{
	struct wsconn *c = arg;

	if (c->location != NULL || name.n != 8 ||
	    strncasecmp(name.p, "Location", 8) != 0 ||
	    value.n > WSCONN_LOCATION_MAX)
		return;
	c->location = strndup(value.p, value.n);
}

/* What the upgrade step made of the head read so far. */
static void
upgrade_step(struct wsconn *c)
{
	const char *in = buf_head(&c->http_in);
	size_t len = buf_used(&c->http_in);
	struct upgrade_result r;

	if (c->cfg->role == WSCONN_SERVER) {
		switch (upgrade_server(in, len, c->cfg->policy, c->cfg->page,
		    &c->http_out, &r)) {
		case UPGRADE_MORE:
			break;
		case UPGRADE_OPEN:
			debug_request(c->peer, in, r.head_len - 4);
			/* The owner may look at both in on_request. */
			snprintf(c->protocol, sizeof(c->protocol), "%s",
			    r.protocol);
			if (keep_request(c, in, r.head_len) == -1 ||
			    refused_by_owner(c))
				break;
			if (r.deflate.on)
				log_debug("%s: permessage-deflate, window %d",
				    c->peer, r.deflate.server_bits);
			wsconn_start_session(c, r.head_len, &r.deflate);
			break;
		case UPGRADE_ANSWERED:
			wsconn_open_refuse(c, r.http_status, r.why);
			break;
		case UPGRADE_REFUSED:
			if (r.http_status == 0)
				buf_deinit(&c->http_out);
			wsconn_open_refuse(c, r.http_status, r.why);
			break;
		}
		return;
	}
	switch (upgrade_client(in, len, c->cfg->client, c->key, &r)) {
	case UPGRADE_MORE:
		return;
	case UPGRADE_OPEN:
		log_debug("response %.*s", (int)r.head_len - 4, in);
		snprintf(c->protocol, sizeof(c->protocol), "%s", r.protocol);
		wsconn_start_session(c, r.head_len, &r.deflate);
		return;
	default:
		if (r.head_len > 0)
			log_debug("response %.*s", (int)r.head_len - 4, in);
		if (r.http_status >= 300 && r.http_status <= 399)
			(void)handshake_each_header(in, r.head_len,
			    keep_location, c);
		wsconn_open_refuse(c, r.http_status, r.why);
		return;
	}
}

void
wsconn_open_read(struct wsconn *c)
{
	ssize_t n;
	char *dst;

	if ((dst = buf_reserve(&c->http_in, HTTP_READ_CHUNK)) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		wsconn_finish(c, WSCONN_END_LOST);
		return;
	}
	n = transport_read(c->t, dst, HTTP_READ_CHUNK, c->err, sizeof(c->err));
	if (n == TRANSPORT_AGAIN)
		return;
	if (n <= 0) {
		if (n == 0)
			snprintf(c->err, sizeof(c->err),
			    "connection closed "
			    "during the handshake");
		wsconn_finish_lost(c);
		return;
	}
	buf_commit(&c->http_in, n);
	upgrade_step(c);
}

/* The HTTP upgrade begins: the client sends its request, the server
 * waits for one. */
void
wsconn_open_http(struct wsconn *c)
{
	c->state = WSCONN_HANDSHAKE;
	if (c->cfg->role == WSCONN_SERVER)
		return;
	if (upgrade_client_request(&c->http_out, c->cfg->client, c->key) ==
	    -1) {
		snprintf(c->err, sizeof(c->err), "cannot build the request");
		wsconn_finish(c, WSCONN_END_REFUSED);
		return;
	}
	debug_request(NULL, buf_head(&c->http_out), buf_used(&c->http_out) - 4);
}

void
wsconn_open_tls(struct wsconn *c)
{
	char how[LOG_ERR_MAX];
	int r = transport_handshake(c->t, c->err, sizeof(c->err));

	if (r == 1) {
		transport_describe(c->t, how, sizeof(how));
		log_debug("%s: %s", c->peer, how);
		wsconn_open_http(c);
	} else if (r == TRANSPORT_ERR && c->cfg->role == WSCONN_SERVER)
		/* The alert is out; a client that finished its side already
		 * may have sent its request, which must not turn our close
		 * into an RST that overtakes the alert. */
		wsconn_linger(c, WSCONN_END_TLS);
	else if (r == TRANSPORT_ERR)
		wsconn_finish(c, WSCONN_END_TLS);
}

/* The tunnel is open: the TLS handshake or the upgrade goes through it.
 * Bytes that came behind the proxy's answer are the server's: the
 * upgrade reads them; TLS reads the socket itself, and a server that
 * speaks before our ClientHello speaks no TLS. */
static void
tunnel_open(struct wsconn *c, size_t used)
{
	char target[PROXY_MAX_HOST + 8];

	buf_consume(&c->http_in, used);
	free(c->socks);
	c->socks = NULL;
	net_hostport(target, sizeof(target), c->cfg->target_host,
	    c->cfg->target_port);
	log_debug("%s: tunnel to %s open", c->peer, target);
	if (c->cfg->tls == NULL) {
		wsconn_open_http(c);
		return;
	}
	if (buf_used(&c->http_in) > 0) {
		snprintf(c->err, sizeof(c->err),
		    "TLS: the server spoke first through the proxy");
		wsconn_finish(c, WSCONN_END_TLS);
		return;
	}
	buf_deinit(&c->http_in);
	c->state = WSCONN_TLS;
	wsconn_open_tls(c);
}

void
wsconn_open_proxy(struct wsconn *c)
{
	const struct proxy *p = c->cfg->proxy;
	char hostport[PROXY_MAX_HOST + 8];
	int r;

	c->state = WSCONN_PROXY;
	if (p->kind == PROXY_HTTP) {
		net_hostport(hostport, sizeof(hostport), c->cfg->target_host,
		    c->cfg->target_port);
		log_debug("%s: CONNECT %s", c->peer, hostport);
		r = proxy_connect_request(&c->http_out, p, hostport);
	} else if ((c->socks = calloc(1, sizeof(*c->socks))) == NULL)
		r = -1;
	else {
		log_debug("%s: SOCKS5 CONNECT %s port %s", c->peer,
		    c->cfg->target_host, c->cfg->target_port);
		r = proxy_socks_start(c->socks, &c->http_out, p,
		    c->cfg->target_host, c->cfg->target_port);
	}
	if (r == -1) {
		snprintf(c->err, sizeof(c->err),
		    "cannot build the request to the proxy");
		wsconn_finish(c, WSCONN_END_REFUSED);
	}
}

/* The proxy's answer so far: the tunnel opens, is refused, or waits. */
static void
proxy_answer(struct wsconn *c)
{
	size_t used = 0;
	enum proxy_status st;

	if (c->socks == NULL)
		st = proxy_connect_response(buf_head(&c->http_in),
		    buf_used(&c->http_in), &used, &c->http_status, c->err,
		    sizeof(c->err));
	else {
		st = proxy_socks_step(c->socks, buf_head(&c->http_in),
		    buf_used(&c->http_in), &used, &c->http_out, &c->http_status,
		    c->err, sizeof(c->err));
		if (st == PROXY_MORE)
			buf_consume(&c->http_in, used);
	}
	if (st == PROXY_DONE)
		tunnel_open(c, used);
	else if (st == PROXY_REFUSED)
		wsconn_finish(c, WSCONN_END_REFUSED);
}

/* The socket itself, not the transport: TLS starts inside the tunnel. */
void
wsconn_open_proxy_step(struct wsconn *c)
{
	int fd = transport_fd(c->t);
	ssize_t n;
	char *dst;

	while (buf_used(&c->http_out) > 0) {
		n = write(fd, buf_head(&c->http_out), buf_used(&c->http_out));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == -1)
			goto lost;
		buf_consume(&c->http_out, n);
	}
	if ((dst = buf_reserve(&c->http_in, HTTP_READ_CHUNK)) == NULL) {
		snprintf(c->err, sizeof(c->err), "proxy answer too long");
		wsconn_finish(c, WSCONN_END_REFUSED);
		return;
	}
	n = read(fd, dst, HTTP_READ_CHUNK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto lost;
	buf_commit(&c->http_in, n);
	proxy_answer(c);
	/* A SOCKS step may have more to send. */
	if (c->state == WSCONN_PROXY && buf_used(&c->http_out) > 0)
		wsconn_open_proxy_step(c);
	return;
lost:
	snprintf(c->err, sizeof(c->err), "proxy %s: %s", c->peer,
	    n == 0 ? "connection closed before the tunnel opened" :
		     strerror(errno));
	wsconn_finish(c, WSCONN_END_LOST);
}
