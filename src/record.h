/*
 * The framings beyond plain lines, as the README's table gives them: JSON
 * lines (one object per message or event each way, exact for any payload)
 * and wsserve's --ids records ("3<TAB>payload").
 *
 * Output is encoded by hand, in one pass straight into the chunk it is
 * written from (a tree per message would cost an allocation per value);
 * input is parsed with jansson.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "lineio.h"

struct chunk;

/* How stdin and stdout carry messages (the options of both tools). */
enum record_framing {
	RECORD_LINES, /* payloads as they are, each followed by sep */
	RECORD_JSONL, /* --jsonl: one JSON object or string per line */
	RECORD_IDS    /* --ids (wsserve): "ID<TAB>payload" records */
};

struct record_opts {
	enum record_framing framing;
	int sep;     /* what ends a record: '\n', '\0' (-0), or LINEIO_EOF
		      * (--whole: stdin is one message, and nothing is
		      * written between received ones) */
	bool binary; /* -b: stdin records go out as binary messages */
	bool events; /* --events: open, close, errors on stdout */
};

#define RECORD_ID_MAX 24      /* "18446744073709551615\t" and a NUL */
#define RECORD_REASON_MAX 123 /* close reason bytes (RFC 6455 5.5) */

/* What goes with an event line: all but id may be NULL (left out). */
struct record_event {
	const char *event; /* "open", "close", "error" */
	unsigned long id;  /* 0: none (wscat) */
	const char *peer, *path, *subprotocol, *origin; /* open */
	int code;					/* close: >= 0 */
	const char *reason;				/* close */
	const char *error;				/* error */
	unsigned long line;				/* error: input line */
};

/* Whether stdin records are checked for UTF-8: not when they are binary
 * (-b) or JSON (jansson checks the strings). */
enum lineio_text record_check(const struct record_opts *o);

/* The longest stdin or stdout record for messages of max_message bytes:
 * an --ids record has its id in front and escapes (two bytes for one at
 * worst), a JSON line escapes its text (six) or base64-encodes it. */
size_t record_max(const struct record_opts *o, size_t max_message);

/* The framing options, checked together: NULL, or why they do not go
 * together ("--jsonl and -0 ...").  server (wsserve): --ids exists, and
 * --events is on with --jsonl unless no_events. */
struct record_flags {
	bool null, whole, binary, jsonl, ids, events, no_events;
	bool server;
};
const char *record_opts_set(struct record_opts *o,
    const struct record_flags *f);

/* A message as one JSON line, LF not included: {"id":3,"type":"text",
 * "data":"..."} (no "id" when id is 0; binary data in base64).  Text must
 * be UTF-8 (the session checked it).  It is written into *cur (see
 * chunk_room); returns the chunk and sets *off and *len, or NULL when out
 * of memory. */
struct chunk *record_json_message(struct chunk **cur, unsigned long id,
    bool text, const uint8_t *p, size_t n, size_t *off, size_t *len);

/* The same, queued on w (lineio_writer_message_ref).  0 or -1. */
int record_write_json(struct lineio_writer *w, struct chunk **cur,
    unsigned long id, bool text, const uint8_t *p, size_t n);

/* An event as one JSON line, LF not included, appended to out (emptied
 * first).  Strings other than peer, path and origin must be UTF-8; those
 * three are escaped byte by byte.  0, or -1 when out of memory. */
int record_json_event(struct buf *out, const struct record_event *ev);

/* An event as an --ids line: "3:open<TAB>PEER<TAB>PATH",
 * "3:close<TAB>CODE<TAB>REASON", "7:error<TAB>line 5<TAB>WHY" (for
 * input meant for client 7), "*:error<TAB>line 5<TAB>WHY" (for input of
 * no client's); fields escaped as src/escape does, and a backslash
 * doubled.  0 or -1, as above. */
int record_ids_event(struct buf *out, const struct record_event *ev);

/* --ids payloads are escaped so that one record stays one: a backslash
 * as \\, and the separator sep as \n ('\n', then a CR as \r too) or \0
 * ('\0'); input takes those and \t.  Plain: nothing to escape.  Escape:
 * written into *cur as record_json_message does. */
bool record_ids_plain(int sep, const uint8_t *p, size_t n);
struct chunk *record_ids_escape(struct chunk **cur, int sep, const uint8_t *p,
    size_t n, size_t *off, size_t *len);

/* One parsed input record: a message to send, or a close. */
struct record {
	bool close;	  /* {"close":...}: close, no message */
	bool text;	  /* the message's type */
	const char *data; /* the payload, into root or bin */
	size_t len;
	unsigned long *to; /* owned; nto 0: every client */
	size_t nto;
	uint16_t code;	    /* close code: 1000 unless given */
	const char *reason; /* close reason, UTF-8, or "" */
	void *root;	    /* the parsed JSON (json_t); owned */
	struct buf bin;	    /* a decoded binary payload; owned */
};

void record_init(struct record *r);
/* Frees what r owns, ready for the next record. */
void record_clear(struct record *r);

/*
 * One JSON line of input into r.  A JSON string is a text message; an
 * object has "data", "type" ("text" or "binary": then data is base64),
 * and for wsserve (server) "to" (an id or an array of ids); a close is
 * {"close":CODE,"reason":R} for wscat and {"close":ID or [IDs],
 * "code":CODE,"reason":R} for wsserve.  Anything else (another key, a
 * wrong type, bad base64, an invalid close code, a reason over 123 bytes,
 * a message over max_message) is an error.  0, or -1 with why in err.
 */
int record_parse_json(struct record *r, const char *p, size_t n, bool server,
    size_t max_message, char *err, size_t errlen);

/* "ID<TAB>payload" (to client ID) or "*<TAB>payload" (to all): the
 * payload is r->data, its escapes undone (see record_ids_escape), and
 * r->to the id; whether it is text is the caller's to say.  0, or -1 with
 * why in err (a backslash before anything else is one). */
int record_parse_ids(struct record *r, const char *p, size_t n, char *err,
    size_t errlen);

#endif
