/*
 * Line-oriented stdin and message-oriented stdout on libev.
 *
 * stdout must never stall the loop, yet its file description is shared
 * with the shell and whatever else writes to the terminal or pipe, so
 * O_NONBLOCK is never set on it.  Each kind of file gets its own way to
 * write only what it takes now:
 *
 *   pipe        poll, then at most PIPE_BUF bytes (which a pipe that polled
 *               writable takes whole), a few times per readiness;
 *   socket      send(2) with MSG_DONTWAIT, a per-call flag;
 *   terminal    (any character device) a second open file description of
 *               the same device, opened O_NONBLOCK through /proc/self/fd:
 *               the flag lives in that description, which is ours alone.
 *               A tty that is not read (or stopped with Ctrl-S) then gives
 *               EAGAIN, and the EV_WRITE watcher waits for room;
 *   file        plain writes (a disk does not wait for a reader).
 *
 * A writer thread fed by a bounded queue would do it too, but it would need
 * locks around the buffer and the high mark, an ev_async to report drains
 * and errors, and a thread to stop at exit; the second description keeps
 * everything on the loop, and pipes and files take the same path as
 * before, so they cost nothing more.  When the device cannot be opened
 * again (no /proc, permissions, an exclusive tty) it is written plainly, as
 * before.  At exit lineio_writer_flush writes what is left through the
 * original, blocking descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "attr.h"
#include "outq.h"
#include "buf.h"
#include "lineio.h"
#include "log.h"
#include "utf8.h"

#define BINARY_WARN_MAX 5 /* then one note, then silence */
#define WHERE_MAX 96	  /* "3: stdout line 12345" */

#define OUT_SLACK (64 * 1024)	    /* beyond high and two messages */
#define PIPE_BUDGET (16 * PIPE_BUF) /* bytes per readiness into a pipe */
#define IOV_BATCH 64		    /* buffers per writev */
#define REF_MIN (256 * 1024)	    /* smaller messages are copied */

/* The pty multiplexer, /dev/ptmx and /dev/pts/ptmx: opening it again
 * would make a new pty, not reach the one on fd. */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2

enum { OUT_BLOCKING, OUT_PIPE, OUT_SOCKET, OUT_DEVICE };

struct lineio_reader {
	ev_io io;
	struct ev_loop *loop;
	struct buf part; /* an incomplete line; owned */
	size_t max_line;
	int sep;	  /* '\n', '\0', or LINEIO_EOF: what ends a record */
	const char *name; /* in messages; NULL: stdin's */
	enum lineio_text kind;
	unsigned long lineno;
	unsigned long nbinary;	/* non-UTF-8 lines seen, for the warnings */
	unsigned long ndropped; /* lines not passed on */
	bool skipping;		/* inside a dropped line */
	bool eof;
	int error; /* errno of the failed read, or 0 */
	const struct lineio_cbs *cb;
	void *arg;
};

struct lineio_writer {
	ev_io io;
	struct ev_loop *loop;
	struct outq q;	   /* pending output, by reference; owned */
	struct chunk *cur; /* where copied messages go; owned */
	size_t max;	   /* bytes q may hold */
	int fd;		   /* the caller's; flush writes here, blocking */
	int wfd;	   /* the loop writes here: fd, or owned (OUT_DEVICE) */
	int kind;	   /* how wfd is written: OUT_* */
	size_t high, low;
	char end[1]; /* after each message; nend bytes of it */
	size_t nend;
	bool above; /* passed high and not yet back below low */
	int error;  /* errno of the failed write, or 0 */
	const struct lineio_cbs *cb;
	void *arg;
};

/* How messages name the current record: "line 3", "record 3", "input
 * 1", after the reader's name if it has one ("3: stdout line 3"). */
static const char *
where(const struct lineio_reader *r, char *out, size_t outlen)
{
	const char *noun = r->sep == '\n' ? "line" :
	    r->sep == '\0'		  ? "record" :
					    "input";

	snprintf(out, outlen, "%s%s%s %lu", r->name != NULL ? r->name : "",
	    r->name != NULL ? " " : "", noun, r->lineno);
	return out;
}

static void
emit(struct lineio_reader *r, const char *p, size_t n)
{
	char at[WHERE_MAX];
	bool text = false;

	r->lineno++;
	if (r->sep == '\n' && n > 0 && p[n - 1] == '\r')
		n--;
	if (r->kind == LINEIO_TEXT_CHECK) {
		text = utf8_valid(p, n);
		if (!text && ++r->nbinary <= BINARY_WARN_MAX)
			log_msg("%s: not valid UTF-8, sent as a binary "
				"message%s",
			    where(r, at, sizeof(at)),
			    r->nbinary == BINARY_WARN_MAX ?
				" (further such ones are not reported)" :
				"");
	}
	r->cb->on_line(p, n, text, r->arg);
}

void
lineio_reader_reject(struct lineio_reader *r, const char *why)
{
	r->ndropped++;
	char at[WHERE_MAX];

	log_msg("%s: %s, skipped", where(r, at, sizeof(at)), why);
}

unsigned long
lineio_reader_number(const struct lineio_reader *r)
{
	return r->lineno;
}

/* Reports a line that is not sent (over-long, or no memory for it); the
 * rest of it is skipped up to its LF. */
static void
drop_line(struct lineio_reader *r, bool complete, bool too_long)
{
	char at[WHERE_MAX];

	r->lineno++;
	r->ndropped++;
	if (too_long)
		log_msg("%s: longer than %zu bytes, not sent",
		    where(r, at, sizeof(at)), r->max_line);
	else
		log_msg("%s: out of memory, not sent",
		    where(r, at, sizeof(at)));
	r->skipping = !complete;
	buf_deinit(&r->part);
}

/* Length of the record that ends at nl, without a CR before an LF. */
static size_t
line_len(const struct lineio_reader *r, const char *p, const char *nl)
{
	size_t used = buf_used(&r->part), n = used + (nl - p);
	char last = nl > p ? nl[-1] : used ? buf_head(&r->part)[used - 1] : 0;

	return r->sep == '\n' && last == '\r' ? n - 1 : n;
}

void
lineio_reader_feed(struct lineio_reader *r, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end) {
		nl = r->sep == LINEIO_EOF ? NULL : memchr(p, r->sep, end - p);
		if (r->skipping) {
			if (nl == NULL)
				return;
			r->skipping = false;
			p = nl + 1;
			continue;
		}
		if (nl == NULL) {
			/* Lines: +1 leaves room for a CR that is not
			 * counted (lineio_reader_end checks it). */
			if (buf_used(&r->part) + (end - p) >
			    r->max_line + (r->sep == '\n'))
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
	/* The whole input is one record, even an empty one, but not when
	 * the input failed half-way.  A last line without LF may hold the
	 * byte kept for a CR. */
	if (r->sep == LINEIO_EOF ? !r->skipping && r->error == 0 :
				   !r->skipping && buf_used(&r->part) > 0) {
		if (buf_used(&r->part) > r->max_line &&
		    buf_head(&r->part)[buf_used(&r->part) - 1] != '\r')
			drop_line(r, true, true);
		else
			emit(r, buf_head(&r->part), buf_used(&r->part));
	}
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
		r->error = errno;
		log_msg("%s: %s", r->name != NULL ? r->name : "stdin",
		    strerror(errno));
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
	r->sep = '\n';
	r->kind = LINEIO_TEXT_CHECK;
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

void
lineio_reader_set_records(struct lineio_reader *r, int sep,
    enum lineio_text kind)
{
	r->sep = sep;
	r->kind = kind;
}

void
lineio_reader_set_name(struct lineio_reader *r, const char *name)
{
	r->name = name;
}

bool
lineio_reader_eof(const struct lineio_reader *r)
{
	return r->eof;
}

int
lineio_reader_error(const struct lineio_reader *r)
{
	return r->error;
}

unsigned long
lineio_reader_dropped(const struct lineio_reader *r)
{
	return r->ndropped;
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

/* Cuts the first k iovecs down to max bytes in all, n of them; the count
 * left. */
static int
iov_limit(struct iovec *iov, int k, size_t max, size_t *n)
{
	int i;

	*n = 0;
	for (i = 0; i < k && *n < max; i++) {
		if (iov[i].iov_len > max - *n)
			iov[i].iov_len = max - *n;
		*n += iov[i].iov_len;
	}
	return i;
}

/* Writes what fd takes without blocking; returns -1 on a write error. */
static int
out_write_some(struct lineio_writer *w)
{
	struct iovec iov[IOV_BATCH];
	size_t n, budget = PIPE_BUDGET;
	ssize_t r;
	int k;

	while (w->q.bytes > 0) {
		k = outq_iov(&w->q, iov, IOV_BATCH);
		if (w->kind == OUT_PIPE) {
			struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };

			/* After POLLOUT a pipe takes PIPE_BUF bytes at once. */
			if (budget == 0 || poll(&pfd, 1, 0) != 1)
				return 0;
			k = iov_limit(iov, k, PIPE_BUF, &n);
			budget -= n;
			r = writev(w->wfd, iov, k);
		} else if (w->kind == OUT_SOCKET) {
			struct msghdr m = { .msg_iov = iov, .msg_iovlen = k };

			r = sendmsg(w->wfd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else
			r = writev(w->wfd, iov, k);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			w->error = errno;
			return -1;
		}
		outq_consume(&w->q, r);
	}
	return 0;
}

static void
out_after_write(struct lineio_writer *w)
{
	if (w->q.bytes == 0 && ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	if (w->above && w->q.bytes <= w->low) {
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
		outq_clear(&w->q);
		w->above = false; /* nothing will be waiting any more */
		w->cb->on_error(w->arg);
		return;
	}
	out_after_write(w);
}

/* A new non-blocking open file description of the character device on fd,
 * or -1 (then fd is written as it is). */
static int
reopen_device(int fd, const struct stat *st)
{
	char path[32];
	struct stat nst;
	int nfd;

	if (major(st->st_rdev) == PTMX_MAJOR &&
	    minor(st->st_rdev) == PTMX_MINOR)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (nfd == -1)
		return -1;
	/* Another clone device may have given us something else. */
	if (fstat(nfd, &nst) == -1 || !S_ISCHR(nst.st_mode) ||
	    nst.st_rdev != st->st_rdev) {
		close(nfd);
		return -1;
	}
	return nfd;
}

struct lineio_writer *
lineio_writer_new(struct ev_loop *loop, int fd, size_t high, size_t max_message,
    const struct lineio_cbs *cbs, void *arg)
{
	struct lineio_writer *w;
	struct stat st;
	int nfd;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->loop = loop;
	w->fd = fd;
	w->wfd = fd;
	w->kind = OUT_BLOCKING;
	if (fstat(fd, &st) == 0) {
		if (S_ISFIFO(st.st_mode))
			w->kind = OUT_PIPE;
		else if (S_ISSOCK(st.st_mode))
			w->kind = OUT_SOCKET;
		else if (S_ISCHR(st.st_mode) &&
		    (nfd = reopen_device(fd, &st)) != -1) {
			w->wfd = nfd;
			w->kind = OUT_DEVICE;
		}
	}
	/* Above high the owner stops reading, but the message it is
	 * receiving and one more may still arrive. */
	outq_init(&w->q);
	w->max = high + 2 * max_message + OUT_SLACK;
	w->high = high;
	w->low = high / 4;
	w->end[0] = '\n';
	w->nend = 1;
	w->cb = cbs;
	w->arg = arg;
	ev_io_init(&w->io, lineio_writer_write_cb, w->wfd, EV_WRITE);
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
	if (w->wfd != w->fd)
		close(w->wfd);
	outq_clear(&w->q);
	chunk_unref(w->cur);
	free(w);
}

int
lineio_writer_error(const struct lineio_writer *w)
{
	return w->error;
}

/* Queues n bytes from p (a copy), or, with c, the bytes there by
 * reference.  0 or -1. */
static int
out_queue(struct lineio_writer *w, struct chunk *c, const void *p, size_t n)
{
	if (c != NULL)
		return outq_push(&w->q, c, (const uint8_t *)p - c->data, n);
	if ((c = chunk_room(&w->cur, n)) == NULL)
		return -1;
	if (n > 0)
		memcpy(c->data + c->len, p, n);
	if (outq_push(&w->q, c, c->len, n) == -1)
		return -1;
	c->len += n;
	return 0;
}

void
lineio_writer_set_end(struct lineio_writer *w, int end)
{
	w->end[0] = (char)end;
	w->nend = end == LINEIO_EOF ? 0 : 1;
}

int
lineio_writer_message(struct lineio_writer *w, const void *p, size_t n)
{
	return lineio_writer_record(w, NULL, 0, NULL, p, n);
}

int
lineio_writer_message_ref(struct lineio_writer *w, struct chunk *c,
    const void *p, size_t n)
{
	return lineio_writer_record(w, NULL, 0, c, p, n);
}

int
lineio_writer_record(struct lineio_writer *w, const char *pre, size_t npre,
    struct chunk *c, const void *p, size_t n)
{
	size_t before = w->q.bytes, extra = npre + w->nend;

	if (w->error || n > w->max - extra || w->q.bytes > w->max - extra - n)
		return -1;
	/* A copy costs less than keeping many smaller blocks alive (and
	 * fresh pages for the next ones). */
	if (n < REF_MIN)
		c = NULL;
	if ((npre > 0 && out_queue(w, NULL, pre, npre) == -1) ||
	    out_queue(w, c, p, n) == -1 ||
	    (w->nend > 0 && out_queue(w, NULL, w->end, w->nend) == -1)) {
		outq_truncate(&w->q, before);
		return -1;
	}
	/* Over the mark, write now rather than have the owner stop every
	 * peer: a file, or a reader that keeps up, takes it at once.  A
	 * failure is left to the watcher, which meets it again. */
	if (w->q.bytes > w->high && out_write_some(w) == 0 &&
	    w->q.bytes > w->high)
		w->above = true;
	/* Written when the loop comes round: many messages, one write. */
	if (!ev_is_active(&w->io) && w->q.bytes > 0)
		ev_io_start(w->loop, &w->io);
	return 0;
}

size_t
lineio_writer_pending(const struct lineio_writer *w)
{
	return w->q.bytes;
}

bool
lineio_writer_full(const struct lineio_writer *w)
{
	return w->above;
}

int
lineio_writer_flush(struct lineio_writer *w)
{
	struct iovec iov[IOV_BATCH];
	ssize_t r;

	while (!w->error && w->q.bytes > 0) {
		r = writev(w->fd, iov, outq_iov(&w->q, iov, IOV_BATCH));
		if (r > 0)
			outq_consume(&w->q, r);
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
