/*
 * wscat's stdin and stdout records in each framing (src/record): what a
 * record read asks for (a message, a close), and how a received message
 * and, with --events, the open and the close are written.  A terminal's
 * view is client_console.c's.
 */
#include <stdio.h>
#include <string.h>

#include "client_int.h"
#include "record.h"

void
client_input(struct client *cl, const char *p, size_t n, bool text)
{
	struct record *r = &cl->rec;
	char err[LOG_ERR_MAX];

	if (cl->cfg->rec.framing != RECORD_JSONL) {
		client_send(cl, p, n, text);
		return;
	}
	/* What came in the same read as a close: said, not failed, since
	 * a later read would not have been made. */
	if (cl->input_ended)
		log_msg("line %lu: after a close, not sent",
		    lineio_reader_number(cl->in));
	else if (record_parse_json(r, p, n, false, cl->cfg->max_message, err,
		     sizeof(err)) == -1)
		lineio_reader_reject(cl->in, err);
	else if (r->close) {
		/* The input ends here: what follows is not sent. */
		cl->close_code = r->code;
		client_set_reading(cl, false);
		cl->input_ended = true;
		client_close(cl, r->code, r->reason);
	} else
		client_send(cl, r->data, r->len, r->text);
	record_clear(r);
}

int
client_output_message(struct client *cl, int opcode, const uint8_t *p, size_t n,
    struct chunk *c)
{
	if (cl->cfg->rec.framing != RECORD_JSONL)
		return lineio_writer_message_ref(cl->out, c, p, n);
	return record_write_json(cl->out, &cl->json, 0,
	    opcode == WSLAY_TEXT_FRAME, p, n);
}

/* --events: one JSON line on stdout. */
static void
put_event(struct client *cl, const struct record_event *ev)
{
	if (record_json_event(&cl->evline, ev) == -1 ||
	    lineio_writer_message(cl->out, buf_head(&cl->evline),
		buf_used(&cl->evline)) == -1) {
		if (lineio_writer_error(cl->out) == 0)
			log_msg("event lost: out of memory");
	}
}

void
client_event_open(struct client *cl)
{
	struct record_event ev = { .event = "open",
		.peer = wsconn_peer(cl->c),
		.path = cl->url.resource,
		.subprotocol = wsconn_protocol(cl->c),
		.code = -1 };

	if (cl->cfg->rec.events)
		put_event(cl, &ev);
}

void
client_event_close(struct client *cl)
{
	struct record_event ev = { .event = "close" };

	if (!cl->cfg->rec.events || !wsconn_opened(cl->c))
		return;
	ev.code = wsconn_end_code(cl->c, &ev.reason);
	put_event(cl, &ev);
}
