/*
 * bench/wsload: the load client of bench/run (make bench), and the plain
 * TCP server it is compared with.  Linux only (epoll), 127.0.0.1 only.
 *
 *   wsload fanout --port P --conns C --lines L --feed FIFO [--size B]
 *   wsload flood  --port P --conns C --msgs M --out FILE
 *   wsload echo   --port P --conns C --trips K [--size B]
 *   wsload idle   --port P --conns C --payload TEXT
 *   wsload tcp-server [--port P] [--echo]
 *
 * Client options: --tcp (newline-framed plain TCP to `wsload tcp-server`
 * instead of WebSocket to wsserve), --timeout SECONDS (default 60: the
 * run then stops and reports PARTIAL), --window N (handshakes in flight
 * at once, default 64: below wsserve's --max-pending).
 *
 * fanout  opens C connections, then writes L lines of B bytes into FIFO
 *         (the server's stdin) and waits until every connection has
 *         received every line, in order and intact.
 * flood   opens C connections, then each sends M 32-byte messages
 *         "CCCCC SSSSSSSS......" (client, sequence), and waits until FILE
 *         (the server's stdout) holds C * M lines; then checks that it
 *         holds exactly those, each client's in its order.
 * echo    opens C connections, then each sends one message of B bytes,
 *         waits for it to come back and sends the next, K times; the
 *         round-trip times give p50 and p99.
 * idle    talks to its caller over stdin and stdout as bench/idle_conns.py
 *         does (FIRST, OPEN, ALL or PARTIAL, CLOSED; see there).
 *
 * The other client modes print one line, then exit 0 if it says OK:
 *   OK|PARTIAL|FAILED MODE ws|tcp conns=C msgs=N secs=T rate=N/T [...]
 * with the reason of a failure on stderr.
 *
 * The WebSocket side is minimal and sufficient for a load generator: a
 * fixed valid key (RFC 6455's sample nonce, whose accept value is
 * checked), masked frames with a fixed mask (a server must accept any),
 * unmasked server frames parsed by length (fragments assembled, pings
 * ignored: wsserve sends none by default).
 *
 * tcp-server is the baseline: what wsserve does, over plain TCP with
 * newline framing.  It prints every line a client sends on stdout (a
 * client's partial line waits, so lines never mix) and sends every stdin
 * line to every client (stdin read only while a client is connected and
 * none has more than 1 MiB queued); with --echo it sends every byte back
 * to its sender instead.  It listens on 127.0.0.1, says
 * "wsload: listening on tcp://127.0.0.1:PORT/" on stderr, and runs until
 * it is killed.
 */

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define HS_MAX 4096		/* request, then response head */
#define SCRATCH (256 * 1024)	/* one read */
#define SEND_CHUNK (32 * 1024)	/* one write of generated messages */
#define FLOOD_MSG 32		/* payload bytes of a flood message */
#define QUEUE_MAX (1024 * 1024) /* tcp-server: queued bytes per client */
#define FEED_ID UINT32_MAX	/* epoll tag of the FIFO we feed */

static const uint8_t MASK[4] = { 0x37, 0xfa, 0x21, 0x3d };

enum mode { M_FANOUT, M_FLOOD, M_ECHO, M_IDLE, M_SERVER };
static const char *const MODE_NAME[] = { "fanout", "flood", "echo", "idle",
	"tcp-server" };

static struct {
	enum mode mode;
	int port;
	long conns, lines, msgs, trips, size, window;
	double timeout;
	const char *feed, *out, *payload;
	bool tcp, echo;
} opt = { .size = 16, .window = 64, .timeout = 60 };

static uint8_t scratch[SCRATCH + 256];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 1, 2), noreturn)) static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("wsload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* Raises the soft limit on descriptors to the hard one; returns it. */
static long
raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == -1)
		return 1024;
	if (r.rlim_cur < r.rlim_max) {
		rlim_t cur = r.rlim_cur;

		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r) == -1)
			r.rlim_cur = cur;
	}
	return r.rlim_cur > 1L << 24 ? 1L << 24 : (long)r.rlim_cur;
}

/* Writes the low `width` decimal digits of v, zero-padded. */
static void
put_digits(uint8_t *p, int width, uint64_t v)
{
	while (width-- > 0) {
		p[width] = (uint8_t)('0' + v % 10);
		v /= 10;
	}
}

/* ---- client ----------------------------------------------------------- */

enum cstate { C_CONNECTING, C_HANDSHAKE, C_OPEN, C_DONE };

struct conn {
	int fd;
	uint8_t state;
	bool wantout, bad, closed, eof, finished;
	uint8_t hlen;	 /* header bytes gathered in hdr */
	uint8_t op;	 /* opcode of the frame being read */
	uint8_t mop;	 /* opcode of the message being read, or 0 */
	bool fin;	 /* the frame being read ends its message */
	uint8_t hdr[14]; /* a frame header split across reads */
	uint8_t oq_len, oq_off;
	uint64_t left;	  /* payload bytes left in the frame being read */
	uint64_t moff;	  /* bytes of the message being read so far */
	uint64_t got;	  /* messages received whole */
	uint64_t spos;	  /* flood: bytes of the message stream sent */
	uint64_t stotal;  /* flood: bytes of the whole stream */
	uint64_t tsend;	  /* echo: when the message in flight was sent */
	uint64_t trip;	  /* echo: round trips done */
	char *hs;	  /* handshake buffer */
	uint32_t hs_len;  /* bytes in it */
	uint8_t oq[136];  /* small output: an echo message or a close */
	uint8_t exp[128]; /* echo: the payload expected back */
};

static struct conn *conns;
static int ep = -1;
static long target;		  /* connections to open so far */
static long nstarted;		  /* connections started */
static long inflight;		  /* connecting or in the handshake */
static long nready, nfailed;	  /* open; failed to open */
static long ndone;		  /* connections done with the phase */
static long nsent;		  /* flood: connections done sending */
static long nbad;		  /* connections with wrong data */
static bool closing;		  /* idle: close phase */
static uint64_t deadline;	  /* of the phase */
static long nnotes;		  /* failures reported */
static uint8_t *feed;		  /* fanout: the lines */
static size_t feed_len, feed_off; /* fanout: bytes of the lines, written */
static int feed_fd = -1;	  /* fanout: the server's stdin */
static uint64_t *lat;		  /* echo: round-trip times, ns */
static size_t nlat;		  /* echo: how many */
static uint64_t out_want;	  /* flood: bytes the server's stdout needs */
static bool out_full;		  /* flood: and has them */

__attribute__((format(printf, 1, 2))) static void
note(const char *fmt, ...)
{
	va_list ap;
	char line[256];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (nnotes < 10)
		fprintf(stderr, "wsload: %s\n", line);
	else if (nnotes == 10)
		fprintf(stderr, "wsload: (further failures not shown)\n");
	nnotes++;
}

static long
idx(const struct conn *c)
{
	return c - conns;
}

static void
want_out(struct conn *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };

	if (c->wantout == on || c->fd == -1)
		return;
	c->wantout = on;
	ev.events |= on ? EPOLLOUT : 0;
	ev.data.u32 = (uint32_t)idx(c);
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void open_more(void);

/* Ends c: closed by us, by the peer, or failed. */
static void
conn_end(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->hs);
	c->hs = NULL;
	if (c->state == C_CONNECTING || c->state == C_HANDSHAKE) {
		inflight--;
		nfailed++;
		c->state = C_DONE;
		open_more();
	}
	c->state = C_DONE;
}

static void
conn_fail(struct conn *c, const char *what)
{
	note("connection %ld: %s", idx(c), what);
	conn_end(c);
}

__attribute__((format(printf, 2, 3))) static void
conn_bad(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	char line[200];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!c->bad) {
		c->bad = true;
		nbad++;
		note("connection %ld, message %llu: %s", idx(c),
		    (unsigned long long)c->got, line);
	}
}

/* The payload expected as message c->got, or NULL if none is. */
static const uint8_t *
expected(struct conn *c, size_t *len)
{
	switch (opt.mode) {
	case M_FANOUT:
		if (c->got >= (uint64_t)opt.lines)
			return NULL;
		*len = (size_t)opt.size;
		return feed + c->got * (uint64_t)(opt.size + 1);
	case M_ECHO:
		*len = (size_t)opt.size;
		return c->exp;
	case M_IDLE:
		if (c->got > 0)
			return NULL;
		*len = strlen(opt.payload);
		return (const uint8_t *)opt.payload;
	default:
		return NULL;
	}
}

static void conn_flush(struct conn *c);

/* Echo: sends round trip c->trip. */
static void
echo_send(struct conn *c)
{
	size_t n = (size_t)opt.size, i;
	uint8_t *p = c->oq;

	put_digits(c->exp, (int)n, (uint64_t)idx(c) * 1000000000u + c->trip);
	if (opt.tcp) {
		memcpy(p, c->exp, n);
		p[n] = '\n';
		c->oq_len = (uint8_t)(n + 1);
	} else {
		p[0] = 0x81;
		p[1] = (uint8_t)(0x80 | n);
		memcpy(p + 2, MASK, 4);
		for (i = 0; i < n; i++)
			p[6 + i] = c->exp[i] ^ MASK[i & 3];
		c->oq_len = (uint8_t)(n + 6);
	}
	c->oq_off = 0;
	c->tsend = now_ns();
	conn_flush(c);
}

static void
on_chunk(struct conn *c, const uint8_t *p, size_t n)
{
	size_t len = 0;
	const uint8_t *e = expected(c, &len);

	if (e == NULL || c->moff + n > len || memcmp(e + c->moff, p, n) != 0)
		conn_bad(c, "not the message expected");
	else
		c->moff += n;
}

static void
on_message(struct conn *c)
{
	size_t len = 0;
	const uint8_t *e = expected(c, &len);

	if (e == NULL || c->moff != len) {
		conn_bad(c, "%llu bytes, not the message expected",
		    (unsigned long long)c->moff);
		return;
	}
	c->got++;
	c->moff = 0;
	switch (opt.mode) {
	case M_FANOUT:
		if (c->got == (uint64_t)opt.lines) {
			c->finished = true;
			ndone++;
		}
		break;
	case M_ECHO:
		lat[nlat++] = now_ns() - c->tsend;
		if (++c->trip == (uint64_t)opt.trips) {
			c->finished = true;
			ndone++;
		} else
			echo_send(c);
		break;
	case M_IDLE:
		c->finished = true;
		ndone++;
		break;
	default:
		break;
	}
}

/* A whole frame header is in h (hn bytes): starts the frame. */
static void
frame_start(struct conn *c, const uint8_t *h)
{
	uint8_t n7 = h[1] & 0x7f;
	uint64_t len = n7;
	int i;

	if (n7 == 126)
		len = (uint64_t)h[2] << 8 | h[3];
	else if (n7 == 127)
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | h[i];
	c->op = h[0] & 0x0f;
	c->fin = (h[0] & 0x80) != 0;
	c->left = len;
	if (h[1] & 0x80)
		conn_bad(c, "masked server frame");
	else if (c->op >= 8) {
		if (c->op == 8)
			c->closed = true;
	} else if (c->op == 0 ? c->mop == 0 : c->mop != 0)
		conn_bad(c, "bad fragmentation");
	else if (c->op != 0) {
		c->mop = c->op;
		c->moff = 0;
	}
}

static void
frame_end(struct conn *c)
{
	if (c->op < 8 && c->fin) {
		c->mop = 0;
		on_message(c);
	}
}

static size_t
header_len(const uint8_t *h)
{
	uint8_t n7 = h[1] & 0x7f;

	return 2 + (n7 == 126 ? 2 : n7 == 127 ? 8 : 0) + (h[1] & 0x80 ? 4 : 0);
}

/* Server frames, as they come. */
static void
ws_input(struct conn *c, const uint8_t *p, size_t n)
{
	while (n > 0 && !c->bad) {
		if (c->left > 0) {
			size_t m = c->left < n ? (size_t)c->left : n;

			if (c->op < 8)
				on_chunk(c, p, m);
			p += m;
			n -= m;
			c->left -= m;
			if (c->left == 0)
				frame_end(c);
			continue;
		}
		if (c->hlen == 0 && n >= 2 && n >= header_len(p)) {
			size_t h = header_len(p);

			frame_start(c, p);
			p += h;
			n -= h;
		} else {
			c->hdr[c->hlen++] = *p++;
			n--;
			if (c->hlen < 2 || c->hlen < header_len(c->hdr))
				continue;
			frame_start(c, c->hdr);
			c->hlen = 0;
		}
		if (c->left == 0 && !c->bad)
			frame_end(c);
	}
}

/* Newline-framed lines, as they come. */
static void
tcp_input(struct conn *c, const uint8_t *p, size_t n)
{
	if (opt.mode == M_FANOUT) {
		/* Every client gets exactly the bytes fed: compare them so. */
		if (c->spos + n > feed_len || memcmp(feed + c->spos, p, n)) {
			conn_bad(c, "not the bytes fed");
			return;
		}
		c->spos += n;
		c->got = c->spos / (uint64_t)(opt.size + 1);
		if (c->spos == feed_len) {
			c->finished = true;
			ndone++;
		}
		return;
	}
	while (n > 0 && !c->bad) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t m = nl ? (size_t)(nl - p) : n;

		on_chunk(c, p, m);
		if (nl == NULL)
			break;
		if (!c->bad)
			on_message(c);
		p += m + 1;
		n -= m + 1;
	}
}

static void
conn_read(struct conn *c)
{
	ssize_t n = read(c->fd, scratch, SCRATCH);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->eof = true;
		if (!(opt.mode == M_IDLE && closing))
			note("connection %ld: %s after %llu messages", idx(c),
			    n == 0 ? "closed by the server" : strerror(errno),
			    (unsigned long long)c->got);
		if (opt.mode != M_IDLE && !c->finished && !c->bad) {
			c->bad = true;
			nbad++;
		}
		conn_end(c);
		return;
	}
	if (opt.tcp)
		tcp_input(c, scratch, (size_t)n);
	else
		ws_input(c, scratch, (size_t)n);
}

/* Flood message k of connection i, as a frame or a line, in p. */
static size_t
flood_msg(uint8_t *p, long i, uint64_t k)
{
	uint8_t *q = opt.tcp ? p : p + 6;
	int j;

	put_digits(q, 5, (uint64_t)i);
	q[5] = ' ';
	put_digits(q + 6, 8, k);
	memset(q + 14, '.', FLOOD_MSG - 14);
	if (opt.tcp) {
		q[FLOOD_MSG] = '\n';
		return FLOOD_MSG + 1;
	}
	p[0] = 0x81;
	p[1] = 0x80 | FLOOD_MSG;
	memcpy(p + 2, MASK, 4);
	for (j = 0; j < FLOOD_MSG; j++)
		q[j] ^= MASK[j & 3];
	return FLOOD_MSG + 6;
}

static size_t
flood_size(void)
{
	return opt.tcp ? FLOOD_MSG + 1 : FLOOD_MSG + 6;
}

/* Writes what c has to send: its small output, then (flood) the next
 * part of its message stream, regenerated from the position. */
static void
conn_flush(struct conn *c)
{
	ssize_t w;

	if (c->fd == -1)
		return;
	if (c->oq_off < c->oq_len) {
		w = write(c->fd, c->oq + c->oq_off, c->oq_len - c->oq_off);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			conn_bad(c, "write: %s", strerror(errno));
			conn_end(c);
			return;
		}
		c->oq_off = (uint8_t)(c->oq_off + (w > 0 ? w : 0));
		if (c->oq_off < c->oq_len) {
			want_out(c, true);
			return;
		}
	}
	if (c->spos < c->stotal) {
		size_t f = flood_size(), off = (size_t)(c->spos % f), n = 0;
		uint64_t k = c->spos / f, m = c->stotal / f;

		while (n < SEND_CHUNK + off && k < m)
			n += flood_msg(scratch + n, idx(c), k++);
		w = write(c->fd, scratch + off, n - off);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			conn_bad(c, "write: %s", strerror(errno));
			conn_end(c);
			return;
		}
		c->spos += (uint64_t)(w > 0 ? w : 0);
		if (c->spos < c->stotal) {
			want_out(c, true);
			return;
		}
		nsent++;
	}
	want_out(c, false);
}

static void
conn_open(struct conn *c)
{
	free(c->hs);
	c->hs = NULL;
	c->state = C_OPEN;
	inflight--;
	nready++;
	open_more();
}

static void
start_conn(struct conn *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLOUT };
	int on = 1;

	memset(c, 0, sizeof(*c));
	c->state = C_CONNECTING;
	inflight++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		conn_fail(c, strerror(errno));
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	sin.sin_port = htons((uint16_t)opt.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ev.data.u32 = (uint32_t)idx(c);
	c->wantout = true;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		conn_fail(c, strerror(errno));
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		conn_fail(c, strerror(errno));
}

/* Starts connections up to the window; a failed start calls it again
 * (conn_end), which the flag turns into one more turn of this loop. */
static void
open_more(void)
{
	static bool busy;

	if (busy)
		return;
	busy = true;
	while (inflight < opt.window && nstarted < target)
		start_conn(&conns[nstarted++]);
	busy = false;
}

/* The connect is done: the request goes out (or, over TCP, it is open). */
static void
connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t w;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		conn_fail(c, strerror(err));
		return;
	}
	want_out(c, false);
	if (opt.tcp) {
		conn_open(c);
		return;
	}
	c->hs = xrealloc(NULL, HS_MAX);
	c->hs_len = (uint32_t)snprintf(c->hs, HS_MAX,
	    "GET / HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n",
	    opt.port);
	/* A fresh socket takes these few bytes whole. */
	w = write(c->fd, c->hs, c->hs_len);
	if (w != (ssize_t)c->hs_len) {
		conn_fail(c, w < 0 ? strerror(errno) : "short write");
		return;
	}
	c->hs_len = 0;
	c->state = C_HANDSHAKE;
}

/* Reads the server's answer: 101 with the right accept value. */
static void
handshake_read(struct conn *c)
{
	ssize_t n = read(c->fd, c->hs + c->hs_len, HS_MAX - 1 - c->hs_len);
	char *end, *line;
	size_t rest;
	bool ok = false;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_fail(c,
		    n == 0 ? "closed during the handshake" : strerror(errno));
		return;
	}
	c->hs_len += (uint32_t)n;
	c->hs[c->hs_len] = '\0';
	end = memmem(c->hs, c->hs_len, "\r\n\r\n", 4);
	if (end == NULL) {
		if (c->hs_len >= HS_MAX - 1)
			conn_fail(c, "response head too long");
		return;
	}
	if (strncmp(c->hs, "HTTP/1.1 101 ", 13) != 0) {
		line = strchr(c->hs, '\r');
		*line = '\0';
		note("connection %ld: refused: %.100s", idx(c), c->hs);
		conn_end(c);
		return;
	}
	end[2] = '\0';
	for (line = strstr(c->hs, "\r\n"); line; line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) {
			line += 21;
			line += strspn(line, " \t");
			ok = strncmp(line, ACCEPT "\r\n", sizeof(ACCEPT) + 1) ==
			    0;
			break;
		}
	}
	if (!ok) {
		conn_fail(c, "no or wrong Sec-WebSocket-Accept");
		return;
	}
	rest = (size_t)(c->hs + c->hs_len - (end + 4));
	memcpy(scratch, end + 4, rest);
	conn_open(c);
	ws_input(c, scratch, rest);
}

static void
feed_write(void)
{
	ssize_t w = write(feed_fd, feed + feed_off, feed_len - feed_off);

	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		note("writing the lines: %s", strerror(errno));
		nbad++;
		w = 0;
	}
	feed_off += (size_t)(w > 0 ? w : 0);
	if (feed_off == feed_len || nbad > 0) {
		close(feed_fd); /* also takes it out of epoll */
		feed_fd = -1;
	}
}

static void
dispatch(const struct epoll_event *ev)
{
	struct conn *c;

	if (ev->data.u32 == FEED_ID) {
		feed_write();
		return;
	}
	c = &conns[ev->data.u32];
	switch (c->state) {
	case C_CONNECTING:
		connected(c);
		break;
	case C_HANDSHAKE:
		handshake_read(c);
		break;
	case C_OPEN:
		if (ev->events & EPOLLOUT)
			conn_flush(c);
		if (c->fd != -1 &&
		    (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
			conn_read(c);
		break;
	default:
		break;
	}
}

/* Flood: has the server's stdout got every line yet? */
static void
check_out(void)
{
	struct stat st;

	if (stat(opt.out, &st) == 0 && (uint64_t)st.st_size >= out_want)
		out_full = true;
}

/* Runs the loop until done() or the deadline (-1) or wrong data (-2). */
static int
run_until(bool (*done)(void))
{
	struct epoll_event evs[512];
	int i, n, ms;
	uint64_t t;

	while (!done()) {
		if (nbad > 0)
			return -2;
		t = now_ns();
		if (t >= deadline)
			return -1;
		ms = (int)((deadline - t) / 1000000 + 1);
		if (opt.mode == M_FLOOD && nsent == nready && ms > 1)
			ms = 1;
		else if (ms > 100)
			ms = 100;
		n = epoll_wait(ep, evs, 512, ms);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			dispatch(&evs[i]);
		if (opt.mode == M_FLOOD && nsent == nready && nready > 0)
			check_out();
	}
	return nbad > 0 ? -2 : 0;
}

static bool
opened(void)
{
	return nready + nfailed == target;
}

static bool
all_done(void)
{
	return ndone == nready;
}

static bool
flood_done(void)
{
	return out_full;
}

static bool
all_closed(void)
{
	long i;

	for (i = 0; i < nstarted; i++)
		if (conns[i].state == C_OPEN || conns[i].fd != -1)
			return false;
	return true;
}

static void
set_deadline(void)
{
	deadline = now_ns() + (uint64_t)(opt.timeout * 1e9);
}

static const char *
proto(void)
{
	return opt.tcp ? "tcp" : "ws";
}

static int
result(int r, uint64_t msgs, uint64_t t0, uint64_t t1, const char *extra)
{
	double secs = (double)(t1 - t0) / 1e9;

	if (secs <= 0)
		secs = 1e-9;
	printf("%s %s %s conns=%ld msgs=%llu secs=%.6f rate=%.1f%s\n",
	    r == 0	? "OK" :
		r == -1 ? "PARTIAL" :
			  "FAILED",
	    MODE_NAME[opt.mode], proto(), nready, (unsigned long long)msgs,
	    secs, (double)msgs / secs, extra);
	if (r == -1)
		fprintf(stderr, "wsload: %s: timed out after %g s\n",
		    MODE_NAME[opt.mode], opt.timeout);
	return r == 0 ? 0 : 1;
}

/* Opens opt.conns connections; 0 if all are open. */
static int
open_all(void)
{
	int r;

	target = opt.conns;
	open_more();
	r = run_until(opened);
	if (r == 0 && nfailed > 0)
		r = -2;
	if (r != 0)
		note("%ld of %ld connections opened", nready, opt.conns);
	return r;
}

/* Flood: checks the server's stdout, line by line. */
static int
check_flood_out(void)
{
	int fd = open(opt.out, O_RDONLY | O_CLOEXEC);
	struct stat st;
	const uint8_t *m, *p;
	uint64_t *next, i, nlines;
	int r = 0;
	long c, j;

	if (fd == -1 || fstat(fd, &st) == -1) {
		note("%s: %s", opt.out, strerror(errno));
		return -2;
	}
	if ((uint64_t)st.st_size != out_want) {
		note("%s holds %lld bytes, not %llu", opt.out,
		    (long long)st.st_size, (unsigned long long)out_want);
		close(fd);
		return -2;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		note("mmap %s: %s", opt.out, strerror(errno));
		return -2;
	}
	next = xrealloc(NULL, (size_t)opt.conns * sizeof(*next));
	memset(next, 0, (size_t)opt.conns * sizeof(*next));
	nlines = out_want / (FLOOD_MSG + 1);
	for (i = 0; i < nlines && r == 0; i++) {
		uint64_t seq = 0;

		p = m + i * (FLOOD_MSG + 1);
		for (c = 0, j = 0; j < 5; j++)
			c = c * 10 + (p[j] - '0');
		for (j = 6; j < 14; j++)
			seq = seq * 10 + (uint64_t)(p[j] - '0');
		for (j = 0; j < 14; j++)
			if (j != 5 && (p[j] < '0' || p[j] > '9'))
				break;
		if (j < 14 || p[5] != ' ' || p[FLOOD_MSG] != '\n' ||
		    memchr(p + 14, '\n', FLOOD_MSG - 14) ||
		    memcmp(p + 14, "..................", FLOOD_MSG - 14)) {
			note("line %llu is not a message sent: %.32s",
			    (unsigned long long)i + 1, (const char *)p);
			r = -2;
		} else if (c >= opt.conns || seq != next[c]) {
			note("line %llu: client %ld message %llu out of order",
			    (unsigned long long)i + 1, c,
			    (unsigned long long)seq);
			r = -2;
		} else
			next[c]++;
	}
	munmap((void *)m, (size_t)st.st_size);
	free(next);
	return r;
}

static int
run_fanout(void)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = FEED_ID };
	uint64_t t0, t1;
	long k;
	int r;

	if (opt.size < 1 || opt.size > 125)
		die("--size must be 1 to 125");
	feed_len = (size_t)opt.lines * (size_t)(opt.size + 1);
	feed = xrealloc(NULL, feed_len);
	for (k = 0; k < opt.lines; k++) {
		uint8_t *p = feed + k * (opt.size + 1);

		put_digits(p, (int)opt.size, (uint64_t)k);
		p[opt.size] = '\n';
	}
	r = open_all();
	if (r != 0)
		return result(r, 0, 0, 1, "");
	set_deadline();
	feed_fd = open(opt.feed, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (feed_fd == -1) {
		note("%s: %s", opt.feed, strerror(errno));
		return result(-2, 0, 0, 1, "");
	}
	t0 = now_ns();
	feed_write();
	if (feed_fd != -1 && epoll_ctl(ep, EPOLL_CTL_ADD, feed_fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	r = run_until(all_done);
	t1 = now_ns();
	if (r != 0) {
		uint64_t got = 0;

		for (k = 0; k < nstarted; k++)
			got += conns[k].got;
		note("%llu of %llu deliveries", (unsigned long long)got,
		    (unsigned long long)(opt.lines * nready));
		return result(r, got, t0, t1, "");
	}
	return result(0, (uint64_t)opt.lines * (uint64_t)nready, t0, t1, "");
}

static int
run_flood(void)
{
	uint64_t t0, t1;
	long i;
	int r;

	if (opt.conns > 99999 || opt.msgs > 99999999)
		die("flood: at most 99999 connections of 99999999 messages");
	r = open_all();
	if (r != 0)
		return result(r, 0, 0, 1, "");
	out_want = (uint64_t)opt.conns * (uint64_t)opt.msgs * (FLOOD_MSG + 1);
	set_deadline();
	t0 = now_ns();
	for (i = 0; i < nstarted; i++) {
		conns[i].stotal = (uint64_t)opt.msgs * flood_size();
		conn_flush(&conns[i]);
	}
	r = run_until(flood_done);
	t1 = now_ns();
	if (r == 0)
		r = check_flood_out();
	else {
		struct stat st;

		if (stat(opt.out, &st) == 0)
			note("%s holds %lld of %llu bytes", opt.out,
			    (long long)st.st_size,
			    (unsigned long long)out_want);
	}
	return result(r, (uint64_t)opt.conns * (uint64_t)opt.msgs, t0, t1, "");
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile q (0..100) of the sorted lat. */
static double
percentile_us(int q)
{
	size_t k = (nlat * (size_t)q + 99) / 100;

	return nlat == 0 ? 0 : (double)lat[k > 0 ? k - 1 : 0] / 1e3;
}

static int
run_echo(void)
{
	uint64_t t0, t1;
	char extra[96];
	long i;
	int r;

	if (opt.size < 1 || opt.size > 125)
		die("--size must be 1 to 125");
	lat = xrealloc(NULL,
	    (size_t)opt.conns * (size_t)opt.trips * sizeof(*lat));
	r = open_all();
	if (r != 0)
		return result(r, 0, 0, 1, "");
	set_deadline();
	t0 = now_ns();
	for (i = 0; i < nstarted; i++)
		echo_send(&conns[i]);
	r = run_until(all_done);
	t1 = now_ns();
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	snprintf(extra, sizeof(extra), " p50_us=%.1f p99_us=%.1f",
	    percentile_us(50), percentile_us(99));
	return result(r, nlat, t0, t1, extra);
}

/* Idle: waits for the caller's next line (or EOF), for the timeout. */
static void
wait_caller(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	uint64_t end = now_ns() + (uint64_t)(opt.timeout * 1e9);
	char ch;

	for (;;) {
		uint64_t t = now_ns();

		if (t >= end ||
		    poll(&pfd, 1, (int)((end - t) / 1000000 + 1)) < 0)
			return;
		if (pfd.revents == 0)
			continue;
		if (read(0, &ch, 1) != 1 || ch == '\n')
			return;
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int
run_idle(void)
{
	static const uint8_t close_1000[2] = { 0x03, 0xe8 };
	uint64_t t0;
	long i, n;
	int r;

	target = 1;
	set_deadline();
	open_more();
	run_until(opened);
	say("FIRST %ld", nready);
	wait_caller();
	t0 = now_ns();
	if (nready == 1) {
		target = opt.conns;
		set_deadline();
		open_more();
		run_until(opened);
	}
	say("OPEN %ld %.3f", nready, (double)(now_ns() - t0) / 1e9);

	set_deadline();
	r = run_until(all_done);
	say("%s %ld", r == 0 && nready == opt.conns ? "ALL" : "PARTIAL", ndone);

	wait_caller();
	closing = true;
	for (i = 0; i < nstarted; i++) {
		struct conn *c = &conns[i];

		if (c->fd == -1)
			continue;
		if (opt.tcp) {
			shutdown(c->fd, SHUT_WR);
			continue;
		}
		c->oq[0] = 0x88;
		c->oq[1] = 0x82;
		memcpy(c->oq + 2, MASK, 4);
		c->oq[6] = close_1000[0] ^ MASK[0];
		c->oq[7] = close_1000[1] ^ MASK[1];
		c->oq_len = 8;
		c->oq_off = 0;
		conn_flush(c);
	}
	set_deadline();
	run_until(all_closed);
	for (n = 0, i = 0; i < nstarted; i++)
		n += conns[i].eof && (opt.tcp || conns[i].closed);
	say("CLOSED %ld", n);
	return n == opt.conns && ndone == opt.conns ? 0 : 1;
}

static int
client_main(void)
{
	long limit = raise_nofile();

	if (opt.port <= 0 || opt.conns <= 0)
		die("%s needs --port and --conns", MODE_NAME[opt.mode]);
	if (opt.conns + 16 > limit)
		die("%ld connections need more descriptors than the limit, %ld",
		    opt.conns, limit);
	conns = xrealloc(NULL, (size_t)opt.conns * sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	set_deadline();
	switch (opt.mode) {
	case M_FANOUT:
		if (opt.lines <= 0 || opt.feed == NULL)
			die("fanout needs --lines and --feed");
		return run_fanout();
	case M_FLOOD:
		if (opt.msgs <= 0 || opt.out == NULL)
			die("flood needs --msgs and --out");
		return run_flood();
	case M_ECHO:
		if (opt.trips <= 0)
			die("echo needs --trips");
		return run_echo();
	case M_IDLE:
		if (opt.payload == NULL)
			die("idle needs --payload");
		return run_idle();
	default:
		return 2;
	}
}

/* ---- tcp-server ------------------------------------------------------- */

struct sconn {
	int fd;
	uint32_t events;
	bool slow;
	long slot; /* in clients[] */
	char *q;   /* queued output */
	size_t qoff, qlen, qcap;
	char *part; /* a partial line from the client */
	size_t plen, pcap;
};

static struct sconn **by_fd, **clients;
static long nclients, nslow;
static int lfd = -1;
static bool stdin_on, stdin_eof;
static char *obuf;
static size_t olen, ocap;
static char sbuf[64 * 1024];
static size_t slen;

static void
append(char **b, size_t *len, size_t *cap, const void *d, size_t n)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 4096;

		while (c < *len + n)
			c *= 2;
		*b = xrealloc(*b, c);
		*cap = c;
	}
	memcpy(*b + *len, d, n);
	*len += n;
}

static void
out_flush(void)
{
	size_t off = 0;

	while (off < olen) {
		ssize_t w = write(1, obuf + off, olen - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = 1, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		if (w < 0)
			die("stdout: %s", strerror(errno));
		off += (size_t)w;
	}
	olen = 0;
}

static void
out_append(const void *d, size_t n)
{
	append(&obuf, &olen, &ocap, d, n);
	if (olen >= 256 * 1024)
		out_flush();
}

static void
sc_events(struct sconn *sc, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = sc->fd };

	if (sc->events != events &&
	    epoll_ctl(ep, EPOLL_CTL_MOD, sc->fd, &ev) == 0)
		sc->events = events;
}

static void
sc_close(struct sconn *sc)
{
	struct sconn *last = clients[--nclients];

	last->slot = sc->slot;
	clients[sc->slot] = last;
	if (sc->slow)
		nslow--;
	by_fd[sc->fd] = NULL;
	close(sc->fd);
	free(sc->q);
	free(sc->part);
	free(sc);
}

/* Queued bytes changed: pace stdin (or, with --echo, this client). */
static void
sc_update(struct sconn *sc)
{
	bool slow = sc->qlen - sc->qoff > QUEUE_MAX;

	if (slow != sc->slow) {
		sc->slow = slow;
		nslow += slow ? 1 : -1;
	}
	sc_events(sc,
	    (sc->qlen > sc->qoff ? EPOLLOUT : 0) |
		(opt.echo && slow ? 0 : EPOLLIN));
}

/* Sends n bytes to sc, queueing what the socket does not take; 0 if sc
 * is still there. */
static int
sc_send(struct sconn *sc, const char *d, size_t n)
{
	if (sc->qlen == sc->qoff) {
		ssize_t w = write(sc->fd, d, n);

		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			sc_close(sc);
			return -1;
		}
		w = w > 0 ? w : 0;
		d += w;
		n -= (size_t)w;
		if (n == 0)
			return 0;
		sc->qoff = sc->qlen = 0;
	}
	append(&sc->q, &sc->qlen, &sc->qcap, d, n);
	sc_update(sc);
	return 0;
}

/* Writes what is queued; 0 if sc is still there. */
static int
sc_flush(struct sconn *sc)
{
	ssize_t w = write(sc->fd, sc->q + sc->qoff, sc->qlen - sc->qoff);

	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		sc_close(sc);
		return -1;
	}
	sc->qoff += (size_t)(w > 0 ? w : 0);
	if (sc->qoff == sc->qlen)
		sc->qoff = sc->qlen = 0;
	sc_update(sc);
	return 0;
}

static void
sc_read(struct sconn *sc)
{
	ssize_t n = read(sc->fd, scratch, SCRATCH);
	const char *p = (const char *)scratch, *end, *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sc_close(sc);
		return;
	}
	if (opt.echo) {
		sc_send(sc, p, (size_t)n);
		return;
	}
	/* Whole lines to stdout; a partial one waits for its end. */
	end = p + n;
	nl = memchr(p, '\n', (size_t)n);
	if (nl == NULL) {
		append(&sc->part, &sc->plen, &sc->pcap, p, (size_t)n);
		return;
	}
	if (sc->plen > 0) {
		out_append(sc->part, sc->plen);
		sc->plen = 0;
		out_append(p, (size_t)(nl + 1 - p));
		p = nl + 1;
	}
	nl = memrchr(p, '\n', (size_t)(end - p));
	if (nl != NULL) {
		out_append(p, (size_t)(nl + 1 - p));
		p = nl + 1;
	}
	if (p < end)
		append(&sc->part, &sc->plen, &sc->pcap, p, (size_t)(end - p));
}

static void
accept_all(void)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int on = 1;
		struct sconn *sc;
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		sc = xrealloc(NULL, sizeof(*sc));
		memset(sc, 0, sizeof(*sc));
		sc->fd = fd;
		sc->events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			free(sc);
			continue;
		}
		by_fd[fd] = sc;
		if (nclients % 1024 == 0)
			clients = xrealloc(clients,
			    ((size_t)nclients + 1024) * sizeof(*clients));
		sc->slot = nclients;
		clients[nclients++] = sc;
	}
}

static void
broadcast(const char *d, size_t n)
{
	long i;

	/* Downwards: sc_close moves the last client into the slot freed. */
	for (i = nclients - 1; i >= 0; i--)
		sc_send(clients[i], d, n);
}

static void
stdin_read(void)
{
	ssize_t n;
	char *nl;

	/* Every connection the kernel completed gets what is read now. */
	accept_all();
	n = read(0, sbuf + slen, sizeof(sbuf) - slen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		broadcast(sbuf, slen);
		slen = 0;
		stdin_eof = true;
		return;
	}
	slen += (size_t)n;
	nl = memrchr(sbuf, '\n', slen);
	if (nl != NULL) {
		size_t k = (size_t)(nl + 1 - sbuf);

		broadcast(sbuf, k);
		memmove(sbuf, sbuf + k, slen - k);
		slen -= k;
	} else if (slen == sizeof(sbuf)) {
		broadcast(sbuf, slen);
		slen = 0;
	}
}

static void
stdin_update(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = 0 };
	bool want = !opt.echo && !stdin_eof && nclients > 0 && nslow == 0;

	if (want == stdin_on)
		return;
	if (epoll_ctl(ep, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, 0, &ev) == -1)
		die("stdin: %s (a pipe or FIFO is needed)", strerror(errno));
	stdin_on = want;
}

static int
server_main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct epoll_event evs[512], ev = { .events = EPOLLIN };
	long limit = raise_nofile();
	int on = 1, i, n;

	signal(SIGPIPE, SIG_IGN);
	by_fd = xrealloc(NULL, (size_t)limit * sizeof(*by_fd));
	memset(by_fd, 0, (size_t)limit * sizeof(*by_fd));
	if (!opt.echo)
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sin.sin_port = htons((uint16_t)opt.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		die("listen: %s", strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = lfd;
	if (ep == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		die("epoll: %s", strerror(errno));
	fprintf(stderr, "wsload: listening on tcp://127.0.0.1:%d/\n",
	    ntohs(sin.sin_port));
	for (;;) {
		n = epoll_wait(ep, evs, 512, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct sconn *sc;

			if (fd == lfd)
				accept_all();
			else if (fd == 0)
				stdin_read();
			else if ((sc = by_fd[fd]) != NULL) {
				if ((evs[i].events & EPOLLOUT) &&
				    sc_flush(sc) == -1)
					continue;
				if (evs[i].events &
				    (EPOLLIN | EPOLLERR | EPOLLHUP))
					sc_read(sc);
			}
		}
		out_flush();
		stdin_update();
	}
}

/* ---- options ---------------------------------------------------------- */

static long
number(const char *name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		die("%s: %s is not a number from %ld to %ld", name, s, min,
		    max);
	return v;
}

static void
usage(void)
{
	fputs("usage: wsload fanout|flood|echo|idle --port P --conns C "
	      "[--tcp] [--timeout S]\n"
	      "                [--window N] [--lines L --feed FIFO] "
	      "[--msgs M --out FILE]\n"
	      "                [--trips K] [--size B] [--payload TEXT]\n"
	      "       wsload tcp-server [--port P] [--echo]\n",
	    stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2)
		usage();
	for (i = 0; i <= M_SERVER; i++)
		if (strcmp(argv[1], MODE_NAME[i]) == 0)
			break;
	if (i > M_SERVER)
		usage();
	opt.mode = (enum mode)i;
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--tcp") == 0)
			opt.tcp = true;
		else if (strcmp(o, "--echo") == 0)
			opt.echo = true;
		else if (v == NULL)
			usage();
		else if (i++, strcmp(o, "--port") == 0)
			opt.port = (int)number(o, v, 0, 65535);
		else if (strcmp(o, "--conns") == 0)
			opt.conns = number(o, v, 1, 1L << 24);
		else if (strcmp(o, "--lines") == 0)
			opt.lines = number(o, v, 1, 1L << 24);
		else if (strcmp(o, "--msgs") == 0)
			opt.msgs = number(o, v, 1, 99999999);
		else if (strcmp(o, "--trips") == 0)
			opt.trips = number(o, v, 1, 1L << 24);
		else if (strcmp(o, "--size") == 0)
			opt.size = number(o, v, 1, 125);
		else if (strcmp(o, "--window") == 0)
			opt.window = number(o, v, 1, 1L << 20);
		else if (strcmp(o, "--timeout") == 0)
			opt.timeout = (double)number(o, v, 1, 86400);
		else if (strcmp(o, "--feed") == 0)
			opt.feed = v;
		else if (strcmp(o, "--out") == 0)
			opt.out = v;
		else if (strcmp(o, "--payload") == 0)
			opt.payload = v;
		else
			usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt.mode == M_SERVER)
		return server_main();
	signal(SIGPIPE, SIG_IGN);
	return client_main();
}
