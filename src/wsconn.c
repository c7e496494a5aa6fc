/*
 * A WebSocket connection: HTTP upgrade, then wslay over a non-blocking
 * socket.  wslay's send callback only appends to our output buffer, so one
 * wslay_event_send() encodes many frames and one write(2) sends them.
 *
 * Every libev callback here ends with finish_cb(), which hands the end to
 * the owner; nothing touches the connection after that, since the owner may
 * free it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "framescan.h"
#include "log.h"
#include "wsconn.h"

#define WSCONN_IN_MAX (HS_MAX_HEAD + 65536)
#define PUMP_ROUNDS 16
#define MASKPOOL 4096		/* random bytes for client frame masks */	/* wslay_event_send + write rounds per event */

static void set_timer(struct wsconn *c, double after);

static void
finish(struct wsconn *c, enum wsconn_end end)
{
	if (c->state == WSCONN_DONE)
		return;
	c->state = WSCONN_DONE;
	c->end = end;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->timer);
}

/* The last statement of every libev callback. */
static void
finish_cb(struct wsconn *c)
{
	if (c->state == WSCONN_DONE && !c->ended) {
		c->ended = true;
		c->cb->on_end(c, c->arg);	/* may free c */
	}
}

/* From a call the owner made: deliver on_end on the next loop turn. */
static void
finish_later(struct wsconn *c)
{
	if (c->state == WSCONN_DONE && !c->ended)
		ev_feed_event(c->loop, &c->timer, EV_CUSTOM);
}

/* read(2) or SSL_read: bytes, 0 at EOF, or -1 with errno EAGAIN when
 * nothing is ready; other failures are -1 with the reason in c->err. */
static ssize_t
conn_read(struct wsconn *c, void *p, size_t len)
{
	ssize_t n;

	if (c->ssl == NULL) {
		while ((n = read(c->fd, p, len)) == -1 && errno == EINTR)
			;
		if (n == -1 && errno != EAGAIN)
			snprintf(c->err, sizeof(c->err), "read: %s",
			    strerror(errno));
		return n;
	}
	c->tls_rd_wants_write = false;
	if ((n = tls_read(c->ssl, p, len)) >= 0)
		return n;
	if (n == TLS_ERR) {
		tls_error(c->ssl, c->err, sizeof(c->err));
		c->tls_failed = true;
		errno = EIO;
		return -1;
	}
	c->tls_rd_wants_write = n == TLS_WANT_WRITE;
	errno = EAGAIN;
	return -1;
}

/* send(2) or SSL_write, with the same conventions as conn_read. */
static ssize_t
conn_write(struct wsconn *c, const void *p, size_t len)
{
	ssize_t n;

	if (c->ssl == NULL) {
		while ((n = send(c->fd, p, len, MSG_NOSIGNAL)) == -1 &&
		    errno == EINTR)
			;
		if (n == -1 && errno != EAGAIN)
			snprintf(c->err, sizeof(c->err), "write: %s",
			    strerror(errno));
		return n;
	}
	c->tls_wr_wants_read = false;
	if ((n = tls_write(c->ssl, p, len)) > 0)
		return n;
	if (n == TLS_ERR || n == TLS_EOF) {
		tls_error(c->ssl, c->err, sizeof(c->err));
		c->tls_failed = true;
		errno = EIO;
		return -1;
	}
	c->tls_wr_wants_read = n == TLS_WANT_READ;
	errno = EAGAIN;
	return -1;
}

/* Reads more of the stream into c->in.  1, 0 at EOF, -1 (errno). */
static int
read_more(struct wsconn *c)
{
	char *dst = buf_reserve(&c->in, 4096);
	ssize_t n;

	if (dst == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	if ((n = conn_read(c, dst, 4096)) > 0) {
		buf_commit(&c->in, n);
		c->last_rx = ev_now(c->loop);
		return 1;
	}
	return (int)n;
}

/*
 * c->in starts with a close frame: hand it over whole, reading on until it
 * is (it is at most 139 bytes; wslay fails longer ones from the header).
 * wslay asks with an empty buffer here, as we stopped right before it.
 */
static ssize_t
give_close(struct wsconn *c, uint8_t *p, size_t len)
{
	uint64_t total;
	size_t n;
	int r;

	while ((total = framescan_frame_len((uint8_t *)buf_head(&c->in),
	    buf_used(&c->in))) == 0 || (total <= 139 &&
	    buf_used(&c->in) < total))
		if ((r = read_more(c)) <= 0) {
			/* Only the socket can complete it: no feeding. */
			c->in_short = r == -1 && errno == EAGAIN;
			return r;
		}
	n = total < buf_used(&c->in) ? total : buf_used(&c->in);
	if (n > len)
		n = len;
	memcpy(p, buf_head(&c->in), n);
	framescan_advance(&c->scan, p, n, false);
	buf_consume(&c->in, n);
	return n;
}

static ssize_t
recv_some(struct wsconn *c, uint8_t *p, size_t len)
{
	ssize_t n;
	size_t k;

	c->in_short = false;
	/* Bytes read ahead (behind the HTTP head, or held back before a
	 * close frame) come first. */
	if (buf_used(&c->in) == 0) {
		if ((n = conn_read(c, p, len)) <= 0)
			return n;
		c->last_rx = ev_now(c->loop);
		k = framescan_advance(&c->scan, p, n, true);
		if (k == (size_t)n)
			return n;
		/* A close frame begins at p + k: keep it for a call of its
		 * own. */
		buf_append(&c->in, p + k, n - k);
		if (k > 0)
			return k;
		return give_close(c, p, len);
	}
	n = buf_used(&c->in) < len ? buf_used(&c->in) : len;
	k = framescan_advance(&c->scan, (uint8_t *)buf_head(&c->in), n, true);
	if (k == 0)
		return give_close(c, p, len);
	memcpy(p, buf_head(&c->in), k);
	buf_consume(&c->in, k);
	return k;
}

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len, int flags,
    void *user_data)
{
	struct wsconn *c = user_data;
	ssize_t n;

	if (c->paused || buf_used(&c->out) > WSCONN_HIGH) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if ((n = recv_some(c, p, len)) > 0)
		return n;
	if (n == 0) {
		c->eof = true;	/* EOF returned as 0 would spin forever */
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	} else if (errno == EAGAIN)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else {
		if (c->err[0] == '\0')
			snprintf(c->err, sizeof(c->err), "read: %s",
			    strerror(errno));
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	}
	return -1;
}

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *p, size_t len, int flags,
    void *user_data)
{
	struct wsconn *c = user_data;
	size_t n, used = buf_used(&c->out);

	/* Replies made during a receive must be encoded now; see wsconn.h. */
	if (!c->in_recv && used >= WSCONN_OUT_SOFT)
		n = 0;
	else if (!c->in_recv && len > WSCONN_OUT_SOFT - used)
		n = buf_append_some(&c->out, p, WSCONN_OUT_SOFT - used);
	else	/* wslay's data is only valid now: copy it */
		n = buf_append_some(&c->out, p, len);
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return n;
}

/* Masks come from a pool refilled by RAND_bytes: one call per frame costs
 * more than the rest of sending a small message. */
static int
genmask_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len,
    void *user_data)
{
	struct wsconn *c = user_data;

	if (c->maskpool == NULL && (c->maskpool = malloc(MASKPOOL)) == NULL)
		goto fail;
	if (c->maskpos == 0 || c->maskpos + len > MASKPOOL) {
		if (RAND_bytes(c->maskpool, MASKPOOL) != 1)
			goto fail;
		c->maskpos = 0;
	}
	memcpy(p, c->maskpool + c->maskpos, len);
	c->maskpos += len;
	return 0;
fail:
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void
msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg
    *arg, void *user_data)
{
	struct wsconn *c = user_data;
	size_t n;

	switch (arg->opcode) {
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		c->cb->on_message(c, arg->opcode, arg->msg, arg->msg_length,
		    c->arg);
		/* Encode a reply now, so that it goes out before the close
		 * a later bad frame in this read would queue. */
		if (wslay_event_want_write(ctx))
			wslay_event_send(ctx);
		break;
	case WSLAY_CONNECTION_CLOSE:
		/* frame_chunk_cb may have kept a 1012-1014. */
		if (c->code_received == 0)
			c->code_received = arg->status_code ?
			    arg->status_code : 1005;
		n = arg->msg_length > 2 ? arg->msg_length - 2 : 0;
		if (n >= sizeof(c->reason))
			n = sizeof(c->reason) - 1;
		if (n > 0)
			memcpy(c->reason, arg->msg + 2, n);
		c->reason[n] = '\0';
		if (c->state == WSCONN_OPEN) {
			c->state = WSCONN_CLOSING;
			set_timer(c, WSCONN_CLOSE_TIMEOUT);
		}
		break;
	}
}

static void
frame_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user_data)
{
	struct wsconn *c = user_data;

	c->close_off = arg->opcode == WSLAY_CONNECTION_CLOSE ? 0 : -1;
}

/*
 * wslay 1.1.1 answers the IANA close codes 1012-1014 with 1002.  The close
 * payload passes through here, already unmasked in wslay's own buffer,
 * before wslay checks the code: turn 1012-1014 into 1000 (same high byte)
 * so that wslay accepts and echoes it, and keep the real code.
 */
static void
frame_chunk_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user_data)
{
	struct wsconn *c = user_data;
	uint8_t *p = (uint8_t *)arg->data;	/* wslay's writable ibuf */

	for (size_t i = 0; i < arg->data_length && c->close_off >= 0 &&
	    c->close_off < 2; i++, c->close_off++) {
		if (c->close_off == 0)
			c->close_hi = p[i];
		else if (c->close_hi == 0x03 && p[i] >= 0xf4 && p[i] <= 0xf6) {
			c->code_received = 0x0300 | p[i];
			p[i] = 0xe8;
		}
	}
}

static const struct wslay_event_callbacks wslay_cbs = {
	recv_cb, send_cb, genmask_cb, frame_start_cb, frame_chunk_cb, NULL,
	msg_cb
};

static void
set_timer(struct wsconn *c, double after)
{
	ev_timer_stop(c->loop, &c->timer);
	if (after > 0) {
		ev_timer_set(&c->timer, after, 0.);
		ev_timer_start(c->loop, &c->timer);
	}
}

/* Writes the output buffer until it is empty or the socket is full.
 * -1 on a write error. */
static int
write_out(struct wsconn *c)
{
	ssize_t n;

	while (buf_used(&c->out) > 0) {
		n = conn_write(c, buf_head(&c->out), buf_used(&c->out));
		if (n > 0)
			buf_consume(&c->out, n);
		else
			return errno == EAGAIN ? 0 : -1;
	}
	return 0;
}

/* Encodes queued messages and writes them, round after round, until the
 * queue is empty or the socket stops taking bytes. */
static int
pump(struct wsconn *c)
{
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (c->ctx && wslay_event_want_write(c->ctx) &&
		    wslay_event_send(c->ctx) != 0) {
			snprintf(c->err, sizeof(c->err), "wslay send failed");
			return -1;
		}
		if (write_out(c) == -1)
			return -1;
		if (buf_used(&c->out) > 0 || c->ctx == NULL ||
		    !wslay_event_want_write(c->ctx))
			break;
	}
	return 0;
}

static void
start_linger(struct wsconn *c, enum wsconn_end end)
{
	c->state = WSCONN_LINGER;
	c->end = end;
	/* The server closes TCP first (RFC 6455 7.1.1); reading on to EOF
	 * keeps a close() with unread input from sending RST over the data
	 * we just sent. */
	if (c->ssl != NULL && !c->tls_failed)
		tls_shutdown(c->ssl);
	if (c->cfg->role == WSCONN_SERVER)
		shutdown(c->fd, SHUT_WR);
	buf_deinit(&c->in);
	set_timer(c, WSCONN_LINGER_TIMEOUT);
}

static const char *
code_text(uint16_t code)
{
	switch (code) {
	case 1002: return "protocol error";
	case 1007: return "invalid UTF-8 in a text message";
	case 1009: return "message too big";
	default: return "closed by us";
	}
}

/* We failed the connection: wslay queued the close frame (1002, 1007, 1009,
 * or an empty one for a frame-level error). */
static void
fail_session(struct wsconn *c)
{
	c->code_sent = wslay_event_get_status_code_sent(c->ctx);
	if (c->code_sent == WSLAY_CODE_NO_STATUS_RCVD)
		c->code_sent = 0;	/* a frame-level error: empty close */
	if (c->code_sent == 1007 && c->close_off >= 0)
		snprintf(c->err, sizeof(c->err), "invalid UTF-8 in a close "
		    "reason");
	else
		snprintf(c->err, sizeof(c->err), "%s", c->code_sent ?
		    code_text(c->code_sent) : "protocol error");
	start_linger(c, WSCONN_END_FAILED);
}

/* The close handshake is over once wslay wants neither to read nor to
 * write and our buffer is out. */
static void
check_session_done(struct wsconn *c)
{
	if (wslay_event_want_read(c->ctx) || wslay_event_want_write(c->ctx) ||
	    buf_used(&c->out) > 0)
		return;
	if (wslay_event_get_close_received(c->ctx))
		start_linger(c, WSCONN_END_CLOSED);
	else	/* read was shut without a close frame: wslay failed it */
		fail_session(c);
}

static size_t
queued_bytes(const struct wsconn *c)
{
	return (c->ctx ? wslay_event_get_queued_msg_length(c->ctx) : 0) +
	    buf_used(&c->out);
}

static void
arm(struct wsconn *c, bool rd, bool wr)
{
	if (rd)
		ev_io_start(c->loop, &c->rio);
	else
		ev_io_stop(c->loop, &c->rio);
	if (wr)
		ev_io_start(c->loop, &c->wio);
	else
		ev_io_stop(c->loop, &c->wio);
}

/* Queues the close the owner asked for once nothing else is queued (a
 * close queued earlier would make wslay drop the rest).  True if queued. */
static bool
queue_pending_close(struct wsconn *c)
{
	if ((c->state != WSCONN_OPEN && c->state != WSCONN_CLOSING) ||
	    c->close_code == 0 || wslay_event_get_queued_msg_count(c->ctx) > 0)
		return false;
	c->code_sent = c->close_code;
	c->close_code = 0;
	c->close_queued = true;
	wslay_event_queue_close(c->ctx, c->code_sent, NULL, 0);
	c->state = WSCONN_CLOSING;
	set_timer(c, WSCONN_CLOSE_TIMEOUT);
	return true;
}

/* Moves the connection along after anything happened: queue a pending
 * close once the data has drained, write, detect the end, arm watchers. */
static void
progress(struct wsconn *c)
{
	bool want_rd;

	if (c->state == WSCONN_DONE || c->in_recv)
		return;
	queue_pending_close(c);
	/* The pump may drain the queue: then the close can follow at once. */
	if (c->state != WSCONN_LINGER && (pump(c) == -1 ||
	    (queue_pending_close(c) && pump(c) == -1))) {
		finish(c, c->tls_failed ? WSCONN_END_TLS :
		    (c->state == WSCONN_CLOSING &&
		    wslay_event_get_close_received(c->ctx)) ?
		    WSCONN_END_CLOSED : WSCONN_END_LOST);
		return;
	}
	if (c->state == WSCONN_REFUSING && buf_used(&c->out) == 0)
		start_linger(c, WSCONN_END_REFUSED);
	if (c->state == WSCONN_OPEN || c->state == WSCONN_CLOSING)
		check_session_done(c);

	if (c->state == WSCONN_TLS) {
		arm(c, c->tls_wait == EV_READ, c->tls_wait == EV_WRITE);
		return;
	}
	want_rd = !c->paused && (c->state == WSCONN_HANDSHAKE ||
	    c->state == WSCONN_LINGER || ((c->state == WSCONN_OPEN ||
	    c->state == WSCONN_CLOSING) && wslay_event_want_read(c->ctx) &&
	    buf_used(&c->out) <= WSCONN_HIGH));
	arm(c, want_rd || c->tls_wr_wants_read, buf_used(&c->out) > 0 ||
	    c->tls_rd_wants_write || (c->ctx && c->state != WSCONN_LINGER &&
	    wslay_event_want_write(c->ctx)));
	/* Bytes OpenSSL holds already decrypted raise no readiness.  (Not
	 * SSL_has_pending: without read-ahead its unprocessed bytes are a
	 * partial record, and the rest of it will make the fd readable.) */
	if (want_rd && c->ssl != NULL && SSL_pending(c->ssl) > 0)
		ev_feed_event(c->loop, &c->rio, EV_READ);
	/* The queue drained without a write event (the kernel took it all
	 * at once): on_writable must still come, from the loop. */
	if (c->above && queued_bytes(c) < WSCONN_LOW)
		ev_feed_event(c->loop, &c->wio, EV_WRITE);
	/* Nor do frames we read ahead (a held-back close frame). */
	else if (want_rd && c->ctx != NULL && c->state != WSCONN_LINGER &&
	    buf_used(&c->in) > 0 && !c->in_short)
		ev_feed_event(c->loop, &c->rio, EV_READ);
}

/* Closes with code at once, ahead of anything queued (that is reported
 * as undelivered), and gives the peer WSCONN_CLOSE_TIMEOUT to answer. */
static void
abort_session(struct wsconn *c, uint16_t code)
{
	c->close_code = 0;
	if (!c->close_queued && !wslay_event_get_close_sent(c->ctx)) {
		c->close_queued = true;
		c->code_sent = code;
		wslay_event_queue_close(c->ctx, code, NULL, 0);
	}
	c->state = WSCONN_CLOSING;
	c->aborted = true;
	c->above = false;	/* nothing more will be sent to it */
	set_timer(c, WSCONN_CLOSE_TIMEOUT);
}

static void
refuse(struct wsconn *c, int status, const char *why)
{
	c->http_status = status;
	snprintf(c->err, sizeof(c->err), "%s", why);
	buf_deinit(&c->in);
	if (c->cfg->role == WSCONN_CLIENT) {
		finish(c, WSCONN_END_REFUSED);
		return;
	}
	handshake_build_error(&c->out, status, why);
	c->state = WSCONN_REFUSING;
}

static void
session_recv(struct wsconn *c)
{
	int r;

	c->in_recv = true;
	r = wslay_event_recv(c->ctx);
	c->in_recv = false;
	if (r == 0)
		return;
	if (c->eof || c->err[0] != '\0') {
		/* EOF or a read error; a close frame before it still counts */
		if (wslay_event_get_close_received(c->ctx)) {
			pump(c);
			finish(c, WSCONN_END_CLOSED);
			return;
		}
		if (c->err[0] == '\0')
			snprintf(c->err, sizeof(c->err), "connection lost "
			    "without a close frame");
		finish(c, c->tls_failed ? WSCONN_END_TLS : WSCONN_END_LOST);
		return;
	}
	/* A frame-level error: send the close wslay queued, then go. */
	if (pump(c) == -1)
		finish(c, WSCONN_END_LOST);
	else
		fail_session(c);
}

static void
open_session(struct wsconn *c)
{
	int r;

	if (c->cfg->role == WSCONN_SERVER)
		r = wslay_event_context_server_init(&c->ctx, &wslay_cbs, c);
	else
		r = wslay_event_context_client_init(&c->ctx, &wslay_cbs, c);
	if (r != 0) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		finish(c, WSCONN_END_LOST);
		return;
	}
	wslay_event_config_set_max_recv_msg_length(c->ctx,
	    c->cfg->max_message);
	c->state = WSCONN_OPEN;
	c->last_rx = ev_now(c->loop);
	set_timer(c, c->cfg->ping_interval);
	c->cb->on_open(c, c->arg);
	/* Frames that arrived with the head raise no new readiness. */
	if (c->state == WSCONN_OPEN && buf_used(&c->in) > 0)
		session_recv(c);
}

/* A browser or curl asking for a page, not for a WebSocket. */
static void
answer_plain(struct wsconn *c, const struct hs_request *req)
{
	c->http_status = handshake_plain(&c->out, req, c->cfg->policy);
	snprintf(c->err, sizeof(c->err), "%s %.*s", req->head ? "HEAD" : "GET",
	    (int)(req->path.n > 100 ? 100 : req->path.n), req->path.p);
	buf_deinit(&c->in);	/* req pointed into it */
	if (c->http_status == -1) {
		finish(c, WSCONN_END_LOST);
		return;
	}
	c->state = WSCONN_REFUSING;
}

static void
server_handshake(struct wsconn *c, size_t headlen)
{
	struct hs_request req;
	const char *protocol = NULL;
	char why[160];
	int status;

	status = handshake_parse_request(buf_head(&c->in), headlen, &req, why,
	    sizeof(why));
	if (status == 426 && req.plain) {
		answer_plain(c, &req);
		return;
	}
	if (status == 0)
		status = handshake_check_policy(&req, c->cfg->policy,
		    &protocol, why, sizeof(why));
	if (status != 0) {
		refuse(c, status, why);
		return;
	}
	log_debug("%s: request %.*s", c->peer, (int)(headlen - 4),
	    buf_head(&c->in));
	if (handshake_build_response(&c->out, &req, protocol) == -1) {
		refuse(c, 400, "request cannot be answered");
		return;
	}
	buf_consume(&c->in, headlen);
	open_session(c);
}

static void
client_handshake(struct wsconn *c, size_t headlen)
{
	char protocol[HS_MAX_PROTOCOL], why[160];
	int status;

	log_debug("response %.*s", (int)(headlen - 4), buf_head(&c->in));
	if (handshake_parse_response(buf_head(&c->in), headlen,
	    c->cfg->client, c->key, &status, protocol, why,
	    sizeof(why)) == -1) {
		refuse(c, status, why);
		return;
	}
	buf_consume(&c->in, headlen);
	open_session(c);
}

/* HTTP methods are upper-case tokens. */
static bool
is_method_char(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static void
handshake_read(struct wsconn *c)
{
	ssize_t n, headlen;
	char *dst;

	if ((dst = buf_reserve(&c->in, 4096)) == NULL) {
		refuse(c, 431, "HTTP head too large");
		return;
	}
	n = conn_read(c, dst, 4096);
	if (n <= 0) {
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == 0)
			snprintf(c->err, sizeof(c->err), "connection closed "
			    "during the handshake");
		finish(c, c->tls_failed ? WSCONN_END_TLS : WSCONN_END_LOST);
		return;
	}
	buf_commit(&c->in, n);
	/* Fail at once what can never become a request: a TLS hello (0x16)
	 * waits in vain for CRLFCRLF until the timeout otherwise. */
	if (c->cfg->role == WSCONN_SERVER && !is_method_char(buf_head(&c->in)[0])) {
		refuse(c, 400, buf_head(&c->in)[0] == 0x16 ? "a TLS handshake "
		    "on a plain ws:// port" : "not an HTTP request");
		return;
	}
	headlen = handshake_head_len(buf_head(&c->in), buf_used(&c->in),
	    HS_MAX_HEAD);
	if (headlen == -1)
		refuse(c, 431, "HTTP head larger than 8192 bytes");
	else if (headlen > 0 && c->cfg->role == WSCONN_SERVER)
		server_handshake(c, headlen);
	else if (headlen > 0)
		client_handshake(c, headlen);
}

static void
linger_read(struct wsconn *c)
{
	char discard[4096];
	ssize_t n;

	n = read(c->fd, discard, sizeof(discard));
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		finish(c, c->end);
}

/* The HTTP upgrade begins: the client sends its request, the server
 * waits for one. */
static void
start_http(struct wsconn *c)
{
	c->state = WSCONN_HANDSHAKE;
	if (c->cfg->role == WSCONN_SERVER) {
		if (c->http_status != 0) {	/* wsconn_reject came first */
			char why[sizeof(c->err)];

			snprintf(why, sizeof(why), "%s", c->err);
			refuse(c, c->http_status, why);
		}
		return;
	}
	if (handshake_new_key(c->key) == -1 ||
	    handshake_build_request(&c->out, c->cfg->client, c->key) == -1) {
		snprintf(c->err, sizeof(c->err), "cannot build the request");
		finish(c, WSCONN_END_REFUSED);
		return;
	}
	log_debug("request %.*s", (int)buf_used(&c->out) - 4,
	    buf_head(&c->out));
}

static void
tls_step(struct wsconn *c)
{
	int r = tls_handshake(c->ssl);

	c->tls_wait = r == TLS_WANT_READ ? EV_READ : r == TLS_WANT_WRITE ?
	    EV_WRITE : 0;
	if (r == 1) {
		log_debug("%s: %s, %s", c->peer, SSL_get_version(c->ssl),
		    SSL_get_cipher_name(c->ssl));
		start_http(c);
	} else if (r == TLS_ERR) {
		tls_error(c->ssl, c->err, sizeof(c->err));
		c->tls_failed = true;
		finish(c, WSCONN_END_TLS);
	}
}

/* Whatever reading means in the current state. */
static void
do_read(struct wsconn *c)
{
	switch (c->state) {
	case WSCONN_TLS:
		tls_step(c);
		break;
	case WSCONN_HANDSHAKE:
		handshake_read(c);
		break;
	case WSCONN_OPEN:
	case WSCONN_CLOSING:
		session_recv(c);
		break;
	case WSCONN_LINGER:
		linger_read(c);
		break;
	default:
		break;
	}
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wsconn *c = w->data;

	do_read(c);
	progress(c);
	finish_cb(c);
}

static void
write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wsconn *c = w->data;

	/* The TLS handshake, or an SSL_read that needed to write. */
	if (c->state == WSCONN_TLS || c->tls_rd_wants_write)
		do_read(c);
	progress(c);
	if (c->above && queued_bytes(c) < WSCONN_LOW &&
	    c->state != WSCONN_DONE) {
		c->above = false;
		c->cb->on_writable(c, c->arg);
	}
	finish_cb(c);
}

/*
 * The open connection's timer: after ping_interval without hearing from
 * the peer, send a ping; if ping_timeout then passes still without a word
 * (pong or anything else), the peer is gone.  Reads only stamp last_rx, so
 * no timer is touched per message (ev(3), "Be smart about timeouts").
 */
static void
keepalive(struct wsconn *c)
{
	ev_tstamp now = ev_now(c->loop), idle = now - c->last_rx;
	struct wslay_event_msg ping = { WSLAY_PING, NULL, 0 };

	if (c->ping_sent > 0 && c->last_rx < c->ping_sent) {
		snprintf(c->err, sizeof(c->err), "no answer to a ping within "
		    "%g s", c->cfg->ping_timeout);
		/* Say goodbye if the socket takes it; don't wait for a reply
		 * from a peer that has stopped answering. */
		abort_session(c, 1001);
		pump(c);
		finish(c, WSCONN_END_TIMEOUT);
		return;
	}
	c->ping_sent = 0;
	if (idle < c->cfg->ping_interval) {
		set_timer(c, c->cfg->ping_interval - idle);
		return;
	}
	wslay_event_queue_msg(c->ctx, &ping);
	c->ping_sent = now;
	set_timer(c, c->cfg->ping_timeout);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wsconn *c = w->data;

	if (revents & EV_TIMER) {
		switch (c->state) {
		case WSCONN_TLS:
		case WSCONN_HANDSHAKE:
		case WSCONN_REFUSING:
			snprintf(c->err, sizeof(c->err), "handshake timed out");
			finish(c, WSCONN_END_TIMEOUT);
			break;
		case WSCONN_CLOSING:
			if (!c->aborted)	/* else keep the reason */
				snprintf(c->err, sizeof(c->err), "no close "
				    "reply within %g s", WSCONN_CLOSE_TIMEOUT);
			finish(c, WSCONN_END_TIMEOUT);
			break;
		case WSCONN_LINGER:
			finish(c, c->end);
			break;
		case WSCONN_OPEN:
			keepalive(c);
			progress(c);
			break;
		default:
			break;
		}
	}
	finish_cb(c);
}

struct wsconn *
wsconn_new(struct ev_loop *loop, int fd, const char *peer,
    const struct wsconn_config *cfg, const struct wsconn_callbacks *cb,
    void *arg)
{
	struct wsconn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return NULL;
	}
	c->loop = loop;
	c->fd = fd;
	c->cfg = cfg;
	c->cb = cb;
	c->arg = arg;
	c->state = WSCONN_HANDSHAKE;
	c->close_off = -1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	buf_init(&c->in, WSCONN_IN_MAX);
	/* Room for the replies to what one receive pass may hold. */
	buf_init(&c->out, WSCONN_HIGH + cfg->max_message + 65536);
	ev_io_init(&c->rio, read_cb, fd, EV_READ);
	ev_io_init(&c->wio, write_cb, fd, EV_WRITE);
	ev_init(&c->timer, timer_cb);
	c->rio.data = c->wio.data = c->timer.data = c;
	set_timer(c, cfg->handshake_timeout);
	if (cfg->tls != NULL) {
		c->state = WSCONN_TLS;
		c->ssl = tls_new(cfg->tls, fd, cfg->tls_host,
		    cfg->role == WSCONN_CLIENT);
		if (c->ssl == NULL) {
			snprintf(c->err, sizeof(c->err), "TLS: out of memory");
			finish(c, WSCONN_END_TLS);
		} else
			tls_step(c);
	} else
		start_http(c);
	progress(c);
	finish_later(c);
	return c;
}

void
wsconn_free(struct wsconn *c)
{
	if (c == NULL)
		return;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->timer);
	/* A fed on_end may still be pending for this watcher. */
	ev_clear_pending(c->loop, &c->timer);
	ev_clear_pending(c->loop, &c->rio);
	ev_clear_pending(c->loop, &c->wio);
	wslay_event_context_free(c->ctx);
	SSL_free(c->ssl);
	free(c->maskpool);
	close(c->fd);
	buf_deinit(&c->in);
	buf_deinit(&c->out);
	free(c);
}

int
wsconn_send(struct wsconn *c, int opcode, const void *p, size_t n)
{
	struct wslay_event_msg msg = { opcode, p, n };

	if (c->state != WSCONN_OPEN || c->close_code != 0)
		return -1;
	if (wslay_event_queue_msg(c->ctx, &msg) != 0)
		return -1;
	if (!c->above && queued_bytes(c) > WSCONN_HIGH) {
		c->above = true;
		c->above_since = ev_now(c->loop);
	}
	return 0;
}

void
wsconn_flush(struct wsconn *c)
{
	progress(c);
	finish_later(c);
}

void
wsconn_close(struct wsconn *c, uint16_t code)
{
	switch (c->state) {
	case WSCONN_TLS:
	case WSCONN_HANDSHAKE:
	case WSCONN_REFUSING:
		snprintf(c->err, sizeof(c->err), "dropped before it opened");
		finish(c, WSCONN_END_DROPPED);
		break;
	case WSCONN_OPEN:
		c->close_code = code;
		progress(c);
		break;
	default:
		break;
	}
	finish_later(c);
}

void
wsconn_abort(struct wsconn *c, uint16_t code, const char *why)
{
	if (c->state == WSCONN_OPEN || c->state == WSCONN_CLOSING) {
		snprintf(c->err, sizeof(c->err), "%s", why);
		abort_session(c, code);
		progress(c);
	} else
		wsconn_close(c, code);
	finish_later(c);
}

void
wsconn_reject(struct wsconn *c, int status, const char *why)
{
	if (c->cfg->role != WSCONN_SERVER || (c->state != WSCONN_TLS &&
	    c->state != WSCONN_HANDSHAKE))
		return;
	/* Over TLS the answer waits for the TLS handshake: start_http. */
	c->http_status = status;
	snprintf(c->err, sizeof(c->err), "%s", why);
	if (c->state == WSCONN_HANDSHAKE) {
		refuse(c, status, why);
		progress(c);
	}
	finish_later(c);
}

void
wsconn_pause(struct wsconn *c, bool pause)
{
	if (c->paused == pause)
		return;
	c->paused = pause;
	progress(c);
	finish_later(c);
}

bool
wsconn_is_open(const struct wsconn *c)
{
	return c->state == WSCONN_OPEN && c->close_code == 0;
}

bool
wsconn_above(const struct wsconn *c)
{
	return c->above;
}

size_t
wsconn_undelivered(const struct wsconn *c)
{
	size_t n;

	if (c->ctx == NULL)
		return 0;
	n = wslay_event_get_queued_msg_count(c->ctx);
	/* The count includes a close frame that is queued and unsent: ours,
	 * or the one wslay queues whenever it stops reading. */
	if (n > 0 && !wslay_event_get_close_sent(c->ctx) && (c->close_queued ||
	    !wslay_event_get_read_enabled(c->ctx)))
		n--;
	return n;
}

void
wsconn_describe_end(const struct wsconn *c, char *out, size_t outlen)
{
	switch (c->end) {
	case WSCONN_END_CLOSED:
		if (c->reason[0])
			snprintf(out, outlen, "%u \"%s\"", c->code_received,
			    c->reason);
		else
			snprintf(out, outlen, "%u", c->code_received);
		break;
	case WSCONN_END_FAILED:
		if (c->code_sent != 0)
			snprintf(out, outlen, "%u sent: %s", c->code_sent,
			    c->err);
		else
			snprintf(out, outlen, "close without a code sent: %s",
			    c->err);
		break;
	case WSCONN_END_REFUSED:
		snprintf(out, outlen, "%s %d: %s", c->http_status == 200 ?
		    "answered" : "refused", c->http_status, c->err);
		break;
	default:
		snprintf(out, outlen, "%s", c->err);
		break;
	}
}
