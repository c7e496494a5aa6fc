/*
 * The inside of struct session, shared by src/session.c (set-up, the send
 * side, the close and the state) and src/session_recv.c (the receive
 * side: read-ahead, data frames parsed and assembled, control frames
 * handed to wslay whole, and wslay's receive callbacks).  Nothing else
 * includes this.
 */
#ifndef SESSION_INT_H
#define SESSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <wslay/wslay.h>

#include "buf.h"
#include "outq.h"
#include "session.h"
#include "utf8.h"

struct session {
	wslay_event_context_ptr ctx; /* owned */
	enum session_role role;
	const struct session_io *io;
	void *arg;
	struct buf in;	     /* frames read ahead or held back; owned */
	size_t ctl_left;     /* bytes of a control frame wslay may read */
	bool delivering;     /* in on_message with s->msg */
	bool drained;	     /* a short read: read no more this pass */
	struct outq out;     /* encoded frames awaiting a write; owned */
	struct chunk *own;   /* where our own frames are encoded; owned */
	size_t dropped;	     /* messages session_abort dropped */
	uint8_t *maskpool;   /* client: random bytes for masks; owned */
	size_t maskpos;	     /* next unused byte of maskpool */
	bool paused;	     /* the owner stopped reading */
	bool in_recv;	     /* inside session_recv */
	bool eof;	     /* read returned 0 */
	bool io_error;	     /* read or write failed */
	uint16_t close_code; /* to queue once the queue has drained */
	char close_reason[SESSION_REASON_MAX + 1]; /* ... with this reason */
	bool close_queued;			   /* we queued a close frame */
	struct chunk *msg;     /* the data message being received; owned
				* (the owner may take a reference) */
	struct budget *budget; /* shared with other sessions, or NULL */
	struct zdeflate *tx;   /* permessage-deflate: our compressor (not
				* owned); NULL when not negotiated */
	bool rx_takeover;      /* the peer's window carries over */
	struct zinflate *zin;  /* made for a compressed message, kept after
				* it only with takeover; owned */
	size_t max_message;
	bool in_message;       /* a fragmented message has begun */
	struct {	       /* the data frame being received */
		uint64_t left; /* payload bytes still to come */
		uint8_t mask[4];
		unsigned phase;	 /* the mask byte of the next payload byte */
		bool fin;	 /* it ends its message */
		uint8_t opcode;	 /* the message's: text or binary */
		bool deflated;	 /* the message is compressed */
		uint64_t zbytes; /* ... and its compressed bytes so far */
		struct utf8_state utf8; /* text checked so far */
	} rx;
	int close_off;		/* offset in a close frame's payload, or -1 */
	uint8_t close_hi;	/* its first byte */
	uint16_t code_received; /* 1005 when the close had none */
	uint16_t code_sent;
	char reason[SESSION_REASON_MAX + 1];
};

/* session_recv.c: wslay's receive callbacks, and the message being
 * assembled given back (to the budget too). */
ssize_t session_recv_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len,
    int flags, void *user_data);
void session_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user_data);
void session_frame_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user_data);
void session_frame_chunk_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user_data);
void session_drop_msg(struct session *s);

/* The message being received: its bytes, and its allocation (which the
 * budget counts). */
static inline size_t
msg_len(const struct session *s)
{
	return s->msg != NULL ? s->msg->len : 0;
}

static inline size_t
msg_cap(const struct session *s)
{
	return s->msg != NULL ? s->msg->cap : 0;
}

/* session.c: encodes the control frames wslay has queued (a pong).  0, or
 * -1 when out of memory. */
int session_encode_control(struct session *s);

#endif
