/*
 * Standard input as lines and standard output as messages, on libev, without
 * ever making fds 0-2 non-blocking (that flag is shared with other
 * processes).
 *
 * Reader: one read(2) per readiness; lines end in LF, a CR before it is
 * dropped; a last line without LF counts.  Lines longer than max_line and
 * lines that are not UTF-8 are reported on stderr (through log) with their
 * line number: the first are skipped, the second passed on as binary.
 *
 * Writer: appends "payload\n" records to a bounded buffer and writes them
 * as the fd accepts them, so that a reader that does not keep up (a pipe
 * nobody reads, a terminal stopped with Ctrl-S) pauses only this flow and
 * never the loop: at most PIPE_BUF per poll for pipes (so a blocking write
 * never blocks), MSG_DONTWAIT for sockets, and for terminals and other
 * character devices a new non-blocking open file description of the same
 * device, which is this process's alone (plain blocking writes when that
 * cannot be opened).  Regular files are written plainly.  Above its high
 * mark the owner should stop reading the network; on_drain says when to
 * resume.
 */
#ifndef LINEIO_H
#define LINEIO_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#define LINEIO_READ_MAX 65536	  /* bytes per read(2) */
#define LINEIO_EOF (-1)		  /* a separator: only the end of input */
#define LINEIO_HIGH (1024 * 1024) /* stdout bytes: stop reading peers */

struct lineio_reader;
struct lineio_writer;

/* One table for both ends: the reader calls the first three, the writer
 * the last two. */
struct lineio_cbs {
	/* One line, without its end; text when it is UTF-8. */
	void (*on_line)(const char *line, size_t len, bool text, void *arg);
	void (*on_batch)(void *arg); /* after each read's lines: flush */
	void (*on_eof)(void *arg);
	void (*on_drain)(void *arg); /* back below the low mark */
	void (*on_error)(void *arg); /* a write failed; see _error() */
};

/* stdin as a reader of records of at most max_message bytes, and stdout
 * as a writer of such records with the LINEIO_HIGH mark.  0, or -1 when
 * out of memory (both are NULL then). */
int lineio_open_stdio(struct ev_loop *loop, size_t max_message,
    const struct lineio_cbs *cbs, void *arg, struct lineio_reader **in,
    struct lineio_writer **out);

/* A reader of fd (not started), or NULL when out of memory.  cbs lives as
 * long as the reader. */
struct lineio_reader *lineio_reader_new(struct ev_loop *loop, int fd,
    size_t max_line, const struct lineio_cbs *cbs, void *arg);
/* Stops it and frees everything.  NULL is fine. */
void lineio_reader_free(struct lineio_reader *r);
/* What the records are (the default: LF-ended lines, checked):
 *   sep   '\n': lines, a CR before the LF dropped; '\0': NUL-ended
 *         records, taken as they are; LINEIO_EOF: the whole input is one
 *         record (an empty input too);
 *   kind  whether on_line's text says "valid UTF-8" (a record that is not
 *         is reported, up to a few times) or is always false: binary
 *         records, or records the owner parses itself. */
enum lineio_text { LINEIO_TEXT_CHECK, LINEIO_TEXT_NEVER };
void lineio_reader_set_records(struct lineio_reader *r, int sep,
    enum lineio_text kind);
/* What messages call the reader ("3: stdout": "3: stdout line 7: ...",
 * "3: stdout: reason"); name is borrowed.  NULL, the default: stdin, as
 * "line 7: ..." and "stdin: reason". */
void lineio_reader_set_name(struct lineio_reader *r, const char *name);
/* During on_line: the record cannot be used (why: "not JSON"); it is
 * logged with its number ("line 3: not JSON, skipped") and counted with
 * lineio_reader_dropped. */
void lineio_reader_reject(struct lineio_reader *r, const char *why);
/* The number of the last record passed on (1 for the first). */
unsigned long lineio_reader_number(const struct lineio_reader *r);
/* Start or resume reading; stop (pause) reading.  Both are idempotent. */
void lineio_reader_start(struct lineio_reader *r);
void lineio_reader_stop(struct lineio_reader *r);
/* Splits bytes into lines as if they had been read. */
void lineio_reader_feed(struct lineio_reader *r, const char *p, size_t n);
/* End of input: passes on the last partial line, then calls on_batch and
 * on_eof. */
void lineio_reader_end(struct lineio_reader *r);
/* True once the input has ended. */
bool lineio_reader_eof(const struct lineio_reader *r);
/* The errno of the read that failed and so ended the input (it is logged
 * as "stdin: reason"), or 0. */
int lineio_reader_error(const struct lineio_reader *r);
/* Records not passed on so far, or rejected: longer than max_line, no
 * memory for them (each is logged with its number). */
unsigned long lineio_reader_dropped(const struct lineio_reader *r);

/* A writer to fd that stops the owner above high bytes (and resumes it
 * below high / 4), or NULL when out of memory.  The buffer holds at most
 * high plus two messages of max_message bytes.  fd's flags are left as
 * they are; for a character device the writer opens the device again
 * (non-blocking, close-on-exec) and owns that descriptor. */
struct lineio_writer *lineio_writer_new(struct ev_loop *loop, int fd,
    size_t high, size_t max_message, const struct lineio_cbs *cbs, void *arg);
/* Stops it and frees everything, unwritten bytes included.  NULL is
 * fine. */
void lineio_writer_free(struct lineio_writer *w);
/* What follows each message: '\n' (the default), '\0', or LINEIO_EOF for
 * nothing. */
void lineio_writer_set_end(struct lineio_writer *w, int end);
/* Queues p and the end.  Returns 0, or -1 when the buffer is full or a
 * write already failed. */
int lineio_writer_message(struct lineio_writer *w, const void *p, size_t n);
struct chunk;
/* The same for a message that lies in chunk c (src/outq): a large one is
 * queued by reference (no copy; c lives on until it is written), a small
 * one copied. */
int lineio_writer_message_ref(struct lineio_writer *w, struct chunk *c,
    const void *p, size_t n);
/* The same after npre bytes of pre (copied): "3\t" before a payload. */
int lineio_writer_record(struct lineio_writer *w, const char *pre, size_t npre,
    struct chunk *c, const void *p, size_t n);
/* Bytes queued and not yet written. */
size_t lineio_writer_pending(const struct lineio_writer *w);
/* True above the high mark: stop feeding. */
bool lineio_writer_full(const struct lineio_writer *w);
/* Writes out everything pending to fd, blocking however long the reader
 * takes; used at exit.  0 or -1. */
int lineio_writer_flush(struct lineio_writer *w);
/* Writes out what is pending (blocking) and frees w.  Returns the errno
 * of a failed write, or 0: also for EPIPE, since a reader that went away
 * (`wsserve | head -1`) is a normal end.  NULL is fine. */
int lineio_writer_close(struct lineio_writer *w);
/* The errno of the failed write (EPIPE: the reader is gone), or 0. */
int lineio_writer_error(const struct lineio_writer *w);

#endif
