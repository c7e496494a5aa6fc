/*
 * A WebSocket connection: the TLS step, the HTTP upgrade, the session, the
 * close and the linger, driven by three watchers and one timer.
 *
 * Every libev callback here ends with finish_cb(), which hands the end to
 * the owner; nothing touches the connection after that, since the owner may
 * free it.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "deflate.h"
#include "log.h"
#include "net.h"
#include "transport.h"
#include "wsconn.h"
#include "wsconn_int.h"

static void set_timer(struct wsconn *c, double after);

void
wsconn_finish(struct wsconn *c, enum wsconn_end end)
{
	if (c->state == WSCONN_DONE)
		return;
	c->state = WSCONN_DONE;
	c->end = end;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->timer);
	ev_timer_stop(c->loop, &c->idle);
}

/* An I/O failure: over TLS it is reported as such. */
void
wsconn_finish_lost(struct wsconn *c)
{
	wsconn_finish(c,
	    transport_tls_failed(c->t) ? WSCONN_END_TLS : WSCONN_END_LOST);
}

static void touch(struct wsconn *c);

/* The last statement of every libev callback. */
static void
finish_cb(struct wsconn *c)
{
	touch(c);
	if (c->state == WSCONN_DONE && !c->ended) {
		c->ended = true;
		c->cb->on_end(c, c->arg); /* may free c */
	}
}

/* From a call the owner made: deliver on_end on the next loop turn. */
static void
finish_later(struct wsconn *c)
{
	if (c->state == WSCONN_DONE && !c->ended)
		ev_feed_event(c->loop, &c->timer, EV_CUSTOM);
}

static void
set_timer(struct wsconn *c, double after)
{
	ev_timer_stop(c->loop, &c->timer);
	if (after > 0) {
		ev_timer_set(&c->timer, after, 0.);
		ev_timer_start(c->loop, &c->timer);
	}
}

/* The session's byte stream is the transport's. */
static ssize_t
stream_read_cb(void *arg, void *p, size_t n)
{
	struct wsconn *c = arg;
	ssize_t r = transport_read(c->t, p, n, c->err, sizeof(c->err));

	if (r > 0)
		c->last_rx = ev_now(c->loop);
	if (r >= 0)
		return r;
	return r == TRANSPORT_AGAIN ? SESSION_IO_AGAIN : SESSION_IO_ERR;
}

static ssize_t
stream_write_cb(void *arg, const struct iovec *iov, int n)
{
	struct wsconn *c = arg;
	ssize_t r = transport_writev(c->t, iov, n, c->err, sizeof(c->err));

	if (r > 0)
		return r;
	return r == TRANSPORT_AGAIN ? SESSION_IO_AGAIN : SESSION_IO_ERR;
}

static void
stream_message_cb(void *arg, int opcode, const uint8_t *p, size_t n)
{
	struct wsconn *c = arg;

	c->cb->on_message(c, opcode, p, n, c->arg);
}

static void
stream_control_cb(void *arg, int opcode, const uint8_t *p, size_t n)
{
	struct wsconn *c = arg;

	if (c->cb->on_control != NULL)
		c->cb->on_control(c, opcode, p, n, c->arg);
}

static const struct session_io stream_io = { stream_read_cb, stream_write_cb,
	stream_message_cb, stream_control_cb };

/* Writes the HTTP bytes until they are out or the socket is full.  -1 on
 * a write error. */
static int
write_http(struct wsconn *c)
{
	ssize_t n;

	while (buf_used(&c->http_out) > 0) {
		n = transport_write(c->t, buf_head(&c->http_out),
		    buf_used(&c->http_out), c->err, sizeof(c->err));
		if (n == TRANSPORT_AGAIN)
			return 0;
		if (n == TRANSPORT_ERR)
			return -1;
		buf_consume(&c->http_out, n);
	}
	return 0;
}

void
wsconn_linger(struct wsconn *c, enum wsconn_end end)
{
	c->state = WSCONN_LINGER;
	c->end = end;
	/* The server closes TCP first (RFC 6455 7.1.1); reading on to EOF
	 * keeps a close() with unread input from sending RST over the data
	 * we just sent. */
	transport_shutdown(c->t, c->cfg->role == WSCONN_SERVER);
	buf_deinit(&c->http_in);
	set_timer(c, WSCONN_LINGER_TIMEOUT);
}

/* We failed the connection: the session queued (and sent) the close. */
static void
fail_session(struct wsconn *c)
{
	session_describe_failure(c->s, c->err, sizeof(c->err));
	wsconn_linger(c, WSCONN_END_FAILED);
}

static void
enter_closing(struct wsconn *c)
{
	c->state = WSCONN_CLOSING;
	set_timer(c, WSCONN_CLOSE_TIMEOUT);
}

static size_t
queued_bytes(const struct wsconn *c)
{
	return (c->s ? session_queued_bytes(c->s) : 0) + buf_used(&c->http_out);
}

static bool
in_session(const struct wsconn *c)
{
	return c->state == WSCONN_OPEN || c->state == WSCONN_CLOSING;
}

/*
 * Hibernation: an open server connection that has been idle for
 * WSCONN_HIBERNATE_AFTER (or has just opened), with nothing partly
 * received, nothing queued and nothing held by TLS, gives its session
 * back (wslay's context with its 4 KiB input buffer, and ours: ~8 of the
 * ~9 KiB an idle connection costs).  Every way in that needs the session
 * (the watchers' callbacks, the owner's calls) wakes it first with a new
 * one, which is all a fresh session at a frame boundary is.  The delay
 * keeps busy connections from paying a new session per message.
 *
 * Freed sessions lie scattered in the heap: glibc returns their pages
 * only when asked.  One trim, a moment after a wave of hibernations.
 */
static void
trim_cb(UNUSED struct ev_loop *loop, UNUSED ev_timer *w, UNUSED int revents)
{
	malloc_trim(0);
}

static void
hibernate(struct wsconn *c)
{
	static ev_timer trim;

	if (c->cfg->role != WSCONN_SERVER || c->state != WSCONN_OPEN ||
	    c->s == NULL || c->paused || c->in_recv || c->above ||
	    transport_has_pending(c->t) || !session_idle(c->s))
		return;
	session_free(c->s);
	c->s = NULL;
	ev_timer_stop(c->loop, &c->idle);
	if (!ev_is_active(&trim)) {
		ev_timer_init(&trim, trim_cb, WSCONN_HIBERNATE_AFTER, 0.);
		ev_timer_start(c->loop, &trim);
	}
}

/* "Be smart about timeouts" (ev(3)): activity only stamps last_active;
 * the timer looks at the stamp when it fires. */
static void
idle_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct wsconn *c = w->data;
	ev_tstamp left = c->last_active + WSCONN_HIBERNATE_AFTER -
	    ev_now(c->loop);

	if (left > 0) {
		ev_timer_set(w, left, 0.);
		ev_timer_start(c->loop, w);
		return;
	}
	hibernate(c);
	if (c->s != NULL) { /* busy after all: look again later */
		ev_timer_set(w, WSCONN_HIBERNATE_AFTER, 0.);
		ev_timer_start(c->loop, w);
	}
}

static void
touch(struct wsconn *c)
{
	c->last_active = ev_now(c->loop);
	if (c->cfg->role == WSCONN_SERVER && c->state == WSCONN_OPEN &&
	    c->s != NULL && !ev_is_active(&c->idle)) {
		ev_timer_set(&c->idle, WSCONN_HIBERNATE_AFTER, 0.);
		ev_timer_start(c->loop, &c->idle);
	}
}

static struct session *
new_session(struct wsconn *c)
{
	struct session *s = session_new(c->cfg->role == WSCONN_SERVER ?
		SESSION_SERVER :
		SESSION_CLIENT,
	    c->cfg->max_message, &stream_io, c);

	if (s != NULL) {
		session_set_budget(s, c->cfg->budget);
		session_pause(s, c->paused);
		if (c->deflate.on)
			session_set_deflate(s, c->tx,
			    c->cfg->role == WSCONN_SERVER ?
				!c->deflate.client_no_takeover :
				!c->deflate.server_no_takeover);
	}
	return s;
}

/* 0, or -1 when out of memory (the connection is then finished). */
static int
wake(struct wsconn *c)
{
	if (c->s != NULL || c->state != WSCONN_OPEN)
		return 0;
	if ((c->s = new_session(c)) != NULL)
		return 0;
	snprintf(c->err, sizeof(c->err), "out of memory");
	wsconn_finish(c, WSCONN_END_LOST);
	return -1;
}

static void
arm(struct wsconn *c, int events)
{
	if (events & EV_READ)
		ev_io_start(c->loop, &c->rio);
	else
		ev_io_stop(c->loop, &c->rio);
	if (events & EV_WRITE)
		ev_io_start(c->loop, &c->wio);
	else
		ev_io_stop(c->loop, &c->wio);
}

/* Writes what can be written, moves the session on (a pending close, the
 * end of the close handshake) and reports whether anything failed. */
static int
write_and_check(struct wsconn *c)
{
	if (write_http(c) == -1)
		return -1;
	if (!in_session(c) || buf_used(&c->http_out) > 0)
		return 0;
	if (session_flush(c->s) != SESSION_OK)
		return -1;
	if (c->state == WSCONN_OPEN && session_closing(c->s))
		enter_closing(c);
	switch (session_phase(c->s)) {
	case SESSION_CLOSED:
		wsconn_linger(c, WSCONN_END_CLOSED);
		break;
	case SESSION_BROKEN:
		fail_session(c);
		break;
	case SESSION_ACTIVE:
		break;
	}
	return 0;
}

/* Moves the connection along after anything happened: write, detect the
 * end, arm the watchers. */
static void
progress(struct wsconn *c)
{
	bool want_rd, want_wr;

	if (c->state == WSCONN_DONE || c->in_recv)
		return;
	if (c->state == WSCONN_PROXY) {
		arm(c, EV_READ | (buf_used(&c->http_out) > 0 ? EV_WRITE : 0));
		return;
	}
	if (c->state == WSCONN_OPEN && c->s == NULL) { /* hibernating */
		if (write_http(c) == -1) { /* the 101 may still be going */
			wsconn_finish_lost(c);
			return;
		}
		arm(c,
		    transport_events(c->t, !c->paused,
			buf_used(&c->http_out) > 0));
		return;
	}
	if (c->state != WSCONN_LINGER && write_and_check(c) == -1) {
		if (c->s != NULL && session_close_received(c->s) &&
		    c->state == WSCONN_CLOSING)
			wsconn_finish(c, WSCONN_END_CLOSED);
		else
			wsconn_finish_lost(c);
		return;
	}
	if (c->state == WSCONN_REFUSING && buf_used(&c->http_out) == 0)
		wsconn_linger(c, WSCONN_END_REFUSED);

	/* A pause holds back messages only: a slow stdout must not keep a
	 * new client from its handshake, nor a closing one from its end. */
	want_rd = c->state == WSCONN_HANDSHAKE || c->state == WSCONN_LINGER ||
	    (in_session(c) && !c->paused && session_want_read(c->s));
	want_wr = c->state != WSCONN_LINGER &&
	    (buf_used(&c->http_out) > 0 ||
		(in_session(c) && session_want_write(c->s)));
	arm(c,
	    c->state == WSCONN_LINGER ?
		(want_rd ? EV_READ : 0) :
		transport_events(c->t, want_rd, want_wr));
	/* Bytes OpenSSL holds already decrypted raise no readiness. */
	if (want_rd && c->state != WSCONN_LINGER && transport_has_pending(c->t))
		ev_feed_event(c->loop, &c->rio, EV_READ);
	/* The queue drained without a write event (the kernel took it all
	 * at once): on_writable must still come, from the loop. */
	if (c->above && queued_bytes(c) < WSCONN_LOW)
		ev_feed_event(c->loop, &c->wio, EV_WRITE);
	/* Nor do frames we read ahead (a held-back close frame). */
	else if (want_rd && in_session(c) && session_has_readahead(c->s))
		ev_feed_event(c->loop, &c->rio, EV_READ);
}

/* Closes with code at once, ahead of anything queued (that is reported
 * as undelivered), and gives the peer WSCONN_CLOSE_TIMEOUT to answer. */
static void
abort_session(struct wsconn *c, uint16_t code)
{
	session_abort(c->s, code);
	c->aborted = true;
	c->above = false; /* nothing more will be sent to it */
	enter_closing(c);
}

static void
recv_step(struct wsconn *c)
{
	int r;

	c->in_recv = true;
	r = session_recv(c->s);
	c->in_recv = false;
	switch (r) {
	case SESSION_OK:
		break;
	case SESSION_EOF:
	case SESSION_IOERR:
		/* A close frame before the end still counts. */
		if (session_close_received(c->s)) {
			/* Our close reply goes if the socket takes it. */
			(void)session_flush(c->s);
			wsconn_finish(c, WSCONN_END_CLOSED);
			break;
		}
		if (c->err[0] == '\0')
			snprintf(c->err, sizeof(c->err),
			    "connection lost "
			    "without a close frame");
		wsconn_finish_lost(c);
		break;
	case SESSION_FAILED:
		/* Send the close the session queued, then go. */
		if (session_flush(c->s) != SESSION_OK)
			wsconn_finish(c, WSCONN_END_LOST);
		else
			fail_session(c);
		break;
	}
}

void
wsconn_start_session(struct wsconn *c, size_t head_len, const struct pmd *pm)
{
	c->deflate = *pm;
	if (pm->on)
		c->tx = c->cfg->role == WSCONN_SERVER ?
		    zpool_get(c->cfg->deflaters, pm->server_bits) :
		    zdeflate_new(pm->client_bits, !pm->client_no_takeover);
	if (!pm->on || c->tx != NULL)
		c->s = new_session(c);
	/* Frames that came with the head go first; they fit, as the
	 * session's read-ahead holds more than a head. */
	if (c->s == NULL ||
	    session_feed(c->s, buf_head(&c->http_in) + head_len,
		buf_used(&c->http_in) - head_len) == -1) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		wsconn_finish(c, WSCONN_END_LOST);
		return;
	}
	buf_deinit(&c->http_in);
	c->state = WSCONN_OPEN;
	c->opened = true;
	c->last_rx = ev_now(c->loop);
	set_timer(c, c->cfg->ping_interval);
	c->cb->on_open(c, c->arg);
	/* The owner looked at the head in on_request and on_open. */
	free(c->request);
	c->request = NULL;
	c->request_len = 0;
	/* Frames that arrived with the head raise no new readiness. */
	if (c->state == WSCONN_OPEN && c->s != NULL &&
	    session_has_readahead(c->s))
		recv_step(c);
	/* Most clients say nothing at first: no session until they do. */
	hibernate(c);
}

/* Whatever reading means in the current state. */
static void
do_read(struct wsconn *c)
{
	switch (c->state) {
	case WSCONN_PROXY:
		wsconn_open_proxy_step(c);
		break;
	case WSCONN_TLS:
		wsconn_open_tls(c);
		break;
	case WSCONN_HANDSHAKE:
		wsconn_open_read(c);
		break;
	case WSCONN_OPEN:
	case WSCONN_CLOSING:
		recv_step(c);
		break;
	case WSCONN_LINGER:
		if (!transport_discard(c->t))
			wsconn_finish(c, c->end);
		break;
	default:
		break;
	}
}

static void
read_cb(UNUSED struct ev_loop *loop, ev_io *w, UNUSED int revents)
{
	struct wsconn *c = w->data;

	if (wake(c) == 0) {
		do_read(c);
		progress(c);
	}
	finish_cb(c);
}

static void
write_cb(UNUSED struct ev_loop *loop, ev_io *w, UNUSED int revents)
{
	struct wsconn *c = w->data;

	if (wake(c) == -1) {
		finish_cb(c);
		return;
	}
	/* The tunnel, the TLS handshake, or an SSL_read that needed to
	 * write. */
	if (c->state == WSCONN_PROXY ||
	    (c->state != WSCONN_LINGER && transport_read_needs_write(c->t)))
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

	/* Our own stall (reading paused for a slow stdout) is not the
	 * peer's silence: no ping and no timeout until reading resumes. */
	if (c->paused) {
		c->ping_sent = 0;
		set_timer(c, c->cfg->ping_interval);
		return;
	}
	if (c->ping_sent > 0 && c->last_rx < c->ping_sent) {
		snprintf(c->err, sizeof(c->err),
		    "no answer to a ping within %g s", c->cfg->ping_timeout);
		/* Say goodbye if the socket takes it; don't wait for a reply
		 * from a peer that has stopped answering. */
		abort_session(c, 1001);
		(void)session_flush(c->s);
		wsconn_finish(c, WSCONN_END_TIMEOUT);
		return;
	}
	c->ping_sent = 0;
	if (idle < c->cfg->ping_interval) {
		set_timer(c, c->cfg->ping_interval - idle);
		return;
	}
	if (session_control(c->s, WSLAY_PING, NULL, 0) == -1) {
		snprintf(c->err, sizeof(c->err),
		    "cannot queue a ping: out of memory");
		wsconn_finish(c, WSCONN_END_LOST);
		return;
	}
	c->ping_sent = now;
	set_timer(c, c->cfg->ping_timeout);
}

static void
timer_cb(UNUSED struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wsconn *c = w->data;

	if ((revents & EV_TIMER) && wake(c) == 0) {
		switch (c->state) {
		case WSCONN_PROXY:
		case WSCONN_TLS:
		case WSCONN_HANDSHAKE:
		case WSCONN_REFUSING:
			snprintf(c->err, sizeof(c->err), "handshake timed out");
			wsconn_finish(c, WSCONN_END_TIMEOUT);
			break;
		case WSCONN_CLOSING:
			if (!c->aborted) /* else keep the reason */
				snprintf(c->err, sizeof(c->err),
				    "no close "
				    "reply within %g s",
				    WSCONN_CLOSE_TIMEOUT);
			wsconn_finish(c, WSCONN_END_TIMEOUT);
			break;
		case WSCONN_LINGER:
			wsconn_finish(c, c->end);
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
	if ((c->t = transport_new(fd, cfg->tls, cfg->tls_host,
		 cfg->role == WSCONN_CLIENT)) == NULL) {
		free(c);
		return NULL;
	}
	c->loop = loop;
	c->cfg = cfg;
	c->cb = cb;
	c->arg = arg;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	buf_init(&c->http_in, HTTP_IN_MAX);
	buf_init(&c->http_out, HTTP_OUT_MAX);
	ev_io_init(&c->rio, read_cb, fd, EV_READ);
	ev_io_init(&c->wio, write_cb, fd, EV_WRITE);
	ev_init(&c->timer, timer_cb);
	ev_init(&c->idle, idle_cb);
	c->rio.data = c->wio.data = c->timer.data = c->idle.data = c;
	set_timer(c, cfg->handshake_timeout);
	if (cfg->proxy != NULL)
		wsconn_open_proxy(c);
	else if (cfg->tls != NULL) {
		c->state = WSCONN_TLS;
		wsconn_open_tls(c);
	} else
		wsconn_open_http(c);
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
	ev_timer_stop(c->loop, &c->idle);
	/* A fed on_end may still be pending for this watcher. */
	ev_clear_pending(c->loop, &c->timer);
	ev_clear_pending(c->loop, &c->idle);
	ev_clear_pending(c->loop, &c->rio);
	ev_clear_pending(c->loop, &c->wio);
	session_free(c->s);
	if (c->cfg->role == WSCONN_CLIENT)
		zdeflate_free(c->tx);
	transport_free(c->t);
	buf_deinit(&c->http_in);
	buf_deinit(&c->http_out);
	free(c->request);
	free(c->socks);
	free(c->location);
	free(c);
}

/* After a message was queued: over WSCONN_HIGH, the owner holds back. */
static void
check_above(struct wsconn *c)
{
	if (!c->above && queued_bytes(c) > WSCONN_HIGH) {
		c->above = true;
		c->above_since = ev_now(c->loop);
	}
}

int
wsconn_send(struct wsconn *c, int opcode, const void *p, size_t n)
{
	if (c->state != WSCONN_OPEN || wake(c) == -1 ||
	    session_send(c->s, opcode, p, n) == -1)
		return -1;
	check_above(c);
	return 0;
}

int
wsconn_send_encoded(struct wsconn *c, struct chunk *ch, size_t off, size_t n)
{
	if (c->state != WSCONN_OPEN || wake(c) == -1 ||
	    session_send_encoded(c->s, ch, off, n) == -1)
		return -1;
	check_above(c);
	return 0;
}

int
wsconn_control(struct wsconn *c, int opcode, const void *p, size_t n)
{
	if (!wsconn_is_open(c) || wake(c) == -1)
		return -1;
	return session_control(c->s, opcode, p, n);
}

void
wsconn_flush(struct wsconn *c)
{
	progress(c);
	touch(c);
	finish_later(c);
}

void
wsconn_close(struct wsconn *c, uint16_t code)
{
	wsconn_close_reason(c, code, NULL);
}

void
wsconn_close_reason(struct wsconn *c, uint16_t code, const char *reason)
{
	switch (c->state) {
	case WSCONN_PROXY:
	case WSCONN_TLS:
	case WSCONN_HANDSHAKE:
	case WSCONN_REFUSING:
		snprintf(c->err, sizeof(c->err), "dropped before it opened");
		wsconn_finish(c, WSCONN_END_DROPPED);
		break;
	case WSCONN_OPEN:
		if (wake(c) == 0) {
			session_close(c->s, code, reason);
			progress(c);
		}
		break;
	default:
		break;
	}
	finish_later(c);
}

void
wsconn_abort(struct wsconn *c, uint16_t code, const char *why)
{
	if (in_session(c)) {
		if (wake(c) == 0) {
			snprintf(c->err, sizeof(c->err), "%s", why);
			abort_session(c, code);
			progress(c);
		}
	} else
		wsconn_close(c, code);
	finish_later(c);
}

void
wsconn_pause(struct wsconn *c, bool pause)
{
	if (c->paused == pause)
		return;
	c->paused = pause;
	if (!pause) /* the peer's silence counts from now on */
		c->last_rx = ev_now(c->loop);
	if (c->s != NULL)
		session_pause(c->s, pause);
	progress(c);
	finish_later(c);
}

bool
wsconn_is_open(const struct wsconn *c)
{
	return c->state == WSCONN_OPEN &&
	    (c->s == NULL || /* hibernating */
		(!session_close_pending(c->s) && !session_closing(c->s)));
}

bool
wsconn_opened(const struct wsconn *c)
{
	return c->opened;
}

bool
wsconn_above(const struct wsconn *c)
{
	return c->above;
}

ev_tstamp
wsconn_above_since(const struct wsconn *c)
{
	return c->above_since;
}

size_t
wsconn_undelivered(const struct wsconn *c)
{
	return c->s != NULL ? session_undelivered(c->s) : 0;
}

struct chunk *
wsconn_message_chunk(const struct wsconn *c)
{
	return c->s != NULL ? session_message_chunk(c->s) : NULL;
}

size_t
wsconn_queued_bytes(const struct wsconn *c)
{
	return queued_bytes(c);
}

const char *
wsconn_request(const struct wsconn *c, size_t *len)
{
	*len = c->request_len;
	return c->request;
}

const char *
wsconn_protocol(const struct wsconn *c)
{
	return c->protocol;
}

struct zdeflate *
wsconn_deflater(const struct wsconn *c)
{
	return c->tx;
}

const char *
wsconn_peer(const struct wsconn *c)
{
	return c->peer;
}

void
wsconn_set_peer(struct wsconn *c, const char *peer)
{
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
}

enum wsconn_end
wsconn_end(const struct wsconn *c)
{
	return c->end;
}

uint16_t
wsconn_code_received(const struct wsconn *c)
{
	return c->s != NULL ? session_code_received(c->s) : 0;
}

const char *
wsconn_error(const struct wsconn *c)
{
	return c->err;
}

int
wsconn_http_status(const struct wsconn *c)
{
	return c->http_status;
}

const char *
wsconn_location(const struct wsconn *c)
{
	return c->location;
}

const char *
wsconn_reason_received(const struct wsconn *c)
{
	return c->s != NULL ? session_reason(c->s) : "";
}

void
wsconn_shutdown(struct wsconn *c)
{
	if (c->state == WSCONN_DONE && c->t != NULL)
		(void)shutdown(transport_fd(c->t), SHUT_RDWR);
}

uint16_t
wsconn_end_code(const struct wsconn *c, const char **reason)
{
	uint16_t sent;

	if (c->end == WSCONN_END_CLOSED) {
		*reason = session_reason(c->s);
		return session_code_received(c->s);
	}
	*reason = c->err;
	sent = c->end == WSCONN_END_FAILED && c->s != NULL ?
	    session_code_sent(c->s) :
	    0;
	return sent != 0 ? sent : 1006;
}

void
wsconn_describe_end(const struct wsconn *c, char *out, size_t outlen)
{
	char reason[4 * SESSION_REASON_MAX + 1];
	uint16_t code;

	switch (c->end) {
	case WSCONN_END_CLOSED:
		code = session_code_received(c->s);
		/* The peer's words, on one line. */
		log_escape(reason, sizeof(reason), session_reason(c->s),
		    strlen(session_reason(c->s)));
		if (reason[0])
			snprintf(out, outlen, "%u \"%s\"", code, reason);
		else
			snprintf(out, outlen, "%u", code);
		break;
	case WSCONN_END_FAILED:
		if ((code = session_code_sent(c->s)) != 0)
			snprintf(out, outlen, "%u sent: %s", code, c->err);
		else
			snprintf(out, outlen, "close without a code sent: %s",
			    c->err);
		break;
	case WSCONN_END_REFUSED:
		snprintf(out, outlen, "%s %d: %s",
		    c->http_status == 200 ? "answered" : "refused",
		    c->http_status, c->err);
		break;
	default:
		snprintf(out, outlen, "%s", c->err);
		break;
	}
}
