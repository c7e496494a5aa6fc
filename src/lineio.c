/*
 * Line-oriented stdin and message-oriented stdout on libev.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "lineio.h"
#include "log.h"
#include "utf8.h"

#define BINARY_WARN_MAX 5 /* then one note, then silence */

#define OUT_SLACK (64 * 1024)	    /* beyond high and two messages */
#define PIPE_BUDGET (16 * PIPE_BUF) /* bytes per readiness into a pipe */

enum { OUT_BLOCKING, OUT_PIPE, OUT_SOCKET };

struct lineio_reader {
	ev_io io;
	struct ev_loop *loop;
	struct buf part; /* an incomplete line; owned */
	size_t max_line;
	unsigned long lineno;
	unsigned long nbinary; /* non-UTF-8 lines seen, for the warnings */
	bool skipping;	       /* inside a dropped line */
	bool eof;
	const struct lineio_cbs *cb;
	void *arg;
};

struct lineio_writer {
	ev_io io;
	struct ev_loop *loop;
	struct buf buf; /* pending output; owned */
	int fd;
	int kind; /* how fd is written: OUT_* */
	size_t high, low;
	bool above; /* passed high and not yet back below low */
	int error;  /* errno of the failed write, or 0 */
	const struct lineio_cbs *cb;
	void *arg;
};

static void
emit(struct lineio_reader *r, const char *p, size_t n)
{
	bool text;

	r->lineno++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	text = utf8_valid(p, n);
	if (!text && ++r->nbinary <= BINARY_WARN_MAX)
		log_msg("line %lu: not valid UTF-8, sent as a binary message%s",
		    r->lineno,
		    r->nbinary == BINARY_WARN_MAX ?
			" (further such lines are not reported)" :
			"");
	r->cb->on_line(p, n, text, r->arg);
}

/* Reports a line that is not sent (over-long, or no memory for it); the
 * rest of it is skipped up to its LF. */
static void
drop_line(struct lineio_reader *r, bool complete, bool too_long)
{
	r->lineno++;
	if (too_long)
		log_msg("line %lu: longer than %zu bytes, not sent", r->lineno,
		    r->max_line);
	else
		log_msg("line %lu: out of memory, not sent", r->lineno);
	r->skipping = !complete;
	buf_deinit(&r->part);
}

/* Length of the line that ends at nl, without a CR before the LF. */
static size_t
line_len(const struct lineio_reader *r, const char *p, const char *nl)
{
	size_t used = buf_used(&r->part), n = used + (nl - p);
	char last = nl > p ? nl[-1] : used ? buf_head(&r->part)[used - 1] : 0;

	return last == '\r' ? n - 1 : n;
}

void
lineio_reader_feed(struct lineio_reader *r, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (r->skipping) {
			if (nl == NULL)
				return;
			r->skipping = false;
			p = nl + 1;
			continue;
		}
		if (nl == NULL) {
			/* +1 leaves room for a CR that is not counted. */
			if (buf_used(&r->part) + (end - p) > r->max_line + 1)
				drop_line(r, false, true);
			else if (buf_append(&r->part, p, end - p) == -1)
				drop_line(r, false, false);
			return;
		}
		if (line_len(r, p, nl) > r->max_line)
			drop_line(r, true, true);
		else if (buf_used(&r->part) > 0) {
			if (buf_append(&r->part, p, nl - p) == -1)
				drop_line(r, true, false);
			else
				emit(r, buf_head(&r->part), buf_used(&r->part));
			buf_deinit(&r->part);
		} else
			emit(r, p, nl - p);
		p = nl + 1;
	}
}

void
lineio_reader_end(struct lineio_reader *r)
{
	if (r->eof)
		return;
	r->eof = true;
	lineio_reader_stop(r);
	if (!r->skipping && buf_used(&r->part) > 0)
		emit(r, buf_head(&r->part), buf_used(&r->part));
	buf_deinit(&r->part);
	r->cb->on_batch(r->arg);
	r->cb->on_eof(r->arg);
}

static void
lineio_reader_read_cb(UNUSED struct ev_loop *loop, ev_io *w, UNUSED int revents)
{
	struct lineio_reader *r = w->data;
	char chunk[LINEIO_READ_MAX];
	ssize_t n;

	n = read(w->fd, chunk, sizeof(chunk));
	if (n > 0) {
		lineio_reader_feed(r, chunk, n);
		r->cb->on_batch(r->arg);
	} else if (n == 0)
		lineio_reader_end(r);
	else if (errno != EINTR && errno != EAGAIN) {
		log_msg("stdin: %s", strerror(errno));
		lineio_reader_end(r);
	}
}

struct lineio_reader *
lineio_reader_new(struct ev_loop *loop, int fd, size_t max_line,
    const struct lineio_cbs *cbs, void *arg)
{
	struct lineio_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->loop = loop;
	/* The partial line may hold max_line bytes plus a CR. */
	buf_init(&r->part, max_line + 1);
	r->max_line = max_line;
	r->cb = cbs;
	r->arg = arg;
	ev_io_init(&r->io, lineio_reader_read_cb, fd, EV_READ);
	r->io.data = r;
	return r;
}

void
lineio_reader_free(struct lineio_reader *r)
{
	if (r == NULL)
		return;
	lineio_reader_stop(r);
	buf_deinit(&r->part);
	free(r);
}

bool
lineio_reader_eof(const struct lineio_reader *r)
{
	return r->eof;
}

void
lineio_reader_start(struct lineio_reader *r)
{
	if (!r->eof && !ev_is_active(&r->io))
		ev_io_start(r->loop, &r->io);
}

void
lineio_reader_stop(struct lineio_reader *r)
{
	if (ev_is_active(&r->io))
		ev_io_stop(r->loop, &r->io);
}

/* Writes what fd takes without blocking; returns -1 on a write error. */
static int
out_write_some(struct lineio_writer *w)
{
	size_t n, budget = PIPE_BUDGET;
	ssize_t r;

	while (buf_used(&w->buf) > 0) {
		n = buf_used(&w->buf);
		if (w->kind == OUT_PIPE) {
			struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };

			/* After POLLOUT a pipe takes PIPE_BUF bytes at once. */
			if (budget == 0 || poll(&pfd, 1, 0) != 1)
				return 0;
			if (n > PIPE_BUF)
				n = PIPE_BUF;
			budget -= n;
			r = write(w->fd, buf_head(&w->buf), n);
		} else if (w->kind == OUT_SOCKET)
			r = send(w->fd, buf_head(&w->buf), n,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			r = write(w->fd, buf_head(&w->buf), n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			w->error = errno;
			return -1;
		}
		buf_consume(&w->buf, r);
	}
	return 0;
}

static void
out_after_write(struct lineio_writer *w)
{
	if (buf_used(&w->buf) == 0 && ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	if (w->above && buf_used(&w->buf) <= w->low) {
		w->above = false;
		w->cb->on_drain(w->arg);
	}
}

static void
lineio_writer_write_cb(struct ev_loop *loop, ev_io *io, UNUSED int revents)
{
	struct lineio_writer *w = io->data;

	if (out_write_some(w) == -1) {
		ev_io_stop(loop, io);
		buf_deinit(&w->buf);
		w->above = false; /* nothing will be waiting any more */
		w->cb->on_error(w->arg);
		return;
	}
	out_after_write(w);
}

struct lineio_writer *
lineio_writer_new(struct ev_loop *loop, int fd, size_t high, size_t max_message,
    const struct lineio_cbs *cbs, void *arg)
{
	struct lineio_writer *w;
	struct stat st;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->loop = loop;
	w->fd = fd;
	w->kind = OUT_BLOCKING;
	if (fstat(fd, &st) == 0) {
		if (S_ISFIFO(st.st_mode))
			w->kind = OUT_PIPE;
		else if (S_ISSOCK(st.st_mode))
			w->kind = OUT_SOCKET;
	}
	/* Above high the owner stops reading, but the message it is
	 * receiving and one more may still arrive. */
	buf_init(&w->buf, high + 2 * max_message + OUT_SLACK);
	w->high = high;
	w->low = high / 4;
	w->cb = cbs;
	w->arg = arg;
	ev_io_init(&w->io, lineio_writer_write_cb, fd, EV_WRITE);
	w->io.data = w;
	return w;
}

void
lineio_writer_free(struct lineio_writer *w)
{
	if (w == NULL)
		return;
	if (ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	buf_deinit(&w->buf);
	free(w);
}

int
lineio_writer_error(const struct lineio_writer *w)
{
	return w->error;
}

int
lineio_writer_message(struct lineio_writer *w, const void *p, size_t n)
{
	char *dst;

	if (w->error)
		return -1;
	if ((dst = buf_reserve(&w->buf, n + 1)) == NULL)
		return -1;
	if (n > 0)
		memcpy(dst, p, n);
	dst[n] = '\n';
	buf_commit(&w->buf, n + 1);
	if (buf_used(&w->buf) > w->high)
		w->above = true;
	/* Written when the loop comes round: many messages, one write. */
	if (!ev_is_active(&w->io))
		ev_io_start(w->loop, &w->io);
	return 0;
}

bool
lineio_writer_full(const struct lineio_writer *w)
{
	return w->above;
}

int
lineio_writer_flush(struct lineio_writer *w)
{
	ssize_t r;

	while (!w->error && buf_used(&w->buf) > 0) {
		r = write(w->fd, buf_head(&w->buf), buf_used(&w->buf));
		if (r > 0)
			buf_consume(&w->buf, r);
		else if (r < 0 && errno == EAGAIN) {
			/* Someone else made the file non-blocking. */
			struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };

			poll(&pfd, 1, 1000);
		} else if (r < 0 && errno != EINTR)
			w->error = errno;
	}
	return w->error ? -1 : 0;
}

int
lineio_writer_close(struct lineio_writer *w)
{
	int error;

	if (w == NULL)
		return 0;
	error = lineio_writer_flush(w) == -1 && w->error != EPIPE ?
	    w->error :
	    0;
	lineio_writer_free(w);
	return error;
}

int
lineio_open_stdio(struct ev_loop *loop, size_t max_message,
    const struct lineio_cbs *cbs, void *arg, struct lineio_reader **in,
    struct lineio_writer **out)
{
	*in = lineio_reader_new(loop, STDIN_FILENO, max_message, cbs, arg);
	*out = lineio_writer_new(loop, STDOUT_FILENO, LINEIO_HIGH, max_message,
	    cbs, arg);
	if (*in != NULL && *out != NULL)
		return 0;
	lineio_reader_free(*in);
	lineio_writer_free(*out);
	*in = NULL;
	*out = NULL;
	return -1;
}
