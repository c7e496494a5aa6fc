/*
 * The receive side of a session: bytes read ahead or held back (a close
 * frame reaches wslay in one piece, see src/framescan), data messages
 * assembled here in wslay's no-buffering mode and bounded by max_message
 * and the budget, the 1012-1014 rewrite, and replies encoded while the
 * message that caused them is still being received.
 */
#include <string.h>

#include "attr.h"
#include "budget.h"
#include "session_int.h"

#define READ_CHUNK 4096	    /* bytes per read, but for large frames */
#define CLOSE_FRAME_MAX 139 /* 2 + 8 + 4 + 125: wslay fails longer ones */

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
	/* Reads go through s->in, which also holds the bytes that came
	 * behind the HTTP head and a close frame held back.  While a large
	 * frame arrives, one read takes up to SESSION_IN_MAX of it (its room
	 * is reserved, and counted, already); otherwise wslay's 4 KiB, so
	 * that paused peers hold no more than that read ahead. */
	if (buf_used(&s->in) == 0) {
		size_t want = s->msg.cap - s->msg.len > READ_CHUNK ?
		    SESSION_IN_MAX :
		    READ_CHUNK;
		char *dst = buf_reserve(&s->in, want);

		if (dst == NULL)
			return SESSION_IO_ERR;
		if ((n = s->io->read(s->arg, dst, want)) <= 0) {
			buf_deinit(&s->in); /* an idle session holds none */
			return n;
		}
		buf_commit(&s->in, n);
	}
	n = buf_used(&s->in) < len ? buf_used(&s->in) : len;
	k = framescan_advance(&s->scan, (uint8_t *)buf_head(&s->in), n, true);
	if (k == 0)
		return give_close(s, p, len);
	memcpy(p, buf_head(&s->in), k);
	buf_consume(&s->in, k);
	return k;
}

ssize_t
session_recv_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len,
    UNUSED int flags, void *user_data)
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

/* Forgets the message being assembled, and gives its memory back to the
 * budget (which counts what is allocated, s->msg.cap). */
void
session_drop_msg(struct session *s)
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
	session_drop_msg(s);
	/* Fails only once a close was queued: that one goes out. */
	(void)wslay_event_queue_close(ctx, code, NULL, 0);
	wslay_event_shutdown_read(ctx);
}

void
session_msg_cb(wslay_event_context_ptr ctx,
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
		session_drop_msg(s);
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
		/* FALLTHROUGH */
	case WSLAY_PONG:
		if (s->io->on_control != NULL)
			s->io->on_control(s->arg, arg->opcode, arg->msg,
			    arg->msg_length);
		break;
	case WSLAY_CONNECTION_CLOSE:
		/* session_frame_chunk_cb may have kept a 1012-1014. */
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

/* Room for the whole frame at once: one allocation per frame instead of
 * a doubling series with a copy at each step.  The pages are touched only
 * as the payload arrives; the budget counts what is allocated. */
static void
reserve_frame(struct session *s, wslay_event_context_ptr ctx, uint64_t n)
{
	size_t cap = s->msg.cap;

	if (n == 0)
		return;
	if (buf_reserve(&s->msg, n) == NULL)
		fail_message(s, ctx, 1011);
	else if (s->budget != NULL && s->msg.cap > cap)
		budget_add(s->budget, s, s->msg.cap, s->msg.cap - cap);
}

/*
 * Data frames are assembled here, not by wslay (no-buffering mode): wslay's
 * buffered mode allocates per fragment and copies the whole message once
 * more at its end, so a message in one-byte fragments cost ~95 times its
 * size.  A frame's length is known at its start, so a message that would
 * pass max_message fails with 1009 before its bytes are read.
 */
void
session_frame_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user_data)
{
	struct session *s = user_data;

	s->close_off = arg->opcode == WSLAY_CONNECTION_CLOSE ? 0 : -1;
	s->in_control = (arg->opcode & 0x8) != 0;
	if (s->in_control || s->msg_failed)
		return;
	s->in_message = !arg->fin;
	if (arg->opcode != WSLAY_CONTINUATION_FRAME)
		session_drop_msg(s); /* a new message */
	/* Larger than the memory budget is too big as well. */
	if (arg->payload_length > s->max_message - buf_used(&s->msg) ||
	    (s->budget != NULL && s->budget->max > 0 &&
		arg->payload_length > s->budget->max - buf_used(&s->msg)))
		fail_message(s, ctx, 1009);
	else
		reserve_frame(s, ctx, arg->payload_length);
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
void
session_frame_chunk_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user_data)
{
	struct session *s = user_data;
	uint8_t *p = (uint8_t *)arg->data; /* wslay's writable ibuf */

	if (!s->in_control) {
		/* Fits: session_frame_start_cb checked the length against the
		 * bound of s->msg. */
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
