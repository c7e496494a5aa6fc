/*
 * The receive side of a session.  Data frames are parsed here (src/frame)
 * and their payload unmasked word by word where it lands: in the message
 * being assembled, read there straight from the socket when large.
 * Control frames go to wslay, each whole (a close reason split across
 * reads would be judged per piece by wslay 1.1.1), and wslay sees nothing
 * else, so its checks of control frames, its pongs and its close replies
 * stay its own.  Also here: the bounds (max_message and the budget), the
 * 1012-1014 rewrite, and the UTF-8 check of text, piece by piece.
 */
#include <string.h>

#include "attr.h"
#include "budget.h"
#include "deflate.h"
#include "frame.h"
#include "outq.h"
#include "session_int.h"

#define READ_CHUNK 4096		 /* bytes per read into s->in */
#define DIRECT_MAX (1024 * 1024) /* bytes per read into a message */
#define CONTROL_MAX 125		 /* wslay fails longer control frames */
#define INFLATE_STEP (16 * 1024) /* first room for an inflated message */
/* The compressed bytes of a message of n bytes: deflate makes data that
 * does not compress a little longer (5 bytes per stored block), and tiny
 * messages a few bytes longer. */
#define ZBYTES_MAX(n) ((n) + (n) / 16 + 256)

/* Reads up to n bytes.  A read that gave less than asked most likely
 * emptied the socket: the next one in this pass would only say "nothing
 * now" (a syscall per message on a request-reply connection), so it is
 * not made; level-triggered readiness brings us back if more came. */
static ssize_t
read_some(struct session *s, void *p, size_t n)
{
	ssize_t r;

	if (s->drained)
		return SESSION_IO_AGAIN;
	r = s->io->read(s->arg, p, n);
	s->drained = r > 0 && (size_t)r < n;
	return r;
}

/* Reads more of the stream into s->in: a count, 0 at EOF, or a
 * session_io_status. */
static ssize_t
read_more(struct session *s)
{
	char *dst = buf_reserve(&s->in, READ_CHUNK);
	ssize_t n;

	if (dst == NULL)
		return SESSION_IO_ERR; /* unreachable: s->in never holds more
					* than a header or a control frame
					* when it is read */
	if ((n = read_some(s, dst, READ_CHUNK)) > 0)
		buf_commit(&s->in, n);
	return n;
}

#define RECV_WAIT 1 /* internal: nothing more from the socket now */

/* A read that gave nothing, as a session_recv result or RECV_WAIT. */
static int
read_result(struct session *s, ssize_t n)
{
	if (n == SESSION_IO_AGAIN)
		return RECV_WAIT;
	if (n == 0)
		s->eof = true;
	else
		s->io_error = true;
	return n == 0 ? SESSION_EOF : SESSION_IOERR;
}

/* wslay reads only the control frame session_recv hands it. */
ssize_t
session_recv_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len,
    UNUSED int flags, void *user_data)
{
	struct session *s = user_data;
	size_t n = s->ctl_left < len ? s->ctl_left : len;

	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(p, buf_head(&s->in), n);
	buf_consume(&s->in, n);
	s->ctl_left -= n;
	return n;
}

/* Forgets the message being assembled, and gives its memory back to the
 * budget (which counts what is allocated). */
void
session_drop_msg(struct session *s)
{
	if (s->budget != NULL)
		budget_release(s->budget, s, msg_cap(s));
	chunk_unref(s->msg);
	s->msg = NULL;
}

/* Fails the connection the way wslay does: a close with code, and no
 * more reading. */
static void
fail(struct session *s, uint16_t code)
{
	s->rx.left = 0;
	session_drop_msg(s);
	/* Fails only once a close was queued: that one goes out. */
	(void)wslay_event_queue_close(s->ctx, code, NULL, 0);
	wslay_event_shutdown_read(s->ctx);
}

void
session_msg_cb(UNUSED wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user_data)
{
	struct session *s = user_data;
	size_t n;

	switch (arg->opcode) {
	case WSLAY_PING:
		/* Encode wslay's pong at once: queued, pongs to a peer that
		 * does not read would pile up in wslay's unbounded control
		 * queue.  Encoded, they count against the output bound, and
		 * reading stops above SESSION_HIGH. */
		(void)session_encode_control(s);
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

void
session_frame_start_cb(UNUSED wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user_data)
{
	struct session *s = user_data;

	s->close_off = arg->opcode == WSLAY_CONNECTION_CLOSE ? 0 : -1;
}

/*
 * A chunk of a control frame's payload, in wslay's own buffer, before
 * wslay checks it.  wslay 1.1.1 answers the IANA close codes 1012-1014
 * with 1002: turn them into 1000 (same high byte) so that wslay accepts
 * and echoes it, and keep the real code.
 */
void
session_frame_chunk_cb(UNUSED wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user_data)
{
	struct session *s = user_data;
	uint8_t *p = (uint8_t *)arg->data; /* wslay's writable ibuf */

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

/* Hands wslay the control frame (or, when it is too long for one, just
 * the header wslay fails it for) at the head of s->in, once all of it is
 * there.  A session_recv result, or RECV_WAIT. */
static int
give_control(struct session *s, const struct frame_head *h)
{
	size_t want = h->len <= CONTROL_MAX ? h->hlen + h->len : h->hlen;
	ssize_t n;
	int r;

	while (buf_used(&s->in) < want)
		if ((n = read_more(s)) <= 0)
			return read_result(s, n);
	s->ctl_left = want;
	r = wslay_event_recv(s->ctx);
	s->ctl_left = 0;
	/* Failed: wslay queued an empty close. */
	return r == 0 ? SESSION_OK : SESSION_FAILED;
}

/* Whether a data frame with header h may begin here (RFC 6455 5.2-5.4);
 * if not, the close code to fail with. */
static uint16_t
check_data(const struct session *s, const struct frame_head *h)
{
	bool cont = h->opcode == WSLAY_CONTINUATION_FRAME;

	/* RSV1 marks a compressed message, on its first frame only. */
	if ((h->rsv != 0 && (h->rsv != FRAME_RSV1 || s->tx == NULL || cont)) ||
	    h->long_form || h->opcode > WSLAY_BINARY_FRAME ||
	    h->masked != (s->role == SESSION_SERVER) || cont != s->in_message)
		return 1002;
	/* Compressed, it is bounded as it inflates, and its compressed
	 * bytes by what a message of max_message bytes may take. */
	if (cont ? s->rx.deflated : h->rsv != 0)
		return h->len >
			ZBYTES_MAX(s->max_message) - (cont ? s->rx.zbytes : 0) ?
		    1009 :
		    0;
	/* Larger than the memory budget is too big as well. */
	if (h->len > s->max_message - msg_len(s) ||
	    (s->budget != NULL && s->budget->max > 0 &&
		h->len > s->budget->max - msg_len(s)))
		return 1009;
	return 0;
}

/* What a message may grow to: max_message, and the memory budget. */
static size_t
msg_limit(const struct session *s)
{
	if (s->budget != NULL && s->budget->max > 0 &&
	    s->budget->max < s->max_message)
		return s->budget->max;
	return s->max_message;
}

/* Room at the end of the message being inflated, doubling up to its
 * limit.  0, or -1 when out of memory. */
static int
grow_inflated(struct session *s)
{
	size_t cap = msg_cap(s), want = cap > INFLATE_STEP ? cap : INFLATE_STEP;
	struct chunk *c;

	if (want > msg_limit(s) - msg_len(s))
		want = msg_limit(s) - msg_len(s);
	if ((c = chunk_grow(s->msg, want, msg_limit(s))) == NULL)
		return -1;
	s->msg = c;
	if (s->budget != NULL && msg_cap(s) > cap)
		budget_add(s->budget, s, msg_cap(s), msg_cap(s) - cap);
	return 0;
}

/* Inflates n compressed bytes at p onto the message, or with p NULL its
 * end (the flush block), never past its limit: output beyond it goes to
 * a one-byte probe, and any fails the message with 1009 (a zip bomb costs
 * no more memory than a message of the limit).  0, or -1 when it failed
 * the connection. */
static int
inflate_some(struct session *s, const uint8_t *p, size_t n)
{
	size_t used, made, room;
	uint8_t probe, *dst;
	int r;

	do {
		if (msg_len(s) == msg_cap(s) && msg_len(s) < msg_limit(s) &&
		    grow_inflated(s) == -1) {
			fail(s, 1011);
			return -1;
		}
		room = msg_cap(s) - msg_len(s);
		dst = room > 0 ? s->msg->data + s->msg->len : &probe;
		r = zinflate_run(s->zin, p, n, p == NULL, &used, dst,
		    room > 0 ? room : 1, &made);
		p = p != NULL ? p + used : NULL;
		n -= used;
		if (r == -1 || (room == 0 && made > 0)) {
			fail(s, r == -1 ? 1007 : 1009);
			return -1;
		}
		if (made == 0)
			continue;
		s->msg->len += made;
		if (s->rx.opcode == WSLAY_TEXT_FRAME &&
		    !utf8_feed(&s->rx.utf8, dst, made)) {
			fail(s, 1007);
			return -1;
		}
	} while (r == 0);
	return 0;
}

/* A compressed message was delivered: without takeover its window goes,
 * and the inflater with it (an idle connection keeps none). */
static void
end_inflated(struct session *s)
{
	if (s->rx_takeover) {
		if (zinflate_end_message(s->zin) == -1)
			fail(s, 1011);
	} else {
		zinflate_free(s->zin);
		s->zin = NULL;
	}
}

/* The frame's last byte arrived: at the message's end, it goes to the
 * owner. */
static void
end_data(struct session *s)
{
	if (!s->rx.fin || (s->rx.deflated && inflate_some(s, NULL, 0) == -1))
		return;
	if (s->rx.opcode == WSLAY_TEXT_FRAME && s->rx.utf8.more > 0) {
		fail(s, 1007); /* a truncated sequence at the end */
		return;
	}
	s->delivering = true;
	s->io->on_message(s->arg, s->rx.opcode,
	    s->msg != NULL ? s->msg->data : NULL, msg_len(s));
	s->delivering = false;
	session_drop_msg(s);
	if (s->rx.deflated)
		end_inflated(s);
}

/* Begins the data frame with header h: room for all of it at once (one
 * allocation per frame instead of a doubling series with a copy at each
 * step; the pages are touched only as the payload arrives). */
static void
start_data(struct session *s, const struct frame_head *h)
{
	size_t cap = msg_cap(s);
	struct chunk *c;

	if (h->opcode != WSLAY_CONTINUATION_FRAME) {
		s->rx.opcode = h->opcode;
		memset(&s->rx.utf8, 0, sizeof(s->rx.utf8));
		s->rx.deflated = h->rsv != 0;
		s->rx.zbytes = 0;
	}
	s->in_message = !h->fin;
	s->rx.fin = h->fin;
	s->rx.left = h->len;
	s->rx.phase = 0;
	memcpy(s->rx.mask, h->mask, 4);
	if (s->rx.deflated) {
		if (s->zin == NULL &&
		    (s->zin = zinflate_new(s->rx_takeover)) == NULL) {
			fail(s, 1011);
			return;
		}
	} else if (h->len > 0) {
		/* Fits: check_data held the length against max_message. */
		if ((c = chunk_grow(s->msg, h->len, s->max_message)) == NULL) {
			fail(s, 1011);
			return;
		}
		s->msg = c;
	}
	if (s->budget != NULL && msg_cap(s) > cap)
		budget_add(s->budget, s, msg_cap(s), msg_cap(s) - cap);
	if (h->len == 0)
		end_data(s);
}

/* Unmasks (a server's role) n payload bytes from src into dst (which may
 * be src), with the mask's phase at the frame offset. */
static void
unmask(struct session *s, uint8_t *dst, const uint8_t *src, size_t n)
{
	uint8_t mask[4];

	if (s->role == SESSION_CLIENT) {
		if (dst != src)
			memcpy(dst, src, n);
		return;
	}
	for (int i = 0; i < 4; i++)
		mask[i] = s->rx.mask[(s->rx.phase + i) & 3];
	frame_mask(dst, src, n, mask);
	s->rx.phase = (s->rx.phase + n) & 3;
}

/* n payload bytes arrived at the end of the message, at p. */
static void
took_payload(struct session *s, uint8_t *p, size_t n)
{
	s->msg->len += n;
	s->rx.left -= n;
	if (s->rx.opcode == WSLAY_TEXT_FRAME && !utf8_feed(&s->rx.utf8, p, n))
		fail(s, 1007);
	else if (s->rx.left == 0)
		end_data(s);
}

/* Compressed payload moves through s->in, unmasked there and inflated
 * onto the message.  A session_recv result, or RECV_WAIT. */
static int
recv_deflated(struct session *s)
{
	size_t n = buf_used(&s->in);
	uint8_t *p;
	ssize_t r;

	if (n == 0) {
		if ((r = read_more(s)) <= 0)
			return read_result(s, r);
		n = r;
	}
	if (n > s->rx.left)
		n = s->rx.left;
	p = (uint8_t *)buf_head(&s->in);
	unmask(s, p, p, n);
	s->rx.left -= n;
	s->rx.zbytes += n;
	r = inflate_some(s, p, n);
	buf_consume(&s->in, n);
	if (r == 0 && s->rx.left == 0)
		end_data(s);
	return SESSION_OK;
}

/* Moves payload on: from s->in, or, with s->in empty and much to come,
 * read from the socket straight into the message.  A session_recv
 * result, or RECV_WAIT. */
static int
recv_payload(struct session *s)
{
	size_t n = buf_used(&s->in);
	uint8_t *dst;
	ssize_t r;

	if (s->rx.deflated)
		return recv_deflated(s);
	if (n == 0 && s->rx.left < READ_CHUNK) {
		if ((r = read_more(s)) <= 0)
			return read_result(s, r);
		n = r;
	}
	if (n == 0) {
		n = s->rx.left < DIRECT_MAX ? s->rx.left : DIRECT_MAX;
		/* Room for the frame was made by start_data. */
		dst = s->msg->data + s->msg->len;
		if ((r = read_some(s, dst, n)) <= 0)
			return read_result(s, r);
		unmask(s, dst, dst, r);
		took_payload(s, dst, r);
		return SESSION_OK;
	}
	if (n > s->rx.left)
		n = s->rx.left;
	dst = s->msg->data + s->msg->len;
	unmask(s, dst, (const uint8_t *)buf_head(&s->in), n);
	buf_consume(&s->in, n);
	took_payload(s, dst, n);
	return SESSION_OK;
}

/* A whole single-frame message in s->in (the common small one): unmasked
 * in place and handed over from there, without the message buffer. */
static void
deliver_in_place(struct session *s, const struct frame_head *h)
{
	uint8_t *p = (uint8_t *)buf_head(&s->in) + h->hlen;

	s->rx.phase = 0;
	memcpy(s->rx.mask, h->mask, 4);
	unmask(s, p, p, h->len);
	if (h->opcode == WSLAY_TEXT_FRAME && !utf8_valid(p, h->len))
		fail(s, 1007);
	else
		s->io->on_message(s->arg, h->opcode, p, h->len);
	buf_consume(&s->in, h->hlen + h->len);
}

/* Reads the next frame's header and begins the frame.  A session_recv
 * result, or RECV_WAIT. */
static int
recv_header(struct session *s)
{
	struct frame_head h;
	uint16_t code;
	ssize_t n;

	while (frame_parse((const uint8_t *)buf_head(&s->in), buf_used(&s->in),
		   &h) == 0)
		if ((n = read_more(s)) <= 0)
			return read_result(s, n);
	if (h.opcode & 0x8)
		return give_control(s, &h);
	s->close_off = -1;
	if ((code = check_data(s, &h)) != 0)
		fail(s, code);
	else if (h.fin && !s->in_message && h.rsv == 0 &&
	    buf_used(&s->in) >= h.hlen && buf_used(&s->in) - h.hlen >= h.len)
		deliver_in_place(s, &h);
	else {
		buf_consume(&s->in, h.hlen);
		start_data(s, &h);
	}
	return SESSION_OK;
}

/* Whether reading must wait: paused, too much output, or the budget. */
static bool
held_back(const struct session *s)
{
	return s->paused || s->out.bytes > SESSION_HIGH ||
	    (s->budget != NULL && budget_blocks(s->budget, s, msg_cap(s)));
}

int
session_recv(struct session *s)
{
	int r = SESSION_OK;

	s->in_recv = true;
	s->drained = false;
	while (r == SESSION_OK && wslay_event_get_read_enabled(s->ctx) &&
	    !held_back(s))
		r = s->rx.left > 0 ? recv_payload(s) : recv_header(s);
	s->in_recv = false;
	return r == RECV_WAIT ? SESSION_OK : r;
}

int
session_feed(struct session *s, const void *p, size_t n)
{
	return buf_append(&s->in, p, n);
}

bool
session_has_readahead(const struct session *s)
{
	struct frame_head h;

	if (buf_used(&s->in) == 0)
		return false;
	if (s->rx.left > 0)
		return true;
	if (frame_parse((const uint8_t *)buf_head(&s->in), buf_used(&s->in),
		&h) == 0)
		return false;
	return !(h.opcode & 0x8) ||
	    buf_used(&s->in) >= h.hlen + (h.len <= CONTROL_MAX ? h.len : 0);
}
