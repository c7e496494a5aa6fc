/*
 * lineio: the reader splits bytes into lines with no loop and no fd (LF and
 * CRLF, lines split across reads, the last line without LF, over-long
 * lines skipped, non-UTF-8 lines flagged for binary), and reports skipped
 * and binary lines on stderr by number; then reader and writer on a pipe
 * through a libev loop, a read error, and the writer on a pty that nobody
 * reads (it must not block) and on a pty master.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <ev.h>

#include "lineio.h"
#include "log.h"
#include "outq.h"
#include "tests.h"

#define MAXLINES 16

struct seen {
	char line[MAXLINES][64];
	bool text[MAXLINES];
	int n, batches, eofs, drains, errors;
};

static void
line_cb(const char *p, size_t n, bool text, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAXLINES && n < sizeof(s->line[0])) {
		memcpy(s->line[s->n], p, n);
		s->line[s->n][n] = '\0';
		s->text[s->n] = text;
	}
	s->n++;
}

static void
batch_cb(void *arg)
{
	((struct seen *)arg)->batches++;
}

static void
eof_cb(void *arg)
{
	((struct seen *)arg)->eofs++;
}

static void
drain_cb(void *arg)
{
	((struct seen *)arg)->drains++;
}

static void
error_cb(void *arg)
{
	((struct seen *)arg)->errors++;
}

static const struct lineio_cbs cbs = { line_cb, batch_cb, eof_cb, drain_cb,
	error_cb };

/* A reader with no loop and no fd: fed by hand. */
static struct lineio_reader *
setup(struct seen *s, size_t max_line)
{
	struct lineio_reader *r;

	memset(s, 0, sizeof(*s));
	r = lineio_reader_new(NULL, -1, max_line, &cbs, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

/*
 * What log writes to stderr while the reader runs, kept in a temporary
 * file: the reader's only report of line numbers.
 */
static int saved_stderr = -1;
static FILE *captured;

static void
capture_start(void)
{
	log_init("test", LOG_NORMAL);
	captured = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(captured);
	saved_stderr = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved_stderr != -1);
	CU_ASSERT_FATAL(dup2(fileno(captured), STDERR_FILENO) != -1);
}

/* Restores stderr and returns what was written (static storage). */
static const char *
capture_end(void)
{
	static char text[4096];
	size_t n;

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	rewind(captured);
	n = fread(text, 1, sizeof(text) - 1, captured);
	text[n] = '\0';
	fclose(captured);
	return text;
}

static void
test_lf_and_crlf(void)
{
	struct lineio_reader *r;
	struct seen s;

	r = setup(&s, 100);
	lineio_reader_feed(r, "a\nbb\r\n\nc\r\r\n", 12);
	CU_ASSERT_EQUAL(s.n, 4);
	CU_ASSERT_STRING_EQUAL(s.line[0], "a");
	CU_ASSERT_STRING_EQUAL(s.line[1], "bb");
	CU_ASSERT_STRING_EQUAL(s.line[2], "");
	/* Only the one CR right before LF is part of the line end. */
	CU_ASSERT_STRING_EQUAL(s.line[3], "c\r");
	/* Feeding is not a read: no batch until one ends. */
	CU_ASSERT_EQUAL(s.batches, 0);
	CU_ASSERT_EQUAL(lineio_reader_dropped(r), 0);
	CU_ASSERT_EQUAL(lineio_reader_error(r), 0);
	lineio_reader_free(r);
}

static void
test_split_reads(void)
{
	struct lineio_reader *r;
	struct seen s;
	const char *in = "hello world\nsecond\r\n";

	r = setup(&s, 100);
	for (size_t i = 0; i < strlen(in); i++)
		lineio_reader_feed(r, in + i, 1);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[0], "hello world");
	CU_ASSERT_STRING_EQUAL(s.line[1], "second");
	lineio_reader_free(r);
}

/* A CR at the end of one read and the LF at the start of the next. */
static void
test_crlf_split(void)
{
	struct lineio_reader *r;
	struct seen s;

	r = setup(&s, 100);
	lineio_reader_feed(r, "ab\r", 3);
	CU_ASSERT_EQUAL(s.n, 0);
	lineio_reader_feed(r, "\ncd\n", 4);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[0], "ab");
	CU_ASSERT_STRING_EQUAL(s.line[1], "cd");
	lineio_reader_free(r);
}

static void
test_last_line_without_lf(void)
{
	struct lineio_reader *r;
	struct seen s;

	r = setup(&s, 100);
	lineio_reader_feed(r, "one\ntw", 6);
	lineio_reader_feed(r, "o", 1);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_FALSE(lineio_reader_eof(r));
	lineio_reader_end(r);
	CU_ASSERT_TRUE(lineio_reader_eof(r));
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[1], "two");
	CU_ASSERT_EQUAL(s.eofs, 1);
	CU_ASSERT_EQUAL(s.batches, 1);
	/* A second end is a no-op. */
	lineio_reader_end(r);
	CU_ASSERT_EQUAL(s.eofs, 1);
	CU_ASSERT_EQUAL(s.n, 2);
	lineio_reader_free(r);
}

static void
test_empty_input(void)
{
	struct lineio_reader *r;
	struct seen s;

	r = setup(&s, 100);
	lineio_reader_end(r);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(s.eofs, 1);
	lineio_reader_free(r);
}

static void
test_too_long_skipped(void)
{
	struct lineio_reader *r;
	struct seen s;
	const char *err;

	r = setup(&s, 4);
	capture_start();
	/* "123456789" is over 4 bytes; spread over reads it is skipped
	 * whole. */
	lineio_reader_feed(r, "ok\n123", 6);
	lineio_reader_feed(r, "45678", 5);
	lineio_reader_feed(r, "9\nfine\n", 7);
	err = capture_end();
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[0], "ok");
	CU_ASSERT_STRING_EQUAL(s.line[1], "fine");
	/* The skipped line still has its number, and is reported once. */
	CU_ASSERT_STRING_EQUAL(err,
	    "test: line 2: longer than 4 bytes, not sent\n");
	CU_ASSERT_EQUAL(lineio_reader_dropped(r), 1);
	lineio_reader_free(r);
}

static void
test_limit_is_exact(void)
{
	struct lineio_reader *r;
	struct seen s;
	const char *err;

	r = setup(&s, 4);
	capture_start();
	lineio_reader_feed(r, "1234\r\n12345\n123\n", 16);
	err = capture_end();
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.line[0], "1234");
	CU_ASSERT_STRING_EQUAL(s.line[1], "123");
	CU_ASSERT_STRING_EQUAL(err,
	    "test: line 2: longer than 4 bytes, not sent\n");
	lineio_reader_free(r);
}

/* An over-long last line without LF is dropped at the end too. */
static void
test_too_long_at_end(void)
{
	struct lineio_reader *r;
	struct seen s;
	const char *err;

	r = setup(&s, 4);
	capture_start();
	lineio_reader_feed(r, "a\n123456", 8);
	lineio_reader_end(r);
	err = capture_end();
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(s.eofs, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 2: longer than 4 bytes"));
	CU_ASSERT_EQUAL(lineio_reader_dropped(r), 1);
	lineio_reader_free(r);
}

static void
test_binary_flag(void)
{
	struct lineio_reader *r;
	struct seen s;
	const char *err;

	r = setup(&s, 100);
	capture_start();
	lineio_reader_feed(r, "caf\xc3\xa9\nbad\xff\n", 11);
	err = capture_end();
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_TRUE(s.text[0]);
	CU_ASSERT_FALSE(s.text[1]);
	CU_ASSERT_EQUAL(memcmp(s.line[1], "bad\xff", 5), 0);
	CU_ASSERT_STRING_EQUAL(err,
	    "test: line 2: not valid UTF-8, sent as a binary message\n");
	lineio_reader_free(r);
}

/* Five binary lines are reported, the fifth saying it is the last; the
 * rest are still passed on. */
static void
test_binary_reports_capped(void)
{
	struct lineio_reader *r;
	struct seen s;
	const char *err;
	int lines = 0;

	r = setup(&s, 100);
	capture_start();
	for (int i = 0; i < 8; i++)
		lineio_reader_feed(r, "\xff\n", 2);
	err = capture_end();
	CU_ASSERT_EQUAL(s.n, 8);
	for (const char *p = err; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	CU_ASSERT_EQUAL(lines, 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 5: not valid UTF-8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not reported"));
	CU_ASSERT_PTR_NULL(strstr(err, "line 6"));
	lineio_reader_free(r);
}

/* ---- on a loop ----------------------------------------------------------- */

/* Runs loop passes until cond holds or 200 passes went by. */
#define RUN_UNTIL(loop, cond)                               \
	do {                                                \
		for (int i_ = 0; i_ < 200 && !(cond); i_++) \
			ev_run((loop), EVRUN_NOWAIT);       \
	} while (0)

static void
test_reader_on_pipe(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct lineio_reader *r;
	struct seen s;
	int fds[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	memset(&s, 0, sizeof(s));
	r = lineio_reader_new(loop, fds[0], 100, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	lineio_reader_start(r);
	CU_ASSERT_EQUAL(write(fds[1], "x\ny", 3), 3);
	RUN_UNTIL(loop, s.batches > 0);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_STRING_EQUAL(s.line[0], "x");
	CU_ASSERT_EQUAL(s.batches, 1);
	/* Stopped: nothing is read. */
	lineio_reader_stop(r);
	CU_ASSERT_EQUAL(write(fds[1], "z\n", 2), 2);
	for (int i = 0; i < 5; i++)
		ev_run(loop, EVRUN_NOWAIT);
	CU_ASSERT_EQUAL(s.n, 1);
	lineio_reader_start(r);
	lineio_reader_start(r); /* idempotent */
	RUN_UNTIL(loop, s.n == 2);
	CU_ASSERT_STRING_EQUAL(s.line[1], "yz");
	close(fds[1]);
	RUN_UNTIL(loop, s.eofs > 0);
	CU_ASSERT_EQUAL(s.eofs, 1);
	CU_ASSERT_TRUE(lineio_reader_eof(r));
	CU_ASSERT_EQUAL(s.n, 2);
	lineio_reader_free(r);
	close(fds[0]);
	ev_loop_destroy(loop);
}

/* A read that fails ends the input: logged once, its errno kept (wscat
 * turns it into exit status 1). */
static void
test_reader_error(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct lineio_reader *r;
	struct seen s;
	const char *err;
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(fd != -1);
	memset(&s, 0, sizeof(s));
	r = lineio_reader_new(loop, fd, 100, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	capture_start();
	lineio_reader_start(r);
	RUN_UNTIL(loop, s.eofs > 0);
	err = capture_end();
	CU_ASSERT_EQUAL(s.eofs, 1);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_TRUE(lineio_reader_eof(r));
	CU_ASSERT_EQUAL(lineio_reader_error(r), EISDIR);
	CU_ASSERT_STRING_EQUAL(err, "test: stdin: Is a directory\n");
	lineio_reader_free(r);
	close(fd);
	ev_loop_destroy(loop);
}

/* Reads everything from fd (non-blocking) into p; returns the count. */
static size_t
slurp(int fd, char *p, size_t max)
{
	size_t n = 0;
	ssize_t k;

	while (n < max && (k = read(fd, p + n, max - n)) > 0)
		n += k;
	return n;
}

/* Writes into the pipe until it takes no more. */
static void
fill_pipe(int fd)
{
	static const char filler[4096];
	int fl = fcntl(fd, F_GETFL);

	CU_ASSERT_EQUAL_FATAL(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	while (
	    write(fd, filler, sizeof(filler)) > 0 || write(fd, filler, 1) > 0)
		;
	CU_ASSERT_EQUAL(fcntl(fd, F_SETFL, fl), 0);
}

static void
test_writer_on_pipe(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct lineio_writer *w;
	static char big[1 << 17];
	struct seen s;
	char got[256];
	int fds[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	CU_ASSERT_EQUAL(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	memset(&s, 0, sizeof(s));
	/* High mark 10: the third message passes it. */
	w = lineio_writer_new(loop, fds[1], 10, 100, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "hello", 5), 0);
	CU_ASSERT_FALSE(lineio_writer_full(w));
	CU_ASSERT_EQUAL(lineio_writer_message(w, "", 0), 0);
	/* Below the mark, nothing is written before the loop comes round. */
	CU_ASSERT_EQUAL(slurp(fds[0], got, sizeof(got)), 0);
	/* Past it, what the pipe takes goes at once: not full. */
	CU_ASSERT_EQUAL(lineio_writer_message(w, "world!", 6), 0);
	CU_ASSERT_FALSE(lineio_writer_full(w));
	CU_ASSERT_EQUAL(slurp(fds[0], got, sizeof(got)), 14);
	CU_ASSERT_EQUAL(memcmp(got, "hello\n\nworld!\n", 14), 0);
	/* A pipe that takes nothing: full, until it drains. */
	fill_pipe(fds[1]);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "again", 5), 0);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "again", 5), 0);
	CU_ASSERT_TRUE(lineio_writer_full(w));
	while (slurp(fds[0], big, sizeof(big)) > 0)
		;
	RUN_UNTIL(loop, s.drains > 0);
	CU_ASSERT_EQUAL(s.drains, 1);
	CU_ASSERT_FALSE(lineio_writer_full(w));
	CU_ASSERT_EQUAL(slurp(fds[0], got, sizeof(got)), 12);
	CU_ASSERT_EQUAL(memcmp(got, "again\nagain\n", 12), 0);
	/* Flush at exit writes what is pending at once. */
	CU_ASSERT_EQUAL(lineio_writer_message(w, "bye", 3), 0);
	CU_ASSERT_EQUAL(lineio_writer_flush(w), 0);
	CU_ASSERT_EQUAL(slurp(fds[0], got, sizeof(got)), 4);
	CU_ASSERT_EQUAL(memcmp(got, "bye\n", 4), 0);
	CU_ASSERT_EQUAL(lineio_writer_error(w), 0);
	CU_ASSERT_EQUAL(s.errors, 0);
	CU_ASSERT_EQUAL(lineio_writer_close(w), 0);
	close(fds[0]);
	close(fds[1]);
	ev_loop_destroy(loop);
}

/* The reader went away: EPIPE, on_error, and further messages refused;
 * lineio_writer_close calls it a normal end. */
static void
test_writer_epipe(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct lineio_writer *w;
	struct seen s;
	int fds[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	sigaction(SIGPIPE, &ign, &old);
	close(fds[0]);
	memset(&s, 0, sizeof(s));
	w = lineio_writer_new(loop, fds[1], 1000, 100, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "lost", 4), 0);
	RUN_UNTIL(loop, s.errors > 0);
	CU_ASSERT_EQUAL(s.errors, 1);
	CU_ASSERT_EQUAL(lineio_writer_error(w), EPIPE);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "more", 4), -1);
	CU_ASSERT_EQUAL(lineio_writer_flush(w), -1);
	CU_ASSERT_EQUAL(lineio_writer_close(w), 0);
	sigaction(SIGPIPE, &old, NULL);
	close(fds[1]);
	ev_loop_destroy(loop);
}

/* The buffer holds high plus two messages (and some slack): a writer that
 * cannot write refuses messages once that is full. */
static void
test_writer_bounded(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct lineio_writer *w;
	struct seen s;
	static char msg[1000];
	int fds[2], accepted = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	memset(&s, 0, sizeof(s));
	memset(msg, 'm', sizeof(msg));
	w = lineio_writer_new(loop, fds[1], 1000, sizeof(msg), &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	/* No loop pass: nothing is written. */
	while (
	    accepted < 1000 && lineio_writer_message(w, msg, sizeof(msg)) == 0)
		accepted++;
	CU_ASSERT(accepted > 3);
	CU_ASSERT(accepted < 1000);
	CU_ASSERT_TRUE(lineio_writer_full(w));
	CU_ASSERT_EQUAL(lineio_writer_error(w), 0);
	lineio_writer_free(w);
	close(fds[0]);
	close(fds[1]);
	ev_loop_destroy(loop);
}

/* A message in a chunk goes out by reference: the writer holds the chunk
 * until the bytes are written, in order with copied messages, and then
 * lets go of it. */
#define BIG (300 * 1024) /* a message large enough to go by reference */

/* Reads what the pipe has into got, after the gotn bytes there. */
static void
slurp_into(int fd, char *got, size_t *gotn)
{
	*gotn += slurp(fd, got + *gotn, BIG + 64 - *gotn);
}

static void
test_writer_by_reference(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct chunk *cur = NULL, *c;
	static char got[BIG + 64];
	struct lineio_writer *w;
	size_t gotn = 0;
	struct seen s;
	int fds[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	CU_ASSERT_EQUAL(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	memset(&s, 0, sizeof(s));
	w = lineio_writer_new(loop, fds[1], 1 << 20, BIG, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	c = chunk_room(&cur, BIG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(c->data, 'r', BIG);
	c->len = BIG;
	CU_ASSERT_EQUAL(lineio_writer_message(w, "first", 5), 0);
	CU_ASSERT_EQUAL(lineio_writer_message_ref(w, c, c->data + 3, BIG - 3),
	    0);
	CU_ASSERT_EQUAL(c->refs, 2);
	/* A small one is copied. */
	CU_ASSERT_EQUAL(lineio_writer_message_ref(w, c, c->data, 4), 0);
	CU_ASSERT_EQUAL(c->refs, 2);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "last", 4), 0);
	CU_ASSERT_EQUAL(lineio_writer_pending(w), 6 + BIG - 2 + 5 + 5);
	RUN_UNTIL(loop,
	    lineio_writer_pending(w) == 0 ||
		(slurp_into(fds[0], got, &gotn), false));
	slurp_into(fds[0], got, &gotn);
	CU_ASSERT_EQUAL(gotn, 6 + BIG - 2 + 5 + 5);
	CU_ASSERT_EQUAL(memcmp(got, "first\n", 6), 0);
	CU_ASSERT_EQUAL(got[6 + BIG - 3], '\n');
	CU_ASSERT_EQUAL(memcmp(got + 6 + BIG - 2, "rrrr\nlast\n", 10), 0);
	CU_ASSERT_EQUAL(c->refs, 1);
	/* Refused as a whole over the bound: nothing of it stays queued. */
	CU_ASSERT_EQUAL(lineio_writer_message_ref(w, c, c->data, 5 << 20), -1);
	CU_ASSERT_EQUAL(lineio_writer_pending(w), 0);
	CU_ASSERT_EQUAL(c->refs, 1);
	chunk_unref(cur);
	lineio_writer_free(w);
	close(fds[0]);
	close(fds[1]);
	ev_loop_destroy(loop);
}

/* A pty as a raw terminal (LF stays LF); the master is non-blocking. */
static void
open_raw_pty(int *master, int *slave)
{
	struct termios t;

	CU_ASSERT_EQUAL_FATAL(openpty(master, slave, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcgetattr(*slave, &t), 0);
	cfmakeraw(&t);
	CU_ASSERT_EQUAL_FATAL(tcsetattr(*slave, TCSANOW, &t), 0);
	CU_ASSERT_EQUAL(fcntl(*master, F_SETFL, O_NONBLOCK), 0);
}

#define PTY_MSGS 300
#define PTY_MSG 1000

/* A terminal that nobody reads takes a few KiB, then would block a plain
 * write; the writer takes what it can and waits, the loop goes on, and the
 * terminal's own file description stays blocking. */
static void
test_writer_on_pty(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct lineio_writer *w;
	struct seen s;
	static char msg[PTY_MSG], got[PTY_MSGS * (PTY_MSG + 1) + 16];
	size_t total = 0, want = PTY_MSGS * (PTY_MSG + 1);
	ssize_t k;
	int master, slave, flags, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	open_raw_pty(&master, &slave);
	flags = fcntl(slave, F_GETFL);
	memset(&s, 0, sizeof(s));
	w = lineio_writer_new(loop, slave, 256 * 1024, PTY_MSG, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	for (int i = 0; i < PTY_MSGS; i++) {
		memset(msg, 'a' + i % 26, sizeof(msg));
		CU_ASSERT_EQUAL(lineio_writer_message(w, msg, sizeof(msg)), 0);
	}
	CU_ASSERT_TRUE(lineio_writer_full(w));
	/* A blocking write would hang here for good: fail instead. */
	alarm(10);
	for (int i = 0; i < 20; i++)
		ev_run(loop, EVRUN_NOWAIT);
	alarm(0);
	CU_ASSERT_TRUE(lineio_writer_full(w));
	CU_ASSERT_EQUAL(s.drains, 0);
	CU_ASSERT_EQUAL(s.errors, 0);
	CU_ASSERT_EQUAL(fcntl(slave, F_GETFL), flags);
	/* Once the terminal is read, all of it comes through, in order. */
	for (int i = 0; i < 100000 && total < want; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		if ((k = read(master, got + total, sizeof(got) - total)) > 0)
			total += k;
	}
	CU_ASSERT_EQUAL(total, want);
	for (size_t i = 0; i < total; i++)
		if (got[i] !=
		    (i % (PTY_MSG + 1) == PTY_MSG ?
			    '\n' :
			    'a' + (int)(i / (PTY_MSG + 1)) % 26))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(s.drains, 1);
	CU_ASSERT_FALSE(lineio_writer_full(w));
	/* At exit what is left goes out at once, blocking. */
	CU_ASSERT_EQUAL(lineio_writer_message(w, "bye", 3), 0);
	CU_ASSERT_EQUAL(lineio_writer_flush(w), 0);
	CU_ASSERT_EQUAL(read(master, got, sizeof(got)), 4);
	CU_ASSERT_EQUAL(memcmp(got, "bye\n", 4), 0);
	CU_ASSERT_EQUAL(s.errors, 0);
	CU_ASSERT_EQUAL(lineio_writer_close(w), 0);
	close(master);
	close(slave);
	ev_loop_destroy(loop);
}

/* Opening a pty master's device again would make a new pty: the writer
 * must write to the one it was given. */
static void
test_writer_on_pty_master(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct lineio_writer *w;
	struct seen s;
	char got[16];
	ssize_t k = 0;
	int master, slave;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	open_raw_pty(&master, &slave);
	CU_ASSERT_EQUAL(fcntl(slave, F_SETFL, O_NONBLOCK), 0);
	memset(&s, 0, sizeof(s));
	w = lineio_writer_new(loop, master, 1000, 100, &cbs, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(lineio_writer_message(w, "to the slave", 12), 0);
	for (int i = 0; i < 200 && k <= 0; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		k = read(slave, got, sizeof(got));
	}
	CU_ASSERT_EQUAL(k, 13);
	CU_ASSERT_EQUAL(memcmp(got, "to the slave\n", 13), 0);
	CU_ASSERT_EQUAL(lineio_writer_close(w), 0);
	close(master);
	close(slave);
	ev_loop_destroy(loop);
}

int
test_lineio_add(void)
{
	static const struct unit_test tests[] = {
		{ "LF and CRLF line ends", test_lf_and_crlf },
		{ "lines split across reads", test_split_reads },
		{ "CR and LF in different reads", test_crlf_split },
		{ "last line without LF", test_last_line_without_lf },
		{ "empty input", test_empty_input },
		{ "over-long line skipped, reported by number",
		    test_too_long_skipped },
		{ "line limit is exact", test_limit_is_exact },
		{ "over-long last line", test_too_long_at_end },
		{ "non-UTF-8 line flagged and reported", test_binary_flag },
		{ "binary line reports capped", test_binary_reports_capped },
		{ "reader on a pipe: start, stop, EOF", test_reader_on_pipe },
		{ "reader: a read error ends the input, kept and logged",
		    test_reader_error },
		{ "writer on a pipe: high mark, drain, flush",
		    test_writer_on_pipe },
		{ "writer: EPIPE", test_writer_epipe },
		{ "writer: bounded buffer", test_writer_bounded },
		{ "writer: a message by reference", test_writer_by_reference },
		{ "writer on a pty nobody reads: never blocks, loses nothing",
		    test_writer_on_pty },
		{ "writer on a pty master: writes to that pty",
		    test_writer_on_pty_master },
	};

	return unit_add_suite("lineio", tests, UNIT_NTESTS(tests));
}
