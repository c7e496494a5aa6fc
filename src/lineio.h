/*
 * Standard input as lines and standard output as messages, on libev, without
 * ever making fds 0-2 non-blocking (that flag is shared with other
 * processes).
 *
 * linereader: one read(2) per readiness; lines end in LF, a CR before it is
 * dropped; a last line without LF counts.  Lines longer than max_line and
 * lines that are not UTF-8 are reported on stderr (through log) with their
 * line number: the first are skipped, the second passed on as binary.
 *
 * outwriter: appends "payload\n" records to a bounded buffer and writes them
 * as the fd accepts them: plain writes for files and terminals, at most
 * PIPE_BUF per poll for pipes (so a blocking write never blocks), and
 * MSG_DONTWAIT for sockets.  Above its high mark the owner should stop
 * reading the network; on_drain says when to resume.
 */
#ifndef LINEIO_H
#define LINEIO_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "buf.h"

#define LINEIO_READ_MAX 65536	/* bytes per read(2) */

typedef void linereader_line_cb(const char *line, size_t len, bool text,
    void *arg);
typedef void linereader_cb(void *arg);

struct linereader {
	ev_io io;
	struct ev_loop *loop;
	struct buf part;	/* an incomplete line; owned */
	size_t max_line;
	unsigned long lineno;
	unsigned long nbinary;	/* non-UTF-8 lines seen, for the warnings */
	bool skipping;		/* inside an over-long line */
	bool eof;
	linereader_line_cb *on_line;
	linereader_cb *on_batch;	/* after each read's lines: flush */
	linereader_cb *on_eof;
	void *arg;
};

void linereader_init(struct linereader *r, struct ev_loop *loop, int fd,
    size_t max_line, linereader_line_cb *on_line, linereader_cb *on_batch,
    linereader_cb *on_eof, void *arg);
void linereader_deinit(struct linereader *r);
/* Start or resume reading; stop (pause) reading.  Both are idempotent. */
void linereader_start(struct linereader *r);
void linereader_stop(struct linereader *r);
/* Splits bytes into lines as if they had been read. */
void linereader_feed(struct linereader *r, const char *p, size_t n);
/* End of input: passes on the last partial line, then calls on_batch and
 * on_eof. */
void linereader_end(struct linereader *r);

typedef void outwriter_cb(void *arg);

struct outwriter {
	ev_io io;
	struct ev_loop *loop;
	struct buf buf;		/* pending output; owned */
	int fd;
	int kind;		/* how fd is written, see lineio.c */
	size_t high, low;
	bool above;		/* passed high and not yet back below low */
	int error;		/* errno of the failed write, or 0 */
	outwriter_cb *on_drain;	/* back below low */
	outwriter_cb *on_error;	/* write failed (EPIPE: the reader is gone) */
	void *arg;
};

/* max bounds the buffer: it must exceed high by the largest message. */
void outwriter_init(struct outwriter *w, struct ev_loop *loop, int fd,
    size_t high, size_t max, outwriter_cb *on_drain, outwriter_cb *on_error,
    void *arg);
void outwriter_deinit(struct outwriter *w);
/* Queues p followed by LF.  Returns 0, or -1 when the buffer is full or a
 * write already failed. */
int outwriter_message(struct outwriter *w, const void *p, size_t n);
/* True above the high mark: stop feeding. */
bool outwriter_full(const struct outwriter *w);
/* Writes out everything pending, blocking; used at exit.  0 or -1. */
int outwriter_flush(struct outwriter *w);

#endif
