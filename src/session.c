/*
 * The WebSocket session: wslay's callbacks wired to the owner's read and
 * write functions through two buffers.  wslay's send callback only appends
 * to the output buffer, so one wslay_event_send() encodes many frames and
 * one write sends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wslay/wslay.h>

#include "attr.h"
#include "budget.h"
#include "buf.h"
#include "framescan.h"
#include "proc.h"
#include "session.h"
#include "session_int.h"

#define PUMP_ROUNDS 16	      /* wslay_event_send + write rounds per flush */
#define MASKPOOL 4096	      /* random bytes for client frame masks */
#define OUT_SLACK (64 * 1024) /* frame headers and a close beyond a message */

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *p, size_t len,
    UNUSED int flags, void *user_data)
{
	struct session *s = user_data;
	size_t n, used = buf_used(&s->out);

	/* Replies made during a receive must be encoded now; see
	 * session.h. */
	if (!s->in_recv && used >= SESSION_OUT_SOFT)
		n = 0;
	else if (!s->in_recv && len > SESSION_OUT_SOFT - used)
		n = buf_append_some(&s->out, p, SESSION_OUT_SOFT - used);
	else /* wslay's data is only valid now: copy it */
		n = buf_append_some(&s->out, p, len);
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return n;
}

static int
genmask_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len, void *user_data)
{
	struct session *s = user_data;

	if (s->maskpool == NULL && (s->maskpool = malloc(MASKPOOL)) == NULL)
		goto fail;
	if (s->maskpos == 0 || s->maskpos + len > MASKPOOL) {
		if (proc_random(s->maskpool, MASKPOOL) == -1)
			goto fail;
		s->maskpos = 0;
	}
	memcpy(p, s->maskpool + s->maskpos, len);
	s->maskpos += len;
	return 0;
fail:
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
	/* Room for the replies to what one receive pass may hold. */
	buf_init(&s->out, SESSION_HIGH + max_message + OUT_SLACK);
	buf_init(&s->msg, max_message);
	s->max_message = max_message;
	if (role == SESSION_SERVER)
		r = wslay_event_context_server_init(&s->ctx, &wslay_cbs, s);
	else
		r = wslay_event_context_client_init(&s->ctx, &wslay_cbs, s);
	if (r != 0) {
		free(s);
		return NULL;
	}
	/* Per frame in no-buffering mode; session_frame_start_cb bounds
	 * messages. */
	wslay_event_config_set_max_recv_msg_length(s->ctx, max_message);
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
	buf_deinit(&s->out);
	session_drop_msg(s);
	free(s);
}

/* Writes the output buffer until it is empty or io stops taking bytes. */
static int
write_out(struct session *s)
{
	ssize_t n;

	while (buf_used(&s->out) > 0) {
		n = s->io->write(s->arg, buf_head(&s->out), buf_used(&s->out));
		if (n > 0)
			buf_consume(&s->out, n);
		else if (n == SESSION_IO_AGAIN)
			return SESSION_OK;
		else {
			s->io_error = true;
			return SESSION_IOERR;
		}
	}
	return SESSION_OK;
}

/* Encodes queued messages and writes them, round after round, until the
 * queue is empty or io stops taking bytes. */
static int
pump(struct session *s)
{
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		/* wslay_event_send fails only when a callback did, and ours
		 * fail with WOULDBLOCK or when the mask pool cannot be
		 * filled. */
		if (wslay_event_want_write(s->ctx) &&
		    wslay_event_send(s->ctx) != 0) {
			s->io_error = true;
			return SESSION_IOERR;
		}
		if (write_out(s) != SESSION_OK)
			return SESSION_IOERR;
		if (buf_used(&s->out) > 0 || !wslay_event_want_write(s->ctx))
			break;
	}
	return SESSION_OK;
}

/* Queues the close the owner asked for once nothing else is queued (a
 * close queued earlier would make wslay drop the rest).  True if queued. */
static bool
queue_pending_close(struct session *s)
{
	if (s->close_code == 0 || wslay_event_get_queued_msg_count(s->ctx) > 0)
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
	struct wslay_event_msg msg = { (uint8_t)opcode, p, n };

	if (session_close_pending(s) || session_closing(s))
		return -1;
	return wslay_event_queue_msg(s->ctx, &msg) == 0 ? 0 : -1;
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
	return wslay_event_want_read(s->ctx) &&
	    buf_used(&s->out) <= SESSION_HIGH &&
	    (s->budget == NULL || !budget_waits(s->budget, s, s->msg.cap));
}

void
session_set_budget(struct session *s, struct budget *b)
{
	s->budget = b;
}

bool
session_want_write(const struct session *s)
{
	return buf_used(&s->out) > 0 || wslay_event_want_write(s->ctx);
}

bool
session_idle(const struct session *s)
{
	return !s->paused && !s->in_message && s->msg.data == NULL &&
	    buf_used(&s->in) == 0 && buf_used(&s->out) == 0 &&
	    s->scan.skip == 0 && s->scan.hlen == 0 && s->close_code == 0 &&
	    !s->close_queued && !session_closing(s) &&
	    wslay_event_get_queued_msg_count(s->ctx) == 0 &&
	    !wslay_event_want_write(s->ctx);
}

bool
session_has_readahead(const struct session *s)
{
	return buf_used(&s->in) > 0 && !s->in_short;
}

enum session_phase
session_phase(const struct session *s)
{
	if (wslay_event_want_read(s->ctx) || wslay_event_want_write(s->ctx) ||
	    buf_used(&s->out) > 0)
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

size_t
session_queued_bytes(const struct session *s)
{
	return wslay_event_get_queued_msg_length(s->ctx) + buf_used(&s->out);
}

size_t
session_undelivered(const struct session *s)
{
	size_t n = wslay_event_get_queued_msg_count(s->ctx);

	/* The count includes a close frame that is queued and unsent: ours,
	 * or the one wslay queues whenever it stops reading. */
	if (n > 0 && !wslay_event_get_close_sent(s->ctx) &&
	    (s->close_queued || !wslay_event_get_read_enabled(s->ctx)))
		n--;
	return n;
}
