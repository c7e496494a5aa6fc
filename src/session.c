/*
 * The WebSocket session: wslay's callbacks wired to the owner's read and
 * write functions through two buffers.  wslay's send callback only appends
 * to the output buffer, so one wslay_event_send() encodes many frames and
 * one write sends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <wslay/wslay.h>

#include "attr.h"
#include "budget.h"
#include "buf.h"
#include "framescan.h"
#include "session.h"

#define READ_CHUNK 4096	      /* bytes per read while completing a close */
#define PUMP_ROUNDS 16	      /* wslay_event_send + write rounds per flush */
#define MASKPOOL 4096	      /* random bytes for client frame masks */
#define CLOSE_FRAME_MAX 139   /* 2 + 8 + 4 + 125: wslay fails longer ones */
#define OUT_SLACK (64 * 1024) /* frame headers and a close beyond a message */

struct session {
	wslay_event_context_ptr ctx; /* owned */
	enum session_role role;
	const struct session_io *io;
	void *arg;
	struct buf in;	       /* frames read ahead or held back; owned */
	struct framescan scan; /* where frames start in what wslay gets */
	bool in_short;	       /* in holds part of a close frame, no more */
	struct buf out;	       /* encoded bytes awaiting a write; owned */
	uint8_t *maskpool;     /* client: random bytes for masks; owned */
	size_t maskpos;	       /* next unused byte of maskpool */
	bool paused;	       /* the owner stopped reading */
	bool in_recv;	       /* inside wslay_event_recv */
	bool eof;	       /* read returned 0 */
	bool io_error;	       /* read or write failed */
	uint16_t close_code;   /* to queue once the queue has drained */
	bool close_queued;     /* we queued a close frame */
	struct buf msg;	       /* the data message being received; owned */
	struct budget *budget; /* shared with other sessions, or NULL */
	size_t max_message;
	bool in_control;	/* the frame being received is a control one */
	bool msg_failed;	/* fail_message: read no more data */
	int close_off;		/* offset in a close frame's payload, or -1 */
	uint8_t close_hi;	/* its first byte */
	uint16_t code_received; /* 1005 when the close had none */
	uint16_t code_sent;
	char reason[SESSION_REASON_MAX + 1];
};

/* Reads more of the stream into s->in.  A count, 0 at EOF, or a
 * session_io_status. */
static ssize_t
read_more(struct session *s)
{
	char *dst = buf_reserve(&s->in, READ_CHUNK);
	ssize_t n;

	if (dst == NULL)
		return SESSION_IO_ERR;
	if ((n = s->io->read(s->arg, dst, READ_CHUNK)) > 0)
		buf_commit(&s->in, n);
	return n;
}

/*
 * s->in starts with a close frame: hand it over whole, reading on until it
 * is.  wslay asks with an empty buffer here, as we stopped right before it.
 */
static ssize_t
give_close(struct session *s, uint8_t *p, size_t len)
{
	uint64_t total;
	ssize_t r;
	size_t n;

	while ((total = framescan_frame_len((uint8_t *)buf_head(&s->in),
		    buf_used(&s->in))) == 0 ||
	    (total <= CLOSE_FRAME_MAX && buf_used(&s->in) < total))
		if ((r = read_more(s)) <= 0) {
			/* Only the socket can complete it: no feeding. */
			s->in_short = r == SESSION_IO_AGAIN;
			return r;
		}
	n = total < buf_used(&s->in) ? total : buf_used(&s->in);
	if (n > len)
		n = len;
	memcpy(p, buf_head(&s->in), n);
	framescan_advance(&s->scan, p, n, false);
	buf_consume(&s->in, n);
	return n;
}

static ssize_t
recv_some(struct session *s, uint8_t *p, size_t len)
{
	ssize_t n;
	size_t k;

	s->in_short = false;
	/* Bytes read ahead (behind the HTTP head, or held back before a
	 * close frame) come first. */
	if (buf_used(&s->in) == 0) {
		if ((n = s->io->read(s->arg, p, len)) <= 0)
			return n;
		k = framescan_advance(&s->scan, p, n, true);
		if (k == (size_t)n)
			return n;
		/* A close frame begins at p + k: keep it for a call of its
		 * own.  in is empty and n <= len fits its bound. */
		if (buf_append(&s->in, p + k, n - k) == -1)
			return SESSION_IO_ERR;
		if (k > 0)
			return k;
		return give_close(s, p, len);
	}
	n = buf_used(&s->in) < len ? buf_used(&s->in) : len;
	k = framescan_advance(&s->scan, (uint8_t *)buf_head(&s->in), n, true);
	if (k == 0)
		return give_close(s, p, len);
	memcpy(p, buf_head(&s->in), k);
	buf_consume(&s->in, k);
	return k;
}

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len, UNUSED int flags,
    void *user_data)
{
	struct session *s = user_data;
	ssize_t n;

	if (s->paused || buf_used(&s->out) > SESSION_HIGH ||
	    (s->budget != NULL && budget_blocks(s->budget, s, s->msg.cap))) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if ((n = recv_some(s, p, len)) > 0)
		return n;
	if (n == 0)
		s->eof = true; /* EOF returned as 0 would spin forever */
	else if (n == SESSION_IO_ERR)
		s->io_error = true;
	wslay_event_set_error(ctx,
	    n == SESSION_IO_AGAIN ? WSLAY_ERR_WOULDBLOCK :
				    WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

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
		if (RAND_bytes(s->maskpool, MASKPOOL) != 1)
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

/* Forgets the message being assembled, and gives its memory back to the
 * budget (which counts what is allocated, s->msg.cap). */
static void
drop_msg(struct session *s)
{
	if (s->budget != NULL)
		budget_release(s->budget, s, s->msg.cap);
	buf_deinit(&s->msg);
}

/* Fails the message in progress from inside a wslay callback: a close with
 * code, and no more reading (wslay's own way of failing). */
static void
fail_message(struct session *s, wslay_event_context_ptr ctx, uint16_t code)
{
	s->msg_failed = true;
	drop_msg(s);
	/* Fails only once a close was queued: that one goes out. */
	(void)wslay_event_queue_close(ctx, code, NULL, 0);
	wslay_event_shutdown_read(ctx);
}

static void
msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user_data)
{
	struct session *s = user_data;
	size_t n;

	switch (arg->opcode) {
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (s->msg_failed)
			break;
		/* No-buffering mode: the payload is ours, in s->msg. */
		s->io->on_message(s->arg, arg->opcode,
		    (const uint8_t *)buf_head(&s->msg), buf_used(&s->msg));
		drop_msg(s);
		/* Encode a reply now, so that it goes out before the close
		 * a later bad frame in this read would queue.  A failure
		 * here leaves the reply queued for the next flush. */
		if (wslay_event_want_write(ctx))
			(void)wslay_event_send(ctx);
		break;
	case WSLAY_PING:
		/* Encode wslay's pong at once: queued, pongs to a peer that
		 * does not read would pile up in wslay's unbounded control
		 * queue.  Encoded, they count against the output bound, and
		 * reading stops above SESSION_HIGH. */
		if (wslay_event_want_write(ctx))
			(void)wslay_event_send(ctx);
		break;
	case WSLAY_CONNECTION_CLOSE:
		/* frame_chunk_cb may have kept a 1012-1014. */
		if (s->code_received == 0)
			s->code_received = arg->status_code ?
			    arg->status_code :
			    1005;
		n = arg->msg_length > 2 ? arg->msg_length - 2 : 0;
		if (n > SESSION_REASON_MAX)
			n = SESSION_REASON_MAX;
		if (n > 0)
			memcpy(s->reason, arg->msg + 2, n);
		s->reason[n] = '\0';
		break;
	}
}

/*
 * Data frames are assembled here, not by wslay (no-buffering mode): wslay's
 * buffered mode allocates per fragment and copies the whole message once
 * more at its end, so a message in one-byte fragments cost ~95 times its
 * size.  A frame's length is known at its start, so a message that would
 * pass max_message fails with 1009 before its bytes are read.
 */
static void
frame_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user_data)
{
	struct session *s = user_data;

	s->close_off = arg->opcode == WSLAY_CONNECTION_CLOSE ? 0 : -1;
	s->in_control = (arg->opcode & 0x8) != 0;
	if (s->in_control || s->msg_failed)
		return;
	if (arg->opcode != WSLAY_CONTINUATION_FRAME)
		drop_msg(s); /* a new message */
	/* Larger than the memory budget is too big as well. */
	if (arg->payload_length > s->max_message - buf_used(&s->msg) ||
	    (s->budget != NULL && s->budget->max > 0 &&
		arg->payload_length > s->budget->max - buf_used(&s->msg)))
		fail_message(s, ctx, 1009);
}

/*
 * A chunk of a frame's payload, already unmasked and (text) UTF-8 checked
 * so far.  Data goes into the message being assembled.
 *
 * Close frames: wslay 1.1.1 answers the IANA close codes 1012-1014 with
 * 1002.  The close payload passes through here, in wslay's own buffer,
 * before wslay checks the code: turn 1012-1014 into 1000 (same high byte)
 * so that wslay accepts and echoes it, and keep the real code.
 */
static void
frame_chunk_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user_data)
{
	struct session *s = user_data;
	uint8_t *p = (uint8_t *)arg->data; /* wslay's writable ibuf */

	if (!s->in_control) {
		/* Fits: frame_start_cb checked the length against the bound
		 * of s->msg. */
		size_t cap = s->msg.cap;

		if (s->msg_failed)
			return;
		if (buf_append(&s->msg, arg->data, arg->data_length) == -1)
			fail_message(s, ctx, 1011);
		else if (s->budget != NULL && s->msg.cap > cap)
			budget_add(s->budget, s, s->msg.cap, s->msg.cap - cap);
		return;
	}
	for (size_t i = 0;
	     i < arg->data_length && s->close_off >= 0 && s->close_off < 2;
	     i++, s->close_off++) {
		if (s->close_off == 0)
			s->close_hi = p[i];
		else if (s->close_hi == 0x03 && p[i] >= 0xf4 && p[i] <= 0xf6) {
			s->code_received = 0x0300 | p[i];
			p[i] = 0xe8;
		}
	}
}

static const struct wslay_event_callbacks wslay_cbs = { recv_cb, send_cb,
	genmask_cb, frame_start_cb, frame_chunk_cb, NULL, msg_cb };

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
	/* Per frame in no-buffering mode; frame_start_cb bounds messages. */
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
	drop_msg(s);
	free(s);
}

int
session_feed(struct session *s, const void *p, size_t n)
{
	return buf_append(&s->in, p, n);
}

int
session_recv(struct session *s)
{
	int r;

	s->in_recv = true;
	r = wslay_event_recv(s->ctx);
	s->in_recv = false;
	if (r == 0)
		return SESSION_OK;
	if (s->eof)
		return SESSION_EOF;
	if (s->io_error)
		return SESSION_IOERR;
	/* A frame-level error: wslay queued an empty close. */
	return SESSION_FAILED;
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
	if (wslay_event_queue_close(s->ctx, s->code_sent, NULL, 0) != 0)
		return false;
	s->close_queued = true;
	return true;
}

int
session_flush(struct session *s)
{
	if (s->in_recv)
		return SESSION_OK; /* msg_cb encodes; the owner flushes */
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
session_ping(struct session *s)
{
	struct wslay_event_msg ping = { WSLAY_PING, NULL, 0 };

	return wslay_event_queue_msg(s->ctx, &ping) == 0 ? 0 : -1;
}

void
session_close(struct session *s, uint16_t code)
{
	if (!session_closing(s))
		s->close_code = code;
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
