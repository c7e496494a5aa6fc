/*
 * The inside of struct session, shared by src/session.c (set-up, the send
 * side, the close and the state) and src/session_recv.c (the receive
 * side: read-ahead, close frames held whole, message assembly and the
 * wslay callbacks that do it).  Nothing else includes this.
 */
#ifndef SESSION_INT_H
#define SESSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <wslay/wslay.h>

#include "buf.h"
#include "framescan.h"
#include "session.h"

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
	char close_reason[SESSION_REASON_MAX + 1]; /* ... with this reason */
	bool close_queued;			   /* we queued a close frame */
	struct buf msg;	       /* the data message being received; owned */
	struct budget *budget; /* shared with other sessions, or NULL */
	size_t max_message;
	bool in_control;	/* the frame being received is a control one */
	bool msg_failed;	/* fail_message: read no more data */
	bool in_message;	/* a fragmented message has begun */
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

#endif
