/*
 * wsserve's stdin records and stdout records in each framing (src/record):
 * what a record read asks for (a message to everyone or to some clients,
 * a close), and how a received message or a client's open and close are
 * written.  A terminal's view is server_console.c's.
 */
#include <stdio.h>
#include <string.h>

#include "handshake.h"
#include "log.h"
#include "outq.h"
#include "record.h"
#include "server_int.h"

/* An event: on stdout with --events, else on stderr. */
static void
put_event(struct server *s, const struct record_event *ev)
{
	bool json = s->cfg->rec.framing == RECORD_JSONL;
	int r = json ? record_json_event(&s->evline, ev) :
		       record_ids_event(&s->evline, ev);

	if (r == -1)
		log_msg("out of memory");
	else if (!s->cfg->rec.events)
		log_info("%.*s", (int)buf_used(&s->evline),
		    buf_head(&s->evline));
	else if (lineio_writer_message(s->out, buf_head(&s->evline),
		     buf_used(&s->evline)) == -1 &&
	    lineio_writer_error(s->out) == 0)
		log_msg("event lost: stdout buffer full");
}

/* Events are records of their own with --ids and --jsonl, unless the
 * terminal shows them. */
static bool
records_events(const struct server *s)
{
	return !s->cfg->term.show && s->cfg->rec.framing != RECORD_LINES &&
	    (s->cfg->rec.events || s->cfg->rec.framing == RECORD_IDS);
}

/* Copies span v NUL-ended into out. */
static const char *
span_str(struct handshake_span v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.*s", (int)v.n, v.p != NULL ? v.p : "");
	return out;
}

void
server_event_open(struct server *s, const struct peer *p)
{
	struct record_event ev = { .event = "open", .id = p->id, .code = -1 };
	struct handshake_request req;
	char err[LOG_ERR_MAX], path[HANDSHAKE_MAX_HEAD],
	    origin[HANDSHAKE_MAX_HEAD];
	const char *head;
	size_t len;

	if (!records_events(s)) {
		log_info("%s connected", wsconn_peer(p->conn));
		return;
	}
	ev.peer = wsconn_peer(p->conn);
	ev.subprotocol = wsconn_protocol(p->conn);
	/* The head was parsed once already: it parses again. */
	head = wsconn_request(p->conn, &len);
	if (head != NULL &&
	    handshake_parse_request(head, len, &req, err, sizeof(err)) == 0) {
		ev.path = span_str(req.path, path, sizeof(path));
		if (req.origin.p != NULL)
			ev.origin = span_str(req.origin, origin,
			    sizeof(origin));
	}
	if (s->cfg->rec.framing == RECORD_IDS)
		ev.subprotocol = NULL;
	put_event(s, &ev);
}

void
server_event_close(struct server *s, const struct peer *p, const char *how)
{
	struct record_event ev = { .event = "close", .id = p->id };

	if (!records_events(s)) {
		log_info("%s disconnected (%s)", wsconn_peer(p->conn), how);
		return;
	}
	ev.code = wsconn_end_code(p->conn, &ev.reason);
	put_event(s, &ev);
}

/* Input for a client that is not there: said on stderr, and as an event
 * with --events. */
void
server_event_gone(struct server *s, unsigned long id)
{
	struct record_event ev = { .event = "error",
		.id = id,
		.code = -1,
		.error = "no such client" };

	ev.line = s->con == NULL ? lineio_reader_number(s->in) : 0;
	log_msg("line %lu: no client %lu, not sent", ev.line, id);
	if (records_events(s) && s->cfg->rec.events)
		put_event(s, &ev);
}

int
server_output_message(struct server *s, const struct peer *p, int opcode,
    const uint8_t *data, size_t n, struct chunk *c)
{
	size_t off, len;

	switch (s->cfg->rec.framing) {
	case RECORD_IDS:
		/* A payload may not forge the next record. */
		if (!record_ids_plain(s->cfg->rec.sep, data, n)) {
			if ((c = record_ids_escape(&s->json, s->cfg->rec.sep,
				 data, n, &off, &len)) == NULL)
				return -1;
			data = c->data + off;
			n = len;
		}
		return lineio_writer_record(s->out, p->tag, p->ntag, c, data,
		    n);
	case RECORD_JSONL:
		return record_write_json(s->out, &s->json, p->id,
		    opcode == WSLAY_TEXT_FRAME, data, n);
	default:
		return lineio_writer_message_ref(s->out, c, data, n);
	}
}

/* {"close":ID,...}: each client closes with the code and reason. */
static void
close_clients(struct server *s, const struct record *r)
{
	struct peer *p;

	for (size_t i = 0; i < r->nto; i++) {
		if ((p = server_find(s, r->to[i])) == NULL)
			server_event_gone(s, r->to[i]);
		else
			wsconn_close_reason(p->conn, r->code, r->reason);
	}
}

void
server_input(struct server *s, const char *p, size_t n, bool text)
{
	struct record *r = &s->rec;
	char err[LOG_ERR_MAX];
	int rc;

	if (s->cfg->rec.framing == RECORD_LINES) {
		server_queue(s, p, n, text, NULL, 0);
		return;
	}
	if (s->cfg->rec.framing == RECORD_IDS) {
		rc = record_parse_ids(r, p, n, err, sizeof(err));
		r->text = text;
	} else
		rc = record_parse_json(r, p, n, true, s->cfg->max_message, err,
		    sizeof(err));
	if (rc == -1) {
		struct record_event ev = { .event = "error",
			.code = -1,
			.error = err,
			.line = lineio_reader_number(s->in) };

		lineio_reader_reject(s->in, err);
		if (records_events(s) && s->cfg->rec.events)
			put_event(s, &ev);
	} else if (r->close)
		close_clients(s, r);
	else
		server_queue(s, r->data, r->len, r->text, r->to, r->nto);
	record_clear(r);
}
