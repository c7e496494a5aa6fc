/*
 * The WebSocket session, its send side and state: data frames encoded by
 * src/frame into the output queue (src/outq), wslay's control frames
 * appended to it by its send callback, and the queue written with one
 * writev through the owner's function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wslay/wslay.h>

#include "attr.h"
#include "budget.h"
#include "buf.h"
#include "deflate.h"
#include "frame.h"
#include "outq.h"
#include "proc.h"
#include "session.h"
#include "session_int.h"

#define MASKPOOL 4096 /* random bytes for client frame masks */
#define IOV_BATCH 64  /* segments per writev */

/* wslay encodes only control frames, and only into the queue. */
static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *p, size_t len,
    UNUSED int flags, void *user_data)
{
	struct session *s = user_data;
	struct chunk *c = chunk_room(&s->own, len);

	if (c != NULL) {
		memcpy(c->data + c->len, p, len);
		if (outq_push(&s->out, c, c->len, len) == 0) {
			c->len += len;
			return len;
		}
	}
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* len random bytes for masks, from the pool.  0 or -1. */
static int
take_random(struct session *s, uint8_t *p, size_t len)
{
	if (s->maskpool == NULL && (s->maskpool = malloc(MASKPOOL)) == NULL)
		return -1;
	if (s->maskpos == 0 || s->maskpos + len > MASKPOOL) {
		if (proc_random(s->maskpool, MASKPOOL) == -1)
			return -1;
		s->maskpos = 0;
	}
	memcpy(p, s->maskpool + s->maskpos, len);
	s->maskpos += len;
	return 0;
}

static int
genmask_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len, void *user_data)
{
	if (take_random(user_data, p, len) == 0)
		return 0;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static const struct wslay_event_callbacks wslay_cbs = { session_recv_cb,
	send_cb, genmask_cb, session_frame_start_cb, session_frame_chunk_cb,
	NULL, session_msg_cb };

struct session *
session_new(enum session_role role, size_t max_message,
    const struct session_io *io, void *arg)
{
	struct session *s;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->role = role;
	s->io = io;
	s->arg = arg;
	s->close_off = -1;
	buf_init(&s->in, SESSION_IN_MAX);
	outq_init(&s->out);
	s->max_message = max_message;
	if (role == SESSION_SERVER)
		r = wslay_event_context_server_init(&s->ctx, &wslay_cbs, s);
	else
		r = wslay_event_context_client_init(&s->ctx, &wslay_cbs, s);
	if (r != 0) {
		free(s);
		return NULL;
	}
	/* wslay sees control frames only (src/session_recv). */
	wslay_event_config_set_no_buffering(s->ctx, 1);
	return s;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	wslay_event_context_free(s->ctx);
	free(s->maskpool);
	buf_deinit(&s->in);
	outq_clear(&s->out);
	chunk_unref(s->own);
	session_drop_msg(s);
	zinflate_free(s->zin);
	free(s);
}

/* Writes the queue until it is empty or io stops taking bytes. */
static int
write_out(struct session *s)
{
	struct iovec iov[IOV_BATCH];
	int r = SESSION_OK;
	ssize_t n;

	while (s->out.bytes > 0) {
		n = s->io->writev(s->arg, iov,
		    outq_iov(&s->out, iov, IOV_BATCH));
		if (n > 0)
			outq_consume(&s->out, n);
		else {
			if (n != SESSION_IO_AGAIN) {
				s->io_error = true;
				r = SESSION_IOERR;
			}
			break;
		}
	}
	return r;
}

/* Encodes the control frames wslay has queued (a pong, a close). */
int
session_encode_control(struct session *s)
{
	uint64_t pushed = s->out.pushed;

	if (!wslay_event_want_write(s->ctx))
		return 0;
	/* Fails only when a callback did: out of memory. */
	if (wslay_event_send(s->ctx) != 0)
		return -1;
	return s->out.pushed > pushed ? outq_mark(&s->out, false) : 0;
}

static int
pump(struct session *s)
{
	if (session_encode_control(s) == -1) {
		s->io_error = true;
		return SESSION_IOERR;
	}
	return write_out(s);
}

/* Queues the close the owner asked for once nothing else is queued (a
 * close queued earlier would make wslay drop the rest).  True if queued. */
static bool
queue_pending_close(struct session *s)
{
	if (s->close_code == 0 || s->out.bytes > 0 ||
	    wslay_event_get_queued_msg_count(s->ctx) > 0)
		return false;
	s->code_sent = s->close_code;
	s->close_code = 0;
	/* Fails only once a close was queued or received, and then wslay
	 * sends (or has sent) that one instead. */
	if (wslay_event_queue_close(s->ctx, s->code_sent,
		(const uint8_t *)s->close_reason, strlen(s->close_reason)) != 0)
		return false;
	s->close_queued = true;
	return true;
}

int
session_flush(struct session *s)
{
	if (s->in_recv)
		return SESSION_OK; /* session_msg_cb encodes; the owner flushes
				    */
	queue_pending_close(s);
	if (pump(s) != SESSION_OK)
		return SESSION_IOERR;
	/* The pump may have drained the queue: then the close follows. */
	if (queue_pending_close(s) && pump(s) != SESSION_OK)
		return SESSION_IOERR;
	return SESSION_OK;
}

int
session_send(struct session *s, int opcode, const void *p, size_t n)
{
	uint8_t mask[4], *m = s->role == SESSION_CLIENT ? mask : NULL;
	struct chunk *c;
	size_t off;

	if (session_close_pending(s) || session_closing(s) ||
	    (m != NULL && take_random(s, mask, 4) == -1))
		return -1;
	if (s->tx != NULL && n >= DEFLATE_MIN)
		c = frame_encode_deflated(&s->own, s->tx, opcode, p, n, m,
		    &off);
	else
		c = frame_encode(&s->own, opcode, p, n, m, &off);
	if (c == NULL)
		return -1;
	return outq_push_frame(&s->out, c, off, c->len - off, true);
}

int
session_send_encoded(struct session *s, struct chunk *c, size_t off, size_t n)
{
	if (session_close_pending(s) || session_closing(s))
		return -1;
	return outq_push_frame(&s->out, c, off, n, true);
}

int
session_control(struct session *s, int opcode, const void *p, size_t n)
{
	struct wslay_event_msg msg = { (uint8_t)opcode, p, n };

	if (n > SESSION_CONTROL_MAX)
		return -1;
	return wslay_event_queue_msg(s->ctx, &msg) == 0 ? 0 : -1;
}

void
session_close(struct session *s, uint16_t code, const char *reason)
{
	if (session_closing(s))
		return;
	s->close_code = code;
	snprintf(s->close_reason, sizeof(s->close_reason), "%s",
	    reason != NULL ? reason : "");
}

void
session_abort(struct session *s, uint16_t code)
{
	s->close_code = 0;
	if (s->close_queued || wslay_event_get_close_sent(s->ctx))
		return;
	s->dropped += outq_drop_unstarted(&s->out);
	/* Fails only when a close is already queued (the peer's echo):
	 * then that one goes out. */
	if (wslay_event_queue_close(s->ctx, code, NULL, 0) == 0) {
		s->close_queued = true;
		s->code_sent = code;
	}
}

void
session_pause(struct session *s, bool pause)
{
	s->paused = pause;
}

bool
session_want_read(const struct session *s)
{
	return wslay_event_want_read(s->ctx) && s->out.bytes <= SESSION_HIGH &&
	    (s->budget == NULL || !budget_waits(s->budget, s, msg_cap(s)));
}

void
session_set_deflate(struct session *s, struct zdeflate *tx, bool rx_takeover)
{
	s->tx = tx;
	s->rx_takeover = rx_takeover;
}

void
session_set_budget(struct session *s, struct budget *b)
{
	s->budget = b;
}

bool
session_want_write(const struct session *s)
{
	return s->out.bytes > 0 || wslay_event_want_write(s->ctx);
}

bool
session_idle(const struct session *s)
{
	return !s->paused && !s->in_message && s->msg == NULL &&
	    buf_used(&s->in) == 0 && s->out.bytes == 0 && s->rx.left == 0 &&
	    s->close_code == 0 && !s->close_queued && !session_closing(s) &&
	    wslay_event_get_queued_msg_count(s->ctx) == 0 &&
	    !wslay_event_want_write(s->ctx);
}

enum session_phase
session_phase(const struct session *s)
{
	if (wslay_event_want_read(s->ctx) || wslay_event_want_write(s->ctx) ||
	    s->out.bytes > 0)
		return SESSION_ACTIVE;
	/* Read was shut without a close frame: wslay failed it. */
	return wslay_event_get_close_received(s->ctx) ?
	    SESSION_CLOSED :
	    SESSION_BROKEN;
}

bool
session_close_pending(const struct session *s)
{
	/* Once a close went out or came in, the requested one never will. */
	return s->close_code != 0 && !wslay_event_get_close_sent(s->ctx) &&
	    !wslay_event_get_close_received(s->ctx);
}

bool
session_closing(const struct session *s)
{
	return s->close_queued || wslay_event_get_close_sent(s->ctx) ||
	    wslay_event_get_close_received(s->ctx);
}

bool
session_close_received(const struct session *s)
{
	return wslay_event_get_close_received(s->ctx);
}

uint16_t
session_code_received(const struct session *s)
{
	return s->code_received;
}

const char *
session_reason(const struct session *s)
{
	return s->reason;
}

uint16_t
session_code_sent(const struct session *s)
{
	uint16_t code;

	if (s->close_queued)
		return s->code_sent;
	/* 1006: none sent yet; 1005: an empty close. */
	code = wslay_event_get_status_code_sent(s->ctx);
	return code == WSLAY_CODE_ABNORMAL_CLOSURE ||
		code == WSLAY_CODE_NO_STATUS_RCVD ?
	    0 :
	    code;
}

void
session_describe_failure(const struct session *s, char *out, size_t outlen)
{
	const char *what;

	switch (session_code_sent(s)) {
	case 0:
	case 1002:
		what = "protocol error"; /* 0: a frame-level error */
		break;
	case 1007:
		what = s->close_off >= 0 ? "invalid UTF-8 in a close reason" :
					   "invalid UTF-8 in a text message";
		break;
	case 1009:
		what = "message too big";
		break;
	case 1011:
		what = "out of memory";
		break;
	default:
		what = "closed by us";
		break;
	}
	snprintf(out, outlen, "%s", what);
}

struct chunk *
session_message_chunk(const struct session *s)
{
	return s->delivering ? s->msg : NULL;
}

size_t
session_queued_bytes(const struct session *s)
{
	return wslay_event_get_queued_msg_length(s->ctx) + s->out.bytes;
}

size_t
session_undelivered(const struct session *s)
{
	return s->dropped + outq_undelivered(&s->out);
}
