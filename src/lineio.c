/*
 * Line-oriented stdin and message-oriented stdout on libev.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineio.h"
#include "log.h"
#include "utf8.h"

#define BINARY_WARN_MAX 5	/* then one note, then silence */

enum { OUT_BLOCKING, OUT_PIPE, OUT_SOCKET };

static void
emit(struct linereader *r, const char *p, size_t n)
{
	bool text;

	r->lineno++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	text = utf8_valid(p, n);
	if (!text && ++r->nbinary <= BINARY_WARN_MAX)
		log_msg("line %lu: not valid UTF-8, sent as a binary message%s",
		    r->lineno, r->nbinary == BINARY_WARN_MAX ?
		    " (further such lines are not reported)" : "");
	r->on_line(p, n, text, r->arg);
}

/* Reports an over-long line; the rest of it is skipped up to its LF. */
static void
too_long(struct linereader *r, bool complete)
{
	r->lineno++;
	log_msg("line %lu: longer than %zu bytes, not sent", r->lineno,
	    r->max_line);
	r->skipping = !complete;
	buf_deinit(&r->part);
}

/* Length of the line that ends at nl, without a CR before the LF. */
static size_t
line_len(const struct linereader *r, const char *p, const char *nl)
{
	size_t used = buf_used(&r->part), n = used + (nl - p);
	char last = nl > p ? nl[-1] : used ? buf_head(&r->part)[used - 1] : 0;

	return last == '\r' ? n - 1 : n;
}

void
linereader_feed(struct linereader *r, const char *p, size_t n)
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
				too_long(r, false);
			else
				buf_append(&r->part, p, end - p);
			return;
		}
		if (line_len(r, p, nl) > r->max_line)
			too_long(r, true);
		else if (buf_used(&r->part) > 0) {
			buf_append(&r->part, p, nl - p);
			emit(r, buf_head(&r->part), buf_used(&r->part));
			buf_deinit(&r->part);
		} else
			emit(r, p, nl - p);
		p = nl + 1;
	}
}

void
linereader_end(struct linereader *r)
{
	if (r->eof)
		return;
	r->eof = true;
	linereader_stop(r);
	if (!r->skipping && buf_used(&r->part) > 0)
		emit(r, buf_head(&r->part), buf_used(&r->part));
	buf_deinit(&r->part);
	r->on_batch(r->arg);
	r->on_eof(r->arg);
}

static void
linereader_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct linereader *r = w->data;
	char chunk[LINEIO_READ_MAX];
	ssize_t n;

	n = read(w->fd, chunk, sizeof(chunk));
	if (n > 0) {
		linereader_feed(r, chunk, n);
		r->on_batch(r->arg);
	} else if (n == 0)
		linereader_end(r);
	else if (errno != EINTR && errno != EAGAIN) {
		log_msg("stdin: %s", strerror(errno));
		linereader_end(r);
	}
}

void
linereader_init(struct linereader *r, struct ev_loop *loop, int fd,
    size_t max_line, linereader_line_cb *on_line, linereader_cb *on_batch,
    linereader_cb *on_eof, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	/* The partial line may hold max_line bytes plus a CR. */
	buf_init(&r->part, max_line + 1);
	r->max_line = max_line;
	r->on_line = on_line;
	r->on_batch = on_batch;
	r->on_eof = on_eof;
	r->arg = arg;
	ev_io_init(&r->io, linereader_read_cb, fd, EV_READ);
	r->io.data = r;
}

void
linereader_deinit(struct linereader *r)
{
	linereader_stop(r);
	buf_deinit(&r->part);
}

void
linereader_start(struct linereader *r)
{
	if (!r->eof && !ev_is_active(&r->io))
		ev_io_start(r->loop, &r->io);
}

void
linereader_stop(struct linereader *r)
{
	if (r->loop != NULL && ev_is_active(&r->io))
		ev_io_stop(r->loop, &r->io);
}

/* Writes what fd takes without blocking; returns -1 on a write error. */
static int
out_write_some(struct outwriter *w)
{
	size_t n, budget = 16 * PIPE_BUF;
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
out_after_write(struct outwriter *w)
{
	if (buf_used(&w->buf) == 0 && ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	if (w->above && buf_used(&w->buf) <= w->low) {
		w->above = false;
		w->on_drain(w->arg);
	}
}

static void
outwriter_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct outwriter *w = io->data;

	if (out_write_some(w) == -1) {
		ev_io_stop(loop, io);
		buf_deinit(&w->buf);
		w->above = false;	/* nothing will be waiting any more */
		w->on_error(w->arg);
		return;
	}
	out_after_write(w);
}

void
outwriter_init(struct outwriter *w, struct ev_loop *loop, int fd,
    size_t high, size_t max, outwriter_cb *on_drain, outwriter_cb *on_error,
    void *arg)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->loop = loop;
	w->fd = fd;
	w->kind = OUT_BLOCKING;
	if (fstat(fd, &st) == 0) {
		if (S_ISFIFO(st.st_mode))
			w->kind = OUT_PIPE;
		else if (S_ISSOCK(st.st_mode))
			w->kind = OUT_SOCKET;
	}
	buf_init(&w->buf, max);
	w->high = high;
	w->low = high / 4;
	w->on_drain = on_drain;
	w->on_error = on_error;
	w->arg = arg;
	ev_io_init(&w->io, outwriter_write_cb, fd, EV_WRITE);
	w->io.data = w;
}

void
outwriter_deinit(struct outwriter *w)
{
	if (ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	buf_deinit(&w->buf);
}

int
outwriter_message(struct outwriter *w, const void *p, size_t n)
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
outwriter_full(const struct outwriter *w)
{
	return w->above;
}

int
outwriter_flush(struct outwriter *w)
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
