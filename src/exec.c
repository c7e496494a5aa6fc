/*
 * A program as a peer's other end: src/child for the process, src/lineio
 * for its three pipes.  The pipes are ours alone, so unlike stdio they
 * could be non-blocking; lineio takes them as it takes any pipe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "child.h"
#include "escape.h"
#include "exec.h"
#include "lineio.h"
#include "log.h"

#define STDERR_LINE_MAX 65536 /* longer stderr lines are dropped, said */
#define STDERR_SHOWN 4096     /* bytes of a stderr line logged */
#define STDERR_RATE 100	      /* stderr lines logged a second, at most */
#define FLUSH_POLL 0.05	      /* exec_stop: is its stdin written yet? */

struct exec {
	struct ev_loop *loop;
	struct child *ch;	   /* owned */
	struct lineio_reader *out; /* its stdout; owned */
	struct lineio_reader *err; /* its stderr; owned */
	struct lineio_writer *in;  /* its stdin; owned, NULL once closed */
	ev_timer timer;		   /* exec_stop's flush, or the EOF wait */
	ev_tstamp flush_until;	   /* exec_stop: when to give up */
	double grace;
	int status;
	size_t refused;	     /* messages it could not take: it had quit */
	ev_tstamp err_since; /* the second its stderr lines count in */
	unsigned long err_lines, unshown;
	bool exited, out_eof, ended, stopping;
	bool reading;		   /* the owner wants its stdout */
	char *tag;		   /* owned */
	char *out_name, *err_name; /* "TAG: stdout", ...; owned */
	const struct exec_cbs *cb;
	void *arg;
};

static void
maybe_end(struct exec *x)
{
	if (!x->exited || !x->out_eof || x->ended)
		return;
	x->ended = true;
	ev_timer_stop(x->loop, &x->timer);
	x->cb->on_end(x->status, x->arg); /* may free x */
}

static void
out_line(const char *p, size_t n, bool text, void *arg)
{
	struct exec *x = arg;

	if (!x->stopping)
		x->cb->on_record(p, n, text, x->arg);
}

static void
out_batch(void *arg)
{
	struct exec *x = arg;

	if (!x->stopping)
		x->cb->on_batch(x->arg);
}

static void
out_eof(void *arg)
{
	struct exec *x = arg;

	x->out_eof = true;
	maybe_end(x);
}

/* Lines of its stderr not shown, as one line. */
static void
report_unshown(struct exec *x)
{
	if (x->unshown > 0)
		log_msg("%s: %lu more stderr line%s not shown", x->tag,
		    x->unshown, x->unshown == 1 ? "" : "s");
	x->unshown = 0;
}

/* A peer can make a program write to its stderr as fast as it likes:
 * STDERR_RATE lines a second are logged, the rest counted. */
static void
err_line(const char *p, size_t n, UNUSED bool text, void *arg)
{
	struct exec *x = arg;
	char shown[ESCAPE_MAX(STDERR_SHOWN)];
	ev_tstamp now = ev_now(x->loop);

	if (now - x->err_since >= 1.) {
		report_unshown(x);
		x->err_since = now;
		x->err_lines = 0;
	}
	if (++x->err_lines > STDERR_RATE) {
		x->unshown++;
		return;
	}
	escape_text(shown, sizeof(shown), p,
	    n < STDERR_SHOWN ? n : STDERR_SHOWN, "\t");
	log_msg("%s: %s", x->tag, shown);
}

static void
nothing(UNUSED void *arg)
{
}

static void
in_drain(void *arg)
{
	struct exec *x = arg;

	x->cb->on_drain(x->arg);
}

/* Its stdin failed: EPIPE is a program that stopped reading. */
static void
in_error(void *arg)
{
	struct exec *x = arg;
	int error = lineio_writer_error(x->in);

	if (error != EPIPE)
		log_msg("%s: the program's stdin: %s", x->tag, strerror(error));
	x->cb->on_drain(x->arg); /* nothing waits for it any more */
}

static const struct lineio_cbs out_cbs = { out_line, out_batch, out_eof,
	nothing, nothing };
static const struct lineio_cbs err_cbs = { err_line, nothing, nothing, nothing,
	nothing };
static const struct lineio_cbs in_cbs = { NULL, nothing, nothing, in_drain,
	in_error };

/* Its stdin is done: EOF for it, then the signals after grace. */
static void
close_input(struct exec *x, double grace)
{
	ev_timer_stop(x->loop, &x->timer);
	lineio_writer_free(x->in);
	x->in = NULL;
	child_stop(x->ch, grace);
}

/* After its exit, EXEC_EOF_WAIT of reading its stdout (not of waiting
 * for a peer that holds the reading back). */
static void
eof_wait(struct exec *x, bool on)
{
	if (on && !ev_is_active(&x->timer)) {
		ev_timer_set(&x->timer, EXEC_EOF_WAIT, 0.);
		ev_timer_start(x->loop, &x->timer);
	} else if (!on)
		ev_timer_stop(x->loop, &x->timer);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct exec *x = w->data;

	if (x->exited) {
		/* Something it started holds its stdout open: what was
		 * read is passed on, a last record without its end too. */
		lineio_reader_end(x->out);
	} else if (lineio_writer_pending(x->in) == 0)
		close_input(x, x->grace);
	else if (ev_now(loop) >= x->flush_until)
		close_input(x, 0);
}

static void
exited_cb(UNUSED struct child *ch, int status, void *arg)
{
	struct exec *x = arg;

	x->exited = true;
	x->status = status;
	lineio_writer_free(x->in);
	x->in = NULL;
	ev_timer_stop(x->loop, &x->timer);
	/* Nothing waits for its stdin any more: a peer paused for it reads
	 * on (and so sees the close that follows). */
	x->cb->on_drain(x->arg);
	/* What it wrote is in the pipe: read to its end. */
	if (!x->out_eof && (x->reading || x->stopping))
		eof_wait(x, true);
	maybe_end(x);
}

static const struct child_cbs child_cbs = { exited_cb };

struct exec *
exec_start(struct ev_loop *loop, char *const argv[], char *const envp[],
    const struct record_opts *rec, size_t max_message, const char *tag,
    const struct exec_cbs *cbs, void *arg, char *err, size_t errlen)
{
	struct exec *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->loop = loop;
	x->cb = cbs;
	x->arg = arg;
	if ((x->tag = strdup(tag)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(x);
		return NULL;
	}
	ev_init(&x->timer, timer_cb);
	x->timer.data = x;
	if ((x->ch = child_spawn(loop, argv, envp, &child_cbs, x, err,
		 errlen)) == NULL) {
		free(x->tag);
		free(x);
		return NULL;
	}
	if (asprintf(&x->out_name, "%s: stdout", tag) == -1)
		x->out_name = NULL;
	if (asprintf(&x->err_name, "%s: stderr", tag) == -1)
		x->err_name = NULL;
	x->out = lineio_reader_new(loop, child_stdout(x->ch), max_message,
	    &out_cbs, x);
	x->err = lineio_reader_new(loop, child_stderr(x->ch), STDERR_LINE_MAX,
	    &err_cbs, x);
	x->in = lineio_writer_new(loop, child_stdin(x->ch), LINEIO_HIGH,
	    max_message, &in_cbs, x);
	if (x->out == NULL || x->err == NULL || x->in == NULL ||
	    x->out_name == NULL || x->err_name == NULL) {
		snprintf(err, errlen, "out of memory");
		exec_free(x);
		return NULL;
	}
	lineio_reader_set_name(x->out, x->out_name);
	lineio_reader_set_name(x->err, x->err_name);
	lineio_reader_set_records(x->err, '\n', LINEIO_TEXT_NEVER);
	lineio_reader_set_records(x->out, rec->sep, record_check(rec));
	lineio_writer_set_end(x->in, rec->sep);
	lineio_reader_start(x->err);
	return x;
}

void
exec_send(struct exec *x, struct chunk *c, const void *p, size_t n)
{
	if (x->in == NULL || x->stopping ||
	    lineio_writer_message_ref(x->in, c, p, n) == -1)
		x->refused++;
}

bool
exec_full(const struct exec *x)
{
	return x->in != NULL && lineio_writer_full(x->in);
}

void
exec_read(struct exec *x, bool on)
{
	x->reading = on;
	if (on || x->stopping)
		lineio_reader_start(x->out);
	else
		lineio_reader_stop(x->out);
	if (x->exited && !x->out_eof)
		eof_wait(x, on || x->stopping);
}

void
exec_stop(struct exec *x, double grace)
{
	if (x->stopping)
		return;
	x->stopping = true;
	x->grace = grace;
	exec_read(x, true); /* drained, so it never blocks */
	if (x->in == NULL || lineio_writer_pending(x->in) == 0) {
		if (!x->exited)
			close_input(x, grace);
		return;
	}
	x->flush_until = ev_now(x->loop) + grace;
	ev_timer_set(&x->timer, FLUSH_POLL, FLUSH_POLL);
	ev_timer_start(x->loop, &x->timer);
}

void
exec_free(struct exec *x)
{
	if (x == NULL)
		return;
	if (x->refused > 0)
		log_msg("%s: %zu message%s for the program not passed on: it "
			"no longer read them",
		    x->tag, x->refused, x->refused == 1 ? "" : "s");
	report_unshown(x);
	ev_timer_stop(x->loop, &x->timer);
	/* Their watchers go before child_free closes the fds. */
	lineio_reader_free(x->out);
	lineio_reader_free(x->err);
	lineio_writer_free(x->in);
	child_free(x->ch);
	free(x->out_name);
	free(x->err_name);
	free(x->tag);
	free(x);
}
